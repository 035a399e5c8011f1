with

expected as (select * from {{ ref('int_reporting_periods_expected') }}),

received as (select * from {{ ref('int_reports_received') }}),

final as (

    select
        coalesce(expected.province_id, received.province_id) as province_id,
        coalesce(expected.agency_id, received.agency_id) as agency_id,
        coalesce(expected.period, received.period) as period,
        expected.period_kind,
        expected.due_before,
        expected.province_id is not null as is_expected,
        coalesce(received.files_received, 0) as files_received,
        coalesce(received.files_rejected, 0) as files_rejected,
        received.first_received_at,
        received.first_accepted_at,
        received.first_accepted_at is not null as is_received,
        coalesce(received.files_unverified, 0) as files_unverified,
        received.first_unverified_at,
        case
            when received.first_accepted_at is null or expected.due_before is null then null
            else cast(received.first_accepted_at + interval 7 hour as date) < expected.due_before
        end as is_on_time,
    from expected
    full outer join received
        on expected.province_id = received.province_id
        and expected.agency_id = received.agency_id
        and expected.period = received.period

)

select * from final

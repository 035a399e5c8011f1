{#
    The files received for each report (province, agency, period): how many,
    how many rejected, and when the first one and the first accepted one came.
#}
with

files as (

    select * from {{ ref('stg_submissions__files') }}
    where province_id is not null and agency_id is not null and period is not null

),

final as (

    select
        province_id,
        agency_id,
        period,
        count(*) as files_received,
        count(*) filter (where status = 'rejected') as files_rejected,
        min(received_at) as first_received_at,
        -- Only a file whose sender was verified counts as the report received
        -- (docs/security.md); accepted unverified files are counted apart.
        min(received_at) filter (
            where status in ('accepted', 'partially_accepted') and sender_verified
        ) as first_accepted_at,
        count(*) filter (
            where status in ('accepted', 'partially_accepted') and not sender_verified
        ) as files_unverified,
        min(received_at) filter (
            where status in ('accepted', 'partially_accepted') and not sender_verified
        ) as first_unverified_at,
    from files
    group by province_id, agency_id, period

)

select * from final

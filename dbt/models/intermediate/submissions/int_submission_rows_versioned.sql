with

files as (select * from {{ ref('stg_submissions__files') }}),

rows as (select * from {{ ref('stg_submissions__rows') }}),

accepted_files as (

    select *
    from files
    where status in ('accepted', 'partially_accepted')

),

joined as (

    select
        rows.*,
        accepted_files.ingest_seq,
        accepted_files.file_name,
        accepted_files.province_id,
        accepted_files.agency_id as reporting_agency_id,
        accepted_files.period,
        accepted_files.period_start,
        accepted_files.period_end,
        accepted_files.received_at,
        accepted_files.sender_verified,
        -- Deadlines are Vietnamese calendar days: received_at is UTC, Vietnam is UTC+7.
        cast(accepted_files.received_at + interval 7 hour as date) as received_date,
    from rows
    inner join accepted_files
        on rows.file_sha256 = accepted_files.file_sha256

),

final as (

    select
        *,
        -- The latest accepted file of a report (province, agency, period) holding
        -- this sheet supersedes the earlier ones (docs/submission_format.md, Corrections);
        -- a verified file stays latest whatever unverified file comes after it.
        ingest_seq = first_value(ingest_seq) over (
            partition by province_id, reporting_agency_id, period, sheet
            order by sender_verified desc, ingest_seq desc
        ) as is_latest,
    from joined

)

select * from final

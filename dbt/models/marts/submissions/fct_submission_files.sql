with

files as (select * from {{ ref('stg_submissions__files') }}),

-- Rows loaded and quarantined are counted in the row tables themselves, not
-- taken from the manifest, so a row lost between reading a file and storing
-- it shows up as rows_in <> rows_loaded + rows_quarantined (a quality-gate check).
loaded as (

    select
        file_sha256,
        count(*) as rows_loaded
    from {{ ref('stg_submissions__rows') }}
    group by file_sha256

),

quarantined as (

    select
        file_sha256,
        count(distinct row(sheet, row_number)) filter (where row_number is not null)
            as rows_quarantined,
        count(*) as quarantine_entries,
        string_agg(distinct reason_code, ', ' order by reason_code) as reason_codes,
    from {{ ref('stg_submissions__quarantine') }}
    group by file_sha256

),

final as (

    select
        files.file_sha256,
        files.ingest_seq,
        files.file_name as source_file,
        files.detected_format,
        files.encoding,
        files.province_id,
        files.agency_id as reporting_agency_id,
        files.period,
        files.period_start,
        files.period_end,
        files.received_at,
        files.received_at_basis,
        files.is_synthetic,
        files.status,
        files.file_reason_code,
        files.rows_in,
        cast(coalesce(loaded.rows_loaded, 0) as integer) as rows_loaded,
        cast(coalesce(quarantined.rows_quarantined, 0) as integer) as rows_quarantined,
        files.rows_not_reported,
        cast(coalesce(quarantined.quarantine_entries, 0) as integer) as quarantine_entries,
        quarantined.reason_codes,
        files.supersedes_file_sha256,
        files.sender_verified,
        files.sender_method,
        files.sender_key_id,
        files.sender_reason_code,
        files.source_path,
    from files
    left join loaded on files.file_sha256 = loaded.file_sha256
    left join quarantined on files.file_sha256 = quarantined.file_sha256

)

select * from final

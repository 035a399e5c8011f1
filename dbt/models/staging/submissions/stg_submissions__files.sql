with

source as (

    select * from {{ source('submissions', 'submission_files') }}

),

final as (

    select
        file_sha256,
        ingest_seq,
        file_name,
        detected_format,
        encoding,
        province_id,
        agency_id,
        period,
        period_start,
        period_end,
        received_at,
        received_at_basis,
        synthetic_marker,
        synthetic_marker is not null as is_synthetic,
        status,
        rows_in,
        rows_loaded,
        rows_quarantined,
        rows_not_reported,
        file_reason_code,
        supersedes_file_sha256,
    from source

)

select * from final

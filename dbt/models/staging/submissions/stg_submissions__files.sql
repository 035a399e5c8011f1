with

source as (select * from {{ source('submissions', 'submission_files') }}),

final as (

    select
        file_sha256,
        ingest_seq,
        file_name,
        source_path,
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
        -- Who sent it (docs/security.md). Files ingested before senders were verified
        -- have NULL in the store: not verified, method and reason 'legacy'.
        coalesce(sender_verified, false) as sender_verified,
        case when sender_verified is null then 'legacy' else sender_method end as sender_method,
        sender_key_id,
        case
            when sender_verified is null then 'legacy' else sender_reason_code
        end as sender_reason_code,
    from source

)

select * from final

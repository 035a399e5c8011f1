with

quarantine as (select * from {{ ref('stg_submissions__quarantine') }}),

files as (

    select
        file_sha256,
        ingest_seq,
        province_id,
        agency_id,
        period,
        received_at,
        status
    from {{ ref('stg_submissions__files') }}

),

final as (

    select
        quarantine.file_sha256,
        files.ingest_seq,
        quarantine.file_name as source_file,
        quarantine.sheet,
        quarantine.row_number as source_row,
        quarantine.column_name,
        quarantine.raw_value,
        quarantine.reason_code,
        quarantine.reason_vi,
        quarantine.reason_en,
        quarantine.row_values,
        quarantine.row_number is null as is_whole_file,
        files.province_id,
        files.agency_id as reporting_agency_id,
        files.period,
        files.received_at,
        files.status as file_status,
        quarantine.quarantined_at,
    from quarantine
    left join files on quarantine.file_sha256 = files.file_sha256

)

select * from final

with

source as (select * from {{ source('submissions', 'submission_quarantine') }}),

final as (

    select
        file_sha256,
        file_name,
        sheet,
        row_number,
        column_name,
        raw_value,
        reason_code,
        reason_vi,
        reason_en,
        row_values,
        quarantined_at,
    from source

)

select * from final

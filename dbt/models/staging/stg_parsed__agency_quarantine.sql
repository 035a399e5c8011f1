with

source as (select * from {{ source('parsed', 'agency_quarantine') }}),

final as (

    select
        plan_id,
        row_kind,
        row_key,
        column_name,
        cell_text,
        fragment,
        reason_code,
        reason_vi,
        reason_en,
        source_file,
        source_line,
    from source

)

select * from final

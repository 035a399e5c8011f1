with

source as (select * from {{ source('seeds', 'indicators') }}),

final as (

    select
        plan_id,
        indicator_code,
        code_text,
        parent_indicator_code,
        group_code,
        group_name,
        indicator_name,
        unit_text,
        monitoring_agency_text,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

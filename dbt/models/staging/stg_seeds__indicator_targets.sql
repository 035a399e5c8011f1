with

source as (select * from {{ source('seeds', 'indicator_targets') }}),

final as (

    select
        plan_id,
        indicator_code,
        cast(nullif(target_year, '') as integer) as target_year,
        column_label,
        target_text,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

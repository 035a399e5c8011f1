with

source as (select * from {{ source('parsed', 'indicator_directions') }}),

final as (

    select
        plan_id,
        indicator_code,
        direction,
        unit,
        unit_note,
        source_file,
        source_line,
    from source

)

select * from final

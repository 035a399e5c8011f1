with

source as (select * from {{ source('seeds', 'reported_figures') }}),

final as (

    select
        plan_id,
        figure_id,
        metric,
        value_text,
        unit,
        period_text,
        context_text,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

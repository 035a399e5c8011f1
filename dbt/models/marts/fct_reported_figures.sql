with

figures as (

    select * from {{ ref('stg_seeds__reported_figures') }}

),

final as (

    select
        plan_id,
        figure_id,
        metric,
        value_text,
        unit,
        period_text,
        context_text,
        source_file,
        source_line,
        flags,
    from figures

)

select * from final

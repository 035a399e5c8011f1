with

source as (select * from {{ source('reference', 'ref_figure_crosswalk') }}),

final as (

    select
        plan_id,
        figure_id,
        metric_guard,
        national_indicator_id,
        measure_note,
        reviewed_by,
        cast(review_date as date) as review_date,
    from source

)

select * from final

with

source as (select * from {{ source('reference', 'ref_indicator_crosswalk') }}),

final as (

    select
        plan_id,
        indicator_code,
        national_indicator_id,
        unit_conversion_note,
        reviewed_by,
        cast(review_date as date) as review_date,
    from source

)

select * from final

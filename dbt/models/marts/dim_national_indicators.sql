with

national_indicators as (

    select * from {{ ref('stg_reference__national_indicators') }}

),

final as (

    select
        national_indicator_id,
        name_vi,
        name_en,
        target_year,
        comparator,
        target_value,
        unit,
        source_note,
    from national_indicators

)

select * from final

with

source as (select * from {{ source('reference', 'ref_national_indicators') }}),

final as (

    select
        national_indicator_id,
        name_vi,
        name_en,
        cast(target_year as integer) as target_year,
        comparator,
        cast(target_value as decimal(18, 6)) as target_value,
        unit,
        source_note,
    from source

)

select * from final

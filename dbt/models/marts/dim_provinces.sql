with

provinces as (select * from {{ ref('stg_reference__provinces') }}),

final as (

    select
        provinces.province_id,
        provinces.province_name,
        provinces.province_kind,
        provinces.valid_from,
        provinces.valid_to,
        provinces.successor_province_id,
        {{ province_holding_duties(
            'provinces.province_id',
            'provinces.successor_province_id',
            'provinces.valid_to',
            as_of_date(),
        ) }} as current_province_id,
        {{ as_of_date() }} as as_of_date,
        provinces.source_note,
    from provinces

)

select * from final

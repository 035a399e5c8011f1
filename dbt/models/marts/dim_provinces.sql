with

provinces as (

    select * from {{ ref('stg_reference__provinces') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

final as (

    select
        provinces.province_id,
        provinces.province_name,
        provinces.province_kind,
        provinces.valid_from,
        provinces.valid_to,
        provinces.successor_province_id,
        -- One merger at most (Bắc Kạn into Thái Nguyên): the successor holds
        -- the province's duties once it has ended.
        case
            when provinces.valid_to < as_of.as_of_date then provinces.successor_province_id
            else provinces.province_id
        end as current_province_id,
        as_of.as_of_date,
        provinces.source_note,
    from provinces
    cross join as_of

)

select * from final

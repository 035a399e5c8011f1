with

source as (

    select * from {{ source('reference', 'ref_provinces') }}

),

final as (

    select
        province_id,
        province_name,
        province_kind,
        cast(nullif(valid_from, '') as date) as valid_from,
        cast(nullif(valid_to, '') as date) as valid_to,
        nullif(successor_province_id, '') as successor_province_id,
        source_note,
    from source

)

select * from final

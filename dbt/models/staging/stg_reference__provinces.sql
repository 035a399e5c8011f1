with

source as (select * from {{ source('reference', 'ref_provinces') }}),

final as (

    select
        province_id,
        province_name,
        province_kind,
        {{ validity_columns() }}
        nullif(successor_province_id, '') as successor_province_id,
        source_note,
    from source

)

select * from final

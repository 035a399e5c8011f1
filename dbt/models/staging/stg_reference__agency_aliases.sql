with

source as (select * from {{ source('reference', 'ref_agency_aliases') }}),

final as (

    select
        alias_text,
        province_id,
        agency_id,
        note,
    from source

)

select * from final

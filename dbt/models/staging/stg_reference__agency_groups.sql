with

source as (select * from {{ source('reference', 'ref_agency_groups') }}),

final as (

    select
        group_id,
        nullif(province_id, '') as province_id,
        group_name_alias,
        group_kind,
        note,
    from source

)

select * from final

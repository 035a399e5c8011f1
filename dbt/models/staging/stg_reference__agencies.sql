with

source as (select * from {{ source('reference', 'ref_agencies') }}),

final as (

    select
        agency_id,
        province_id,
        agency_name,
        agency_kind,
        {{ validity_columns() }}
        nullif(successor_agency_id, '') as successor_agency_id,
        cast(is_group as boolean) as is_group,
        source_note,
    from source

)

select * from final

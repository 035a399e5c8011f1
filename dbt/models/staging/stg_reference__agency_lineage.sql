with

source as (select * from {{ source('reference', 'ref_agency_lineage') }}),

final as (

    select
        predecessor_agency_id,
        successor_agency_id,
        cast(effective_date as date) as effective_date,
        legal_basis,
        note,
    from source

)

select * from final

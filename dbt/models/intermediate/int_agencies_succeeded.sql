{#
    Each agency followed through the reorganization to the agency that holds
    its duties on as_of_date: while the holder has ended by then (valid_to
    before as_of_date), step to its successor.
#}
with recursive

agencies as (select * from {{ ref('stg_reference__agencies') }}),

-- A chain longer than this is a successor cycle in the reference data, not
-- a reorganization; the walk stops there and the holder shows as ended.
succession as (

    select
        agencies.agency_id,
        agencies.agency_id as holder_agency_id,
        0 as succession_steps,
    from agencies

    union all

    select
        succession.agency_id,
        holder.successor_agency_id as holder_agency_id,
        succession.succession_steps + 1 as succession_steps,
    from succession
    inner join agencies as holder
        on succession.holder_agency_id = holder.agency_id
    where
        holder.valid_to < {{ as_of_date() }}
        and holder.successor_agency_id is not null
        and succession.succession_steps < 10

),

last_step as (

    select
        agency_id,
        arg_max(holder_agency_id, succession_steps) as current_agency_id,
        max(succession_steps) as succession_steps,
    from succession
    group by agency_id

),

final as (

    select
        last_step.agency_id,
        last_step.current_agency_id,
        last_step.succession_steps,
        -- False when the chain ends in a body that no longer (or not yet)
        -- exists on as_of_date: a gap in the lineage data.
        (current_agency.valid_to is null or current_agency.valid_to >= {{ as_of_date() }})
        and (current_agency.valid_from is null or current_agency.valid_from <= {{ as_of_date() }})
            as is_current_agency_active,
        {{ as_of_date() }} as as_of_date,
    from last_step
    left join agencies as current_agency
        on last_step.current_agency_id = current_agency.agency_id

)

select * from final

{#
    One row per task whose lead cell names at least one agency or group: how
    many, the first lead agency, and who holds that agency's duties on
    as_of_date. A task whose lead cell matched nothing has no row here;
    fct_tasks counts zero leads for it.
#}
with

assignments as (select * from {{ ref('stg_parsed__task_agencies') }}),

succeeded as (select * from {{ ref('int_agencies_succeeded') }}),

lead_counts as (

    select
        plan_id,
        task_key,
        count(*) as lead_assignment_count,
        count(agency_id) as lead_agency_count,
        count(group_id) as lead_group_count,
        -- The first agency the lead cell names: the body answerable for the
        -- task when the cell lists several (all of them are in the bridge).
        arg_min(agency_id, position) filter (where agency_id is not null) as lead_agency_id,
    from assignments
    where role = 'lead'
    group by plan_id, task_key

),

final as (

    select
        lead_counts.*,
        succeeded.current_agency_id as current_lead_agency_id,
    from lead_counts
    left join succeeded
        on lead_counts.lead_agency_id = succeeded.agency_id

)

select * from final

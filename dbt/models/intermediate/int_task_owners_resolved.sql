with

tasks as (

    select * from {{ ref('stg_seeds__tasks') }}

),

assignments as (

    select * from {{ ref('stg_parsed__task_agencies') }}

),

succeeded as (

    select * from {{ ref('int_agencies_succeeded') }}

),

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

as_of as (

    select {{ as_of_date() }} as as_of_date

),

final as (

    select
        tasks.plan_id,
        tasks.task_key,
        coalesce(lead_counts.lead_assignment_count, 0) as lead_assignment_count,
        coalesce(lead_counts.lead_agency_count, 0) as lead_agency_count,
        coalesce(lead_counts.lead_group_count, 0) as lead_group_count,
        lead_counts.lead_agency_id,
        succeeded.current_agency_id as current_lead_agency_id,
        as_of.as_of_date,
        tasks.source_file,
        tasks.source_line,
    from tasks
    cross join as_of
    left join lead_counts
        on tasks.plan_id = lead_counts.plan_id
        and tasks.task_key = lead_counts.task_key
    left join succeeded
        on lead_counts.lead_agency_id = succeeded.agency_id

)

select * from final

with

tasks as (select * from {{ ref('stg_seeds__tasks') }}),

deadlines as (select * from {{ ref('stg_parsed__task_deadlines') }}),

owners as (select * from {{ ref('int_task_owners_resolved') }}),

final as (

    select
        tasks.plan_id,
        tasks.task_key,
        tasks.task_code,
        tasks.group_code,
        tasks.group_name,
        tasks.task_name,
        tasks.lead_agency_text,
        tasks.coordinating_agency_text,
        tasks.expected_output_text,
        tasks.deadline_text,
        tasks.source_file,
        tasks.source_line,
        tasks.flags,
        deadlines.due_date,
        deadlines.start_date,
        deadlines.recurrence,
        deadlines.recurrence_due_month,
        deadlines.recurrence_due_day,
        deadlines.parse_status as deadline_parse_status,
        deadlines.parse_note as deadline_parse_note,
        -- A task whose lead cell matched nothing has no owner row: zero leads,
        -- which the plan-semantics check every_task_has_a_lead reports.
        coalesce(owners.lead_assignment_count, 0) as lead_assignment_count,
        owners.lead_agency_id,
        owners.current_lead_agency_id,
        {{ as_of_date() }} as current_lead_as_of_date,
    from tasks
    -- Left join: a task the parser missed keeps its row and fails the
    -- not_null test on deadline_parse_status.
    left join deadlines
        on tasks.plan_id = deadlines.plan_id
        and tasks.task_key = deadlines.task_key
    left join owners
        on tasks.plan_id = owners.plan_id
        and tasks.task_key = owners.task_key

)

select * from final

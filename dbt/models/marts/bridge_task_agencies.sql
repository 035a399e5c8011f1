with

assignments as (select * from {{ ref('stg_parsed__task_agencies') }}),

succeeded as (select * from {{ ref('int_agencies_succeeded') }}),

final as (

    select
        assignments.plan_id,
        assignments.task_key,
        assignments.role,
        assignments.position,
        assignments.agency_id,
        assignments.group_id,
        succeeded.current_agency_id,
        succeeded.as_of_date,
        assignments.alias_text,
        assignments.fragment,
        assignments.source_file,
        assignments.source_line,
    from assignments
    left join succeeded
        on assignments.agency_id = succeeded.agency_id

)

select * from final

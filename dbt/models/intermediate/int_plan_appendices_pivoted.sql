with

plans as (select * from {{ ref('stg_seeds__plans') }}),

appendices as (select * from {{ ref('stg_seeds__plan_appendices') }}),

present_appendices as (

    select
        plan_id,
        bool_or(appendix_kind = 'indicators') as has_indicator_appendix,
        bool_or(appendix_kind = 'tasks') as has_task_appendix,
    from appendices
    where status = 'present'
    group by plan_id

),

final as (

    -- Every plan gets a row: a plan with no appendix in its text has neither.
    select
        plans.plan_id,
        coalesce(present_appendices.has_indicator_appendix, false) as has_indicator_appendix,
        coalesce(present_appendices.has_task_appendix, false) as has_task_appendix,
    from plans
    left join present_appendices
        on plans.plan_id = present_appendices.plan_id

)

select * from final

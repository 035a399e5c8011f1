-- A returned row is an assignment in bridge_task_agencies whose task is not
-- in fct_tasks: the bridge would count work for a task nobody can see.
select
    bridge.plan_id,
    bridge.task_key,
    bridge.role,
    bridge.position,
from {{ ref('bridge_task_agencies') }} as bridge
left join {{ ref('fct_tasks') }} as tasks
    on bridge.plan_id = tasks.plan_id
    and bridge.task_key = tasks.task_key
where tasks.task_key is null

-- A returned row is an assignment naming both an agency and a group, or
-- neither: each bridge row stands for exactly one body or one group.
select
    plan_id,
    task_key,
    role,
    position,
    agency_id,
    group_id,
from {{ ref('bridge_task_agencies') }}
where (agency_id is null) = (group_id is null)

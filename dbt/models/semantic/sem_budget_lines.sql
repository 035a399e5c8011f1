{#
    fct_budget_lines with what the budget metrics need: the first day of the
    fiscal year (a time dimension) and whether a line counts in a total of its
    stage. A line counts unless a line it belongs to (its parent) gives an
    amount at the same stage: the 2026 estimate is its total (384.172), not
    total + investment + recurrent + each recurrent item.
#}
with

lines as (select * from {{ ref('fct_budget_lines') }}),

parent_stages as (

    select distinct
        budget_line_id,
        stage,
    from lines

)

select
    lines.plan_id,
    lines.province_name,
    lines.budget_line_id,
    lines.parent_budget_line_id,
    lines.fiscal_year,
    make_date(lines.fiscal_year, 1, 1) as fiscal_year_start,
    lines.stage,
    lines.amount_million_vnd,
    parent_stages.budget_line_id is null as is_counted_in_total,
    lines.source_file,
    lines.source_line,
from lines
left join parent_stages
    on lines.parent_budget_line_id = parent_stages.budget_line_id
    and lines.stage = parent_stages.stage

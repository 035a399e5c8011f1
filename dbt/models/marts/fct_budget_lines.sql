with

budget_lines as (select * from {{ ref('int_budget_lines_parsed') }}),

plans as (select * from {{ ref('stg_seeds__plans') }}),

final as (

    select
        budget_lines.plan_id,
        plans.province_name,
        budget_lines.budget_line_id,
        nullif(budget_lines.parent_budget_line_id, '') as parent_budget_line_id,
        budget_lines.fiscal_year,
        budget_lines.period_start_year,
        budget_lines.period_end_year,
        budget_lines.stage,
        budget_lines.line_code,
        budget_lines.line_name,
        budget_lines.amount_text,
        budget_lines.amount_million_vnd,
        budget_lines.source_file,
        budget_lines.source_line,
        budget_lines.flags,
    from budget_lines
    left join plans
        on budget_lines.plan_id = plans.plan_id

)

select * from final

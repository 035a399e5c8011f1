-- A returned row is a budget line whose amount at one stage differs by more
-- than 0.5 million VND from the sum of its children's amounts at that stage:
-- the document's breakdown does not add up, or the extractor attached a line
-- to the wrong parent. Stages a parent has but none of its children print
-- (a project's total investment under a yearly allocation) are not compared.
with

budget_lines as (select * from {{ ref('fct_budget_lines') }}),

children as (

    select
        parent_budget_line_id,
        stage,
        sum(amount_million_vnd) as children_million_vnd,
        count(*) as child_count,
    from budget_lines
    where parent_budget_line_id is not null
    group by parent_budget_line_id, stage

),

final as (

    select
        parents.budget_line_id,
        parents.stage,
        parents.fiscal_year,
        parents.line_name,
        parents.amount_million_vnd as parent_million_vnd,
        children.children_million_vnd,
        children.child_count,
        parents.source_file,
        parents.source_line,
    from budget_lines as parents
    inner join children
        on parents.budget_line_id = children.parent_budget_line_id
        and parents.stage = children.stage
    where abs(parents.amount_million_vnd - children.children_million_vnd) > 0.5

)

select * from final

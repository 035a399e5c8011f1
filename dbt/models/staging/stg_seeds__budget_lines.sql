with

source as (

    select * from {{ source('seeds', 'budget_lines') }}

),

final as (

    select
        plan_id,
        budget_line_id,
        parent_budget_line_id,
        cast(nullif(fiscal_year, '') as integer) as fiscal_year,
        stage,
        line_code,
        line_name,
        amount_text,
        amount_unit,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

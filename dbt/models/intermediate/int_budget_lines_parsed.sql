with

budget_lines as (select * from {{ ref('stg_seeds__budget_lines') }}),

parsed as (

    select
        *,
        {{ million_vnd_per_unit('amount_unit') }} as million_vnd_per_unit,
    from budget_lines

),

final as (

    select
        plan_id,
        budget_line_id,
        parent_budget_line_id,
        fiscal_year,
        period_start_year,
        period_end_year,
        stage,
        line_code,
        line_name,
        amount_text,
        amount_unit,
        cast(amount_in_unit * million_vnd_per_unit as decimal(18, 3)) as amount_million_vnd,
        flags,
        source_file,
        source_line,
    from parsed

)

select * from final

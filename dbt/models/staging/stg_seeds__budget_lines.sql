with

source as (select * from {{ source('seeds', 'budget_lines') }}),

final as (

    select
        plan_id,
        budget_line_id,
        parent_budget_line_id,
        -- A single year ('2026'), or a period ('2026-2030') whose amount covers
        -- several years and so has no fiscal year of its own.
        case
            when regexp_full_match(fiscal_year, '[0-9]{4}') then cast(fiscal_year as integer)
        end as fiscal_year,
        cast(nullif(regexp_extract(fiscal_year, '^([0-9]{4})', 1), '') as integer) as period_start_year,
        cast(nullif(regexp_extract(fiscal_year, '([0-9]{4})$', 1), '') as integer) as period_end_year,
        stage,
        line_code,
        line_name,
        amount_text,
        -- Parsed from amount_text by extraction (dagster_project.extract.parsed).
        cast(nullif(amount_in_unit, '') as decimal(18, 3)) as amount_in_unit,
        amount_unit,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

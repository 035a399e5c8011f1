with

rows as (

    select *
    from {{ ref('int_submission_rows_versioned') }}
    where sheet = 'indicator_values'

),

directions as (select * from {{ ref('stg_parsed__indicator_directions') }}),

indicators as (

    select
        plan_id,
        indicator_code
    from {{ ref('stg_seeds__indicators') }}

),

-- A plan's reported figures are reported under their figure_id (validation
-- accepts them when no plan indicator has that code).
figures as (

    select
        plan_id,
        figure_id
    from {{ ref('stg_seeds__reported_figures') }}

),

final as (

    select
        rows.parsed_plan_id as plan_id,
        coalesce(directions.indicator_code, trim(rows.indicator_code)) as indicator_code,
        rows.province_id,
        rows.reporting_agency_id,
        rows.period,
        rows.period_start,
        rows.period_end,
        rows.parsed_as_of_date as as_of_date,
        rows.value_text,
        cast(rows.parsed_value as decimal(38, 10)) as value,
        rows.parsed_value_flag as value_flag,
        directions.unit,
        directions.direction,
        nullif(rows.note, '') as note,
        rows.received_at,
        rows.file_sha256,
        rows.file_name as source_file,
        rows.row_number as source_row,
        rows.ingest_seq,
        rows.is_latest,
        case
            when indicators.indicator_code is not null then 'plan_indicator'
            when figures.figure_id is not null then 'reported_figure'
        end as item_kind,
        figures.figure_id,
    from rows
    left join directions
        on rows.parsed_plan_id = directions.plan_id
        and {{ item_key('rows.indicator_code') }} = {{ item_key('directions.indicator_code') }}
    left join indicators
        on rows.parsed_plan_id = indicators.plan_id
        and {{ item_key('rows.indicator_code') }} = {{ item_key('indicators.indicator_code') }}
    left join figures
        on indicators.indicator_code is null
        and rows.parsed_plan_id = figures.plan_id
        and lower(trim(rows.indicator_code)) = lower(figures.figure_id)

)

select * from final

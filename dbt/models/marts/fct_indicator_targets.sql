with

targets as (select * from {{ ref('stg_seeds__indicator_targets') }}),

indicators as (select * from {{ ref('stg_seeds__indicators') }}),

parsed_targets as (select * from {{ ref('stg_parsed__indicator_targets') }}),

final as (

    select
        targets.plan_id,
        targets.indicator_code,
        targets.target_year,
        targets.column_label,
        targets.target_text,
        indicators.indicator_name,
        indicators.group_code,
        indicators.unit_text,
        targets.source_file,
        targets.source_line,
        -- A doubt about the indicator row (its code, its name) is a doubt
        -- about each of its targets, so both rows' flags are carried.
        concat_ws(' | ', nullif(targets.flags, ''), nullif(indicators.flags, '')) as flags,
        parsed_targets.comparator,
        parsed_targets.target_low,
        parsed_targets.target_high,
        parsed_targets.unit,
        parsed_targets.target_kind,
        parsed_targets.baseline_year,
        parsed_targets.is_qualitative,
        parsed_targets.parse_status,
        parsed_targets.parse_note,
        parsed_targets.is_merged_cell,
    from targets
    -- Left join: a target whose indicator is missing keeps its row and fails
    -- the not_null test on indicator_name instead of vanishing.
    left join indicators
        on targets.plan_id = indicators.plan_id
        and targets.indicator_code = indicators.indicator_code
    -- Left join likewise: a target the parser did not see keeps its row and
    -- fails the not_null test on parse_status.
    left join parsed_targets
        on targets.plan_id = parsed_targets.plan_id
        and targets.indicator_code = parsed_targets.indicator_code
        and targets.target_year = parsed_targets.target_year

)

select * from final

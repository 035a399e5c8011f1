with

targets as (

    select * from {{ ref('stg_seeds__indicator_targets') }}

),

indicators as (

    select * from {{ ref('stg_seeds__indicators') }}

),

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
    from targets
    -- Left join: a target whose indicator is missing keeps its row and fails
    -- the not_null test on indicator_name instead of vanishing.
    left join indicators
        on targets.plan_id = indicators.plan_id
        and targets.indicator_code = indicators.indicator_code

)

select * from final

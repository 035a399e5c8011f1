with

indicators as (select * from {{ ref('stg_seeds__indicators') }}),

directions as (select * from {{ ref('stg_parsed__indicator_directions') }}),

crosswalk as (select * from {{ ref('stg_reference__indicator_crosswalk') }}),

national_indicators as (select * from {{ ref('stg_reference__national_indicators') }}),

parsed_targets as (select * from {{ ref('stg_parsed__indicator_targets') }}),

target_counts as (

    select
        plan_id,
        indicator_code,
        count(*) as target_count,
        count(*) filter (where parse_status = 'parsed') as parsed_target_count,
    from parsed_targets
    group by plan_id, indicator_code

),

national_mappings as (

    select
        crosswalk.plan_id,
        crosswalk.indicator_code,
        -- One indicator can measure a national target at two horizons (Nghệ
        -- An 62: digital economy 2030 and 2045); the earlier one is the
        -- indicator's reference here, and mart_targets_vs_national has both.
        arg_min(
            crosswalk.national_indicator_id,
            national_indicators.target_year
        ) as national_indicator_id,
        count(*) as national_indicator_count,
    from crosswalk
    inner join national_indicators
        on crosswalk.national_indicator_id = national_indicators.national_indicator_id
    group by crosswalk.plan_id, crosswalk.indicator_code

),

final as (

    select
        indicators.plan_id,
        indicators.indicator_code,
        indicators.code_text,
        indicators.parent_indicator_code,
        indicators.group_code,
        indicators.group_name,
        indicators.indicator_name,
        indicators.unit_text,
        directions.unit,
        directions.unit_note,
        directions.direction,
        indicators.monitoring_agency_text,
        national_mappings.national_indicator_id,
        coalesce(national_mappings.national_indicator_count, 0) as national_indicator_count,
        coalesce(target_counts.target_count, 0) as target_count,
        coalesce(target_counts.parsed_target_count, 0) as parsed_target_count,
        indicators.source_file,
        indicators.source_line,
        indicators.flags,
    from indicators
    left join directions
        on indicators.plan_id = directions.plan_id
        and indicators.indicator_code = directions.indicator_code
    left join target_counts
        on indicators.plan_id = target_counts.plan_id
        and indicators.indicator_code = target_counts.indicator_code
    left join national_mappings
        on indicators.plan_id = national_mappings.plan_id
        and indicators.indicator_code = national_mappings.indicator_code

)

select * from final

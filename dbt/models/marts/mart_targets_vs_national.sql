with

targets as (select * from {{ ref('fct_indicator_targets') }}),

crosswalk as (select * from {{ ref('stg_reference__indicator_crosswalk') }}),

national_indicators as (select * from {{ ref('stg_reference__national_indicators') }}),

plans as (select * from {{ ref('stg_seeds__plans') }}),

provinces as (select * from {{ ref('stg_reference__provinces') }}),

-- The crosswalk states that a provincial indicator and its national target
-- are one measure at two scales; a share of provincial GDP (GRDP) is the
-- province-scale share of GDP (seeds/reference/README.md). No value is
-- converted: only the unit names are aligned. A change against a baseline or
-- a yearly growth rate is not a level, so it is comparable with no national
-- target.
comparable_targets as (

    select
        *,
        case
            when coalesce(target_kind, '') != 'level' then null
            when unit = 'percent_grdp' then 'percent_gdp'
            else unit
        end as comparable_unit,
    from targets

),

final as (

    select
        comparable_targets.plan_id,
        provinces.province_id,
        comparable_targets.indicator_code,
        comparable_targets.indicator_name,
        comparable_targets.target_year,
        comparable_targets.target_text,
        comparable_targets.comparator,
        comparable_targets.target_low,
        comparable_targets.target_high,
        comparable_targets.unit,
        comparable_targets.parse_status,
        national_indicators.national_indicator_id,
        national_indicators.name_vi as national_name_vi,
        national_indicators.target_year as national_target_year,
        national_indicators.comparator as national_comparator,
        national_indicators.target_value as national_target_value,
        national_indicators.unit as national_unit,
        comparable_targets.target_year = national_indicators.target_year as is_same_target_year,
        coalesce(comparable_targets.comparable_unit = national_indicators.unit, false)
            as is_unit_comparable,
        case
            when
                comparable_targets.parse_status = 'parsed'
                and comparable_targets.comparable_unit = national_indicators.unit
                then cast(comparable_targets.target_low - national_indicators.target_value as decimal(18, 6))
        end as target_low_minus_national,
        crosswalk.unit_conversion_note,
        comparable_targets.source_file,
        comparable_targets.source_line,
    from comparable_targets
    inner join crosswalk
        on comparable_targets.plan_id = crosswalk.plan_id
        and comparable_targets.indicator_code = crosswalk.indicator_code
    inner join national_indicators
        on crosswalk.national_indicator_id = national_indicators.national_indicator_id
    left join plans
        on comparable_targets.plan_id = plans.plan_id
    left join provinces
        on plans.province_name = provinces.province_name

)

select * from final

{#
    Reported values set against Resolution 57's national targets: one row per
    province, national indicator, plan item and reporting agency, for the
    latest value reported (latest files only).

    A value reaches the national catalog through a reviewed crosswalk: a plan
    indicator through seeds/reference/indicator_crosswalk.csv, a plan's
    reported figure (Lạng Sơn 234's share of dossiers received online)
    through seeds/reference/figure_crosswalk.csv. Both promise the same
    measure in the same unit, so values are compared as they are; a share of
    provincial GDP (GRDP) stands for the share of GDP at province scale.
    Every national target of Resolution 57 is a floor ('>=' or '>').
#}

with

actuals as (

    select *
    from {{ ref('fct_indicator_actuals') }}
    where is_latest and value is not null and as_of_date is not null

),

indicator_links as (

    select
        plan_id,
        indicator_code as item_code,
        national_indicator_id,
        unit_conversion_note as measure_note,
        'indicator_crosswalk' as link_source,
    from {{ ref('stg_reference__indicator_crosswalk') }}

),

figure_links as (

    select
        plan_id,
        figure_id as item_code,
        national_indicator_id,
        measure_note,
        'figure_crosswalk' as link_source,
    from {{ ref('stg_reference__figure_crosswalk') }}

),

links as (

    select * from indicator_links
    union all
    select * from figure_links

),

national_indicators as (select * from {{ ref('stg_reference__national_indicators') }}),

linked as (

    select
        actuals.*,
        links.national_indicator_id,
        links.measure_note,
        links.link_source,
    from actuals
    inner join links
        on actuals.plan_id = links.plan_id
        and {{ item_key('actuals.indicator_code') }} = {{ item_key('links.item_code') }}
        -- A figure goes through the figure crosswalk only, an indicator through the other.
        and (actuals.item_kind = 'reported_figure') = (links.link_source = 'figure_crosswalk')

),

ranked as (

    select
        *,
        row_number() over (
            partition by province_id, national_indicator_id, plan_id, indicator_code, reporting_agency_id
            order by as_of_date desc, received_at desc, source_row asc
        ) as latest_rank,
    from linked

),

latest as (

    select *
    from ranked
    where latest_rank = 1

),

final as (

    select
        latest.province_id,
        latest.national_indicator_id,
        national_indicators.name_en as national_indicator_name_en,
        national_indicators.target_year as national_target_year,
        national_indicators.comparator as national_comparator,
        cast(national_indicators.target_value as decimal(38, 10)) as national_target_value,
        national_indicators.unit as national_unit,
        latest.plan_id,
        latest.indicator_code,
        latest.item_kind,
        latest.figure_id,
        latest.reporting_agency_id,
        latest.as_of_date,
        latest.value_text,
        latest.value,
        cast(national_indicators.target_value - latest.value as decimal(38, 10))
            as gap_to_national_target,
        case national_indicators.comparator
            when '>=' then latest.value >= national_indicators.target_value
            when '>' then latest.value > national_indicators.target_value
        end as meets_national_target,
        latest.link_source,
        latest.measure_note,
        latest.source_file,
        latest.source_row,
        latest.file_sha256,
    from latest
    inner join national_indicators
        on latest.national_indicator_id = national_indicators.national_indicator_id

)

select * from final

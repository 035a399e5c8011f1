with

actuals as (

    select *
    from {{ ref('fct_indicator_actuals') }}
    where is_latest and value is not null and as_of_date is not null

),

targets as (

    select *
    from {{ ref('stg_parsed__indicator_targets') }}
    -- Levels only: a change against a baseline is not a value to reach.
    where parse_status = 'parsed' and target_kind = 'level' and not is_qualitative and target_low is not null

),

ranked as (

    select
        *,
        row_number() over (
            partition by plan_id, indicator_code, reporting_agency_id
            order by as_of_date desc, received_at desc, source_row asc
        ) as recency,
        row_number() over (
            partition by plan_id, indicator_code, reporting_agency_id
            order by as_of_date, received_at, source_row
        ) as age,
        -- The number of distinct dates (never null here), as ranks both ways:
        -- PostgreSQL has no count(distinct) over a window.
        dense_rank()
            over (
                partition by plan_id, indicator_code, reporting_agency_id
                order by as_of_date
            )
        + dense_rank()
            over (
                partition by plan_id, indicator_code, reporting_agency_id
                order by as_of_date desc
            )
        - 1 as observation_dates,
    from actuals

),

series as (

    select
        latest.plan_id,
        latest.indicator_code,
        latest.province_id,
        latest.reporting_agency_id,
        latest.unit,
        latest.direction,
        earliest.as_of_date as first_as_of_date,
        earliest.value as first_value,
        latest.as_of_date as latest_as_of_date,
        latest.value as latest_value,
        latest.observation_dates,
        latest.source_file as latest_source_file,
        latest.source_row as latest_source_row,
    from ranked as latest
    inner join ranked as earliest
        on latest.plan_id = earliest.plan_id
        and latest.indicator_code = earliest.indicator_code
        and latest.reporting_agency_id = earliest.reporting_agency_id
        and earliest.age = 1
    where latest.recency = 1

),

next_milestone as (

    select
        series.*,
        targets.target_year,
        targets.comparator as target_comparator,
        -- The value that meets the target: the low end going up, the high end going down.
        case
            when series.direction = 'lower_is_better'
                then coalesce(targets.target_high, targets.target_low)
            else targets.target_low
        end as target_value,
        row_number() over (
            partition by series.plan_id, series.indicator_code, series.reporting_agency_id
            order by targets.target_year
        ) as milestone_rank,
    from series
    inner join targets
        on series.plan_id = targets.plan_id
        and series.indicator_code = targets.indicator_code
        and targets.target_year >= year(series.latest_as_of_date)

),

rates as (

    select
        *,
        sense * (target_value - latest_value) as gap_to_target,
        date_diff('day', first_as_of_date, latest_as_of_date) / 365.25 as years_observed,
        date_diff('day', latest_as_of_date, make_date(target_year, 12, 31)) / 365.25
            as years_left,
    from (
        select
            *,
            -- Signed so that positive is progress, whichever way the indicator improves.
            case when direction = 'lower_is_better' then -1 else 1 end as sense,
        from next_milestone
        where milestone_rank = 1
    ) as milestone

),

final as (

    select
        plan_id,
        indicator_code,
        province_id,
        reporting_agency_id,
        unit,
        coalesce(direction, 'higher_is_better') as direction,
        first_as_of_date,
        first_value,
        latest_as_of_date,
        latest_value,
        observation_dates,
        target_year,
        target_comparator,
        cast(target_value as decimal(38, 10)) as target_value,
        cast(gap_to_target as decimal(38, 10)) as gap_to_target,
        cast(
            case when years_observed > 0 then sense * (latest_value - first_value) / years_observed end
            as double
        ) as actual_rate_per_year,
        cast(
            case when years_left > 0 then gap_to_target / years_left end as double
        ) as required_rate_per_year,
        case
            when gap_to_target <= 0 then 'on_track'
            when observation_dates < 2 or years_observed <= 0 then null
            when sense * (latest_value - first_value) < 0 then 'deterioration'
            when years_left <= 0 then 'limited_progress'
            when sense * (latest_value - first_value) / years_observed >= gap_to_target / years_left
                then 'on_track'
            when
                sense * (latest_value - first_value) / years_observed
                >= 0.5 * gap_to_target / years_left
                then 'needs_acceleration'
            else 'limited_progress'
        end as progress_status,
        latest_source_file,
        latest_source_row,
    from rates

)

select * from final

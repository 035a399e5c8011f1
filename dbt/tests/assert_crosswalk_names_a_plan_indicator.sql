-- A returned row is a reviewed crosswalk mapping whose plan indicator does
-- not exist in dim_indicators: the national comparison would silently lose it.
select
    crosswalk.plan_id,
    crosswalk.indicator_code,
    crosswalk.national_indicator_id,
from {{ ref('stg_reference__indicator_crosswalk') }} as crosswalk
left join {{ ref('dim_indicators') }} as indicators
    on crosswalk.plan_id = indicators.plan_id
    and crosswalk.indicator_code = indicators.indicator_code
where indicators.indicator_code is null

{#
    One row per day from 2020 (the first plans) to 2050 (the horizon of the
    targets to 2045, with room): the time spine MetricFlow joins time-based
    metrics to. generate_series over timestamps reads the same on DuckDB and
    PostgreSQL.
#}
select cast(spine.date_day as date) as date_day
from generate_series(
    cast('2020-01-01' as timestamp),
    cast('2050-12-31' as timestamp),
    interval '1 day'
) as spine (date_day)

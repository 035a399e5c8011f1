{#
    One row per day from 2020 (the first plans) to 2050 (the horizon of the
    targets to 2045, with room): the time spine MetricFlow joins time-based
    metrics to. dbt's date_spine macro writes the same SQL for DuckDB and
    PostgreSQL.
#}
with

days as (

    {{ dbt.date_spine(
        datepart="day",
        start_date="cast('2020-01-01' as date)",
        end_date="cast('2051-01-01' as date)"
    ) }}

)

select
    cast(date_day as date) as date_day,
from days

{#
    The date "current" owners and provinces are resolved for: the dbt var
    `as_of_date` (ISO, e.g. `dbt build --vars '{as_of_date: 2025-06-30}'`),
    else the day of the build. A malformed value stops compilation instead of
    silently resolving for the wrong day.
#}
{% macro as_of_date() -%}
    {%- set configured = var('as_of_date', none) -%}
    {%- if configured is none or (configured | string | trim) == '' -%}
        current_date
    {%- else -%}
        {%- set parsed = modules.datetime.date.fromisoformat(configured | string | trim) -%}
        cast('{{ parsed.isoformat() }}' as date)
    {%- endif -%}
{%- endmacro %}

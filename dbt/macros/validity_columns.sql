{#
    A reference row's type-2 validity as dates: the reference CSVs leave
    valid_from / valid_to empty for "since ever" / "still in force".
#}
{% macro validity_columns() -%}
    cast(nullif(valid_from, '') as date) as valid_from,
    cast(nullif(valid_to, '') as date) as valid_to,
{%- endmacro %}

{#
    A number printed the Vietnamese way as DECIMAL(18,3): '.' groups thousands
    and ',' is the decimal mark ('384.172' = 384172, '56.016,1' = 56016.1).
    Anything else gives null rather than a guess: '0.60' could be 0.6 or 60 in
    this convention, so it is left for a not_null test to report.
#}
{% macro parse_vietnamese_number(column) -%}
    case
        when regexp_full_match(
            trim({{ column }}), '-?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?'
        )
            then cast(replace(replace(trim({{ column }}), '.', ''), ',', '.') as decimal(18, 3))
    end
{%- endmacro %}

{#
    How many million VND one unit of a printed money unit is worth. An unknown
    unit gives null, so the amount it qualifies fails its not_null test
    instead of being converted at the wrong scale.
#}
{% macro million_vnd_per_unit(column) -%}
    case lower(trim({{ column }}))
        when 'đồng' then cast(0.000001 as decimal(18, 6))
        when 'nghìn đồng' then cast(0.001 as decimal(18, 6))
        when 'ngàn đồng' then cast(0.001 as decimal(18, 6))
        when 'triệu đồng' then cast(1 as decimal(18, 6))
        when 'tỷ đồng' then cast(1000 as decimal(18, 6))
    end
{%- endmacro %}

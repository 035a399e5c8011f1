{#
    The province holding a province's duties on `on_date`: the province
    itself, or its successor once it has ended (valid_to before that day).
    One merger at most (Bắc Kạn into Thái Nguyên), so one step is enough.
#}
{% macro province_holding_duties(province_id, successor_province_id, valid_to, on_date) -%}
    case when {{ valid_to }} < {{ on_date }} then {{ successor_province_id }} else {{ province_id }} end
{%- endmacro %}

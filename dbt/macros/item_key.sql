{#
    A plan item's code (task key, indicator code) as submissions match it:
    trimmed, case-insensitive, without a trailing dot ('I.1.' is 'i.1'), the
    rule ingestion applies in dagster_project.submissions.reference.item_key.
#}
{% macro item_key(column) -%}
    lower(rtrim(trim({{ column }}), '.'))
{%- endmacro %}

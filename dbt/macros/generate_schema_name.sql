{#
    Use the folder's schema as is (staging, intermediate, marts) instead of
    dbt's default <target schema>_<custom schema>, so the warehouse has the
    same schema names whoever builds it. A build of the PostgreSQL warehouse
    sets the var nq57_schema_suffix to write its own copies of those schemas
    (marts__nq57_build, ...) which its publish renames.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ var('nq57_schema_suffix', '') }}
    {%- endif -%}
{%- endmacro %}

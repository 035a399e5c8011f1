{#
    The models are written in DuckDB's SQL. On PostgreSQL (the shared
    warehouse, `nq57 build --target postgres`) the same SQL runs through two
    bridges, so the models keep one text and DuckDB's results do not change:

    1. nq57_postgres_sql rewrites what is only syntax: the trailing comma of
       a select list (house style), `interval 7 hour`, `cast(x as double)`.
       dbt calls it on every model, view and test it sends to PostgreSQL (the
       postgres__ overrides below, which dbt's dispatch prefers to the
       adapter's own).
    2. nq57_postgres_functions creates, in the schema public, the DuckDB
       functions the models call that PostgreSQL lacks (year, month, quarter,
       last_day, strftime, date_diff, regexp_full_match, regexp_extract,
       try_strptime, arg_min, arg_max, any_value), with DuckDB's results on
       the values they get here. It runs at the start of every postgres run
       (on-run-start in dbt_project.yml) and does nothing on DuckDB.
#}

{% macro nq57_postgres_sql(sql) -%}
    {%- set re = modules.re -%}
    {#- A comma closing a select list: before `from` or `)` on a later line, a comment kept. -#}
    {%- set sql = re.sub('(?i),([ \\t]*(?:--[^\\n]*)?)\\n(\\s*)(from\\b|\\))', '\\1\\n\\2\\3', sql) -%}
    {%- set sql = re.sub(
        '(?i)\\binterval\\s+([0-9]+)\\s+(hour|day|month|year|minute|second)s?\\b',
        "interval '\\1 \\2'",
        sql
    ) -%}
    {%- set sql = re.sub('(?i)\\bas\\s+double\\b(?!\\s+precision)', 'as double precision', sql) -%}
    {{- sql -}}
{%- endmacro %}

{% macro postgres__create_table_as(temporary, relation, sql) -%}
    {%- set sql = nq57_postgres_sql(sql) -%}
    {%- set unlogged = config.get('unlogged', default=false) -%}
    {%- set sql_header = config.get('sql_header', none) -%}

    {{ sql_header if sql_header is not none }}

    create {% if temporary -%}
        temporary
    {%- elif unlogged -%}
        unlogged
    {%- endif %} table {{ relation }}
    {% set contract_config = config.get('contract') %}
    {% if contract_config.enforced %}
        {{ get_assert_columns_equivalent(sql) }}
    {% endif -%}
    {% if contract_config.enforced and (not temporary) -%}
        {{ get_table_columns_and_constraints() }} ;
        insert into {{ relation }} (
            {{ adapter.dispatch('get_column_names', 'dbt')() }}
        )
        {%- set sql = get_select_subquery(sql) %}
    {% else %}
        as
    {% endif %}
    (
        {{ sql }}
    );
{%- endmacro %}

{% macro postgres__create_view_as(relation, sql) -%}
    {{ return(default__create_view_as(relation, nq57_postgres_sql(sql))) }}
{%- endmacro %}

{% macro postgres__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
    {{ return(default__get_test_sql(nq57_postgres_sql(main_sql), fail_calc, warn_if, error_if, limit)) }}
{%- endmacro %}

{% macro nq57_postgres_functions() -%}
    {{ return(adapter.dispatch('nq57_postgres_functions')()) }}
{%- endmacro %}

{% macro default__nq57_postgres_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__nq57_postgres_functions() -%}
    create or replace function public.year(value timestamp) returns integer
        language sql immutable as $$ select extract(year from value)::integer $$;
    create or replace function public.month(value timestamp) returns integer
        language sql immutable as $$ select extract(month from value)::integer $$;
    create or replace function public.quarter(value timestamp) returns integer
        language sql immutable as $$ select extract(quarter from value)::integer $$;
    create or replace function public.last_day(value timestamp) returns date
        language sql immutable as
        $$ select (date_trunc('month', value) + interval '1 month' - interval '1 day')::date $$;
    create or replace function public.strftime(value timestamp, format text) returns text
        language sql immutable as
        $$ select to_char(value, replace(replace(replace(format, '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD')) $$;
    create or replace function public.date_diff(part text, low timestamp, high timestamp) returns bigint
        language sql immutable as $$
            select case lower(part)
                when 'day' then (high::date - low::date)::bigint
                when 'month' then ((extract(year from high) - extract(year from low)) * 12
                    + extract(month from high) - extract(month from low))::bigint
                when 'year' then (extract(year from high) - extract(year from low))::bigint
            end
        $$;
    create or replace function public.regexp_full_match(value text, pattern text) returns boolean
        language sql immutable as $$ select value ~ ('^(?:' || pattern || ')$') $$;
    create or replace function public.regexp_extract(value text, pattern text, grp integer default 0)
        returns text language sql immutable as $$
            select case when value is null then null
                when grp = 0 then coalesce((regexp_match(value, '(' || pattern || ')'))[1], '')
                else coalesce((regexp_match(value, pattern))[grp], '')
            end
        $$;
    {#- strptime with %d %m %Y, null for text that does not fit or an impossible date. -#}
    create or replace function public.try_strptime(value text, format text) returns timestamp
        language plpgsql immutable as $$
        declare
            pattern text := '^' || replace(replace(replace(
                regexp_replace(format, '([.^$*+?()\[\]{}|\\])', '\\\1', 'g'),
                '%d', '([0-9]{1,2})'), '%m', '([0-9]{1,2})'), '%Y', '([0-9]{4})') || '$';
            parts text[];
            positions text[] := array(
                select m[1] from regexp_matches(format, '%([dmY])', 'g') as m
            );
            d integer; mo integer; y integer;
        begin
            if value is null then return null; end if;
            parts := regexp_match(value, pattern);
            if parts is null then return null; end if;
            for i in 1 .. array_length(positions, 1) loop
                if positions[i] = 'd' then d := parts[i]::integer;
                elsif positions[i] = 'm' then mo := parts[i]::integer;
                else y := parts[i]::integer; end if;
            end loop;
            return make_date(y, mo, d)::timestamp;
        exception when others then
            return null;
        end
        $$;
    create or replace function public.nq57_arg_min_step(state text[], value text, key numeric)
        returns text[] language sql immutable as $$
            select case when key is null then state
                when state is null or key < state[2]::numeric then array[value, key::text]
                else state end
        $$;
    create or replace function public.nq57_arg_max_step(state text[], value text, key numeric)
        returns text[] language sql immutable as $$
            select case when key is null then state
                when state is null or key > state[2]::numeric then array[value, key::text]
                else state end
        $$;
    create or replace function public.nq57_arg_final(state text[]) returns text
        language sql immutable as $$ select state[1] $$;
    create or replace aggregate public.arg_min(text, numeric) (
        sfunc = public.nq57_arg_min_step, stype = text[], finalfunc = public.nq57_arg_final
    );
    create or replace aggregate public.arg_max(text, numeric) (
        sfunc = public.nq57_arg_max_step, stype = text[], finalfunc = public.nq57_arg_final
    );
    create or replace function public.nq57_any_value_step(state anyelement, value anyelement)
        returns anyelement language sql immutable as $$ select coalesce(state, value) $$;
    create or replace aggregate public.any_value(anyelement) (
        sfunc = public.nq57_any_value_step, stype = anyelement
    );
{%- endmacro %}

{% macro postgres__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {{ return(default__get_unit_test_sql(nq57_postgres_sql(main_sql), expected_fixture_sql, expected_column_names)) }}
{%- endmacro %}

{% macro postgres__get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
    {{ return(default__get_empty_subquery_sql(nq57_postgres_sql(select_sql), select_sql_header)) }}
{%- endmacro %}

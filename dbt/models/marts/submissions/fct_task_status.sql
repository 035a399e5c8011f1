{{
    config(
        materialized='incremental',
        unique_key=['file_sha256', 'source_row'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

rows as (

    select *
    from {{ ref('int_submission_rows_versioned') }}
    where sheet = 'task_progress'

),

{% if is_incremental() %}

    loaded as (

        select coalesce(max(ingest_seq), 0) as max_ingest_seq from {{ this }}

    ),

    current_deadlines as (

        select * from {{ ref('stg_parsed__task_deadlines') }}

    ),

    touched_reports as (

    -- A new file of a report changes is_latest on the report's earlier rows, so
    -- those are rebuilt with it; every other report's rows stay as they are.
        select distinct
            rows.province_id,
            rows.reporting_agency_id,
            rows.period
        from rows
        cross join loaded
        where rows.ingest_seq > loaded.max_ingest_seq

        union

        -- A deadline read differently since the rows were built (a corrected seed,
        -- a parser fix) changes their derived status: their reports are rebuilt too.
        select
            built.province_id,
            built.reporting_agency_id,
            built.period
        from {{ this }} as built
        left join current_deadlines
            on built.plan_id = current_deadlines.plan_id
            and built.task_key = current_deadlines.task_key
        where
            built.due_date is distinct from current_deadlines.due_date
            or built.deadline_parse_status is distinct from current_deadlines.parse_status

    ),

    batch as (

        select rows.*
        from rows
        inner join touched_reports
            on rows.province_id = touched_reports.province_id
            and rows.reporting_agency_id = touched_reports.reporting_agency_id
            and rows.period = touched_reports.period

    ),

{% else %}

batch as (

    select * from rows

),

{% endif %}

deadlines as (select * from {{ ref('stg_parsed__task_deadlines') }}),

with_deadlines as (

    select
        batch.*,
        deadlines.task_key as plan_task_key,
        deadlines.due_date,
        deadlines.parse_status as deadline_parse_status,
    from batch
    -- The key as ingestion matched it (macros/item_key.sql).
    left join deadlines
        on batch.parsed_plan_id = deadlines.plan_id
        and {{ item_key('batch.task_key') }} = {{ item_key('deadlines.task_key') }}

),

final as (

    select
        parsed_plan_id as plan_id,
        coalesce(plan_task_key, trim(task_key)) as task_key,
        province_id,
        reporting_agency_id,
        period,
        period_start,
        period_end,
        parsed_status as reported_status,
        status as reported_status_text,
        cast(parsed_percent_complete as decimal(38, 10)) as percent_complete,
        nullif(output_document, '') as output_document,
        parsed_completion_date as completion_date,
        nullif(difficulties, '') as difficulties,
        due_date,
        deadline_parse_status,
        case
            when due_date is null then 'deadline_unknown'
            when parsed_status = 'hoan_thanh' and parsed_completion_date <= due_date
                then 'completed_on_time'
            when parsed_status = 'hoan_thanh' then 'completed_late'
            when received_date <= due_date then 'not_done_within_deadline'
            else 'not_done_overdue'
        end as derived_status,
        received_at,
        received_date,
        file_sha256,
        file_name as source_file,
        row_number as source_row,
        ingest_seq,
        is_latest,
    from with_deadlines

)

select * from final

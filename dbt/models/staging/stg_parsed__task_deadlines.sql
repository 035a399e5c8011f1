with

source as (select * from {{ source('parsed', 'task_deadlines') }}),

final as (

    select
        plan_id,
        task_key,
        deadline_text,
        cleaned_text,
        due_date,
        start_date,
        recurrence,
        recurrence_due_month,
        recurrence_due_day,
        parse_status,
        parse_note,
        plan_horizon_start,
        plan_horizon_end,
        source_file,
        source_line,
    from source

)

select * from final

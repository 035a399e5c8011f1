with

source as (select * from {{ source('submissions', 'submission_rows') }}),

final as (

    select
        file_sha256,
        sheet,
        row_number,
        plan_id,
        task_key,
        status,
        percent_complete,
        output_document,
        completion_date,
        difficulties,
        indicator_code,
        value_text,
        as_of_date,
        note,
        budget_line_id,
        project_name,
        allocated_million_vnd,
        disbursed_million_vnd,
        extra_columns,
        parsed_plan_id,
        parsed_status,
        parsed_percent_complete,
        parsed_completion_date,
        parsed_value,
        parsed_value_flag,
        parsed_as_of_date,
        parsed_allocated_million_vnd,
        parsed_disbursed_million_vnd,
        parse_notes,
    from source

)

select * from final

with

source as (select * from {{ source('seeds', 'tasks') }}),

final as (

    select
        plan_id,
        task_key,
        task_code,
        code_text,
        group_code,
        group_name,
        task_name,
        lead_agency_text,
        coordinating_agency_text,
        expected_output_text,
        deadline_text,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

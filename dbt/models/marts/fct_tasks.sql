with

tasks as (

    select * from {{ ref('stg_seeds__tasks') }}

),

final as (

    select
        plan_id,
        task_key,
        task_code,
        group_code,
        group_name,
        task_name,
        lead_agency_text,
        coordinating_agency_text,
        expected_output_text,
        deadline_text,
        source_file,
        source_line,
        flags,
    from tasks

)

select * from final

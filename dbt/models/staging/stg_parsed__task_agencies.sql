with

source as (select * from {{ source('parsed', 'task_agencies') }}),

final as (

    select
        plan_id,
        task_key,
        role,
        position,
        agency_id,
        group_id,
        alias_text,
        fragment,
        source_file,
        source_line,
    from source

)

select * from final

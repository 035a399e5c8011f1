with

source as (select * from {{ source('seeds', 'body_targets') }}),

final as (

    select
        plan_id,
        target_id,
        subject_text,
        target_text,
        target_year_text,
        context_text,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

with

body_targets as (

    select * from {{ ref('stg_seeds__body_targets') }}

),

final as (

    select
        plan_id,
        target_id,
        subject_text,
        target_text,
        target_year_text,
        context_text,
        source_file,
        source_line,
        flags,
    from body_targets

)

select * from final

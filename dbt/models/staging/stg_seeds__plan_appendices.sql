with

source as (select * from {{ source('seeds', 'plan_appendices') }}),

final as (

    select
        plan_id,
        appendix_label,
        appendix_kind,
        status,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

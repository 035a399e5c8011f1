with

appendices as (

    select * from {{ ref('stg_seeds__plan_appendices') }}

),

final as (

    select
        plan_id,
        appendix_label,
        appendix_kind,
        status,
        source_file,
        source_line,
        flags,
    from appendices

)

select * from final

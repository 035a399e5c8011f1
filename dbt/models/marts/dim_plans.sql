with

plans as (select * from {{ ref('int_plans_dated') }}),

appendix_flags as (select * from {{ ref('int_plan_appendices_pivoted') }}),

final as (

    select
        plans.plan_id,
        plans.province_name,
        plans.document_number,
        plans.issue_date,
        plans.issue_date_text,
        plans.signer_name,
        plans.legal_basis,
        plans.plan_kind,
        plans.title,
        appendix_flags.has_indicator_appendix,
        appendix_flags.has_task_appendix,
        plans.source_file,
        plans.source_line,
        plans.flags,
    from plans
    left join appendix_flags
        on plans.plan_id = appendix_flags.plan_id

)

select * from final

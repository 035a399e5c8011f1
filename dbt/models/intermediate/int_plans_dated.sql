with

plans as (

    select * from {{ ref('stg_seeds__plans') }}

),

final as (

    select
        plan_id,
        province_name,
        document_number,
        {{ parse_vietnamese_date('issue_date_text') }} as issue_date,
        issue_date_text,
        signer_name,
        legal_basis,
        plan_kind,
        title,
        flags,
        source_file,
        source_line,
    from plans

)

select * from final

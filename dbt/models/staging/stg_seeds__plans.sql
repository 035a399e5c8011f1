with

source as (select * from {{ source('seeds', 'plans') }}),

final as (

    select
        plan_id,
        province_name,
        document_number,
        issue_date_text,
        -- Parsed from issue_date_text by extraction (dagster_project.extract.parsed).
        cast(nullif(issue_date, '') as date) as issue_date,
        signer_name,
        legal_basis,
        plan_kind,
        title,
        flags,
        source_file,
        source_line,
    from source

)

select * from final

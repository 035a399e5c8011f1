with

plans as (select * from {{ ref('stg_seeds__plans') }}),

final as (

    select
        *,
        {{ parse_vietnamese_date('issue_date_text') }} as issue_date,
    from plans

)

select * from final

with

plans as (select * from {{ ref('stg_seeds__plans') }}),

final as (

    -- The staged plans with their issue date, which extraction parsed from
    -- issue_date_text; the one way the marts read plans.
    select * from plans

)

select * from final

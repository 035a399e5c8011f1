with

source as (select * from {{ source('reference', 'ref_reporting_calendar') }}),

final as (

    select
        plan_id,
        period_kind,
        nullif(period_part, '') as period_part,
        cast(nullif(due_month, '') as integer) as due_month,
        cast(due_day as integer) as due_day,
        source_file,
        cast(source_line as integer) as source_line,
        source_text,
    from source

)

select * from final

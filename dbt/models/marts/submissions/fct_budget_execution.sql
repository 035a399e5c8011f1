with

rows as (

    select *
    from {{ ref('int_submission_rows_versioned') }}
    where sheet = 'budget_execution' and is_latest

),

budget_lines as (select * from {{ ref('fct_budget_lines') }}),

total_investment as (

    select
        budget_line_id,
        amount_million_vnd as total_investment_million_vnd
    from budget_lines
    where stage = 'total_investment'

),

keyed as (

    select
        *,
        coalesce(nullif(trim(budget_line_id), ''), trim(project_name)) as budget_key,
        -- Two reports of an agency may give the same line on the same day (a
        -- monthly and a quarterly report): the one received last is kept.
        row_number() over (
            partition by
                reporting_agency_id,
                coalesce(nullif(trim(budget_line_id), ''), trim(project_name)),
                parsed_as_of_date
            order by ingest_seq desc
        ) as recency,
    from rows

),

final as (

    select
        keyed.province_id,
        keyed.reporting_agency_id,
        keyed.parsed_plan_id as plan_id,
        keyed.budget_key,
        nullif(trim(keyed.budget_line_id), '') as budget_line_id,
        nullif(trim(keyed.project_name), '') as project_name,
        keyed.parsed_as_of_date as as_of_date,
        cast(keyed.parsed_allocated_million_vnd as decimal(38, 10)) as allocated_million_vnd,
        cast(keyed.parsed_disbursed_million_vnd as decimal(38, 10)) as disbursed_million_vnd,
        cast(
            case
                when keyed.parsed_allocated_million_vnd > 0
                    then keyed.parsed_disbursed_million_vnd / keyed.parsed_allocated_million_vnd
            end as decimal(18, 6)
        ) as disbursement_rate,
        cast(total_investment.total_investment_million_vnd as decimal(38, 10))
            as total_investment_million_vnd,
        keyed.parsed_disbursed_million_vnd <= keyed.parsed_allocated_million_vnd
            as is_disbursed_within_allocated,
        case
            when total_investment.total_investment_million_vnd is not null
                then
                    keyed.parsed_allocated_million_vnd
                    <= total_investment.total_investment_million_vnd
        end as is_allocated_within_total_investment,
        keyed.period,
        keyed.received_at,
        keyed.file_sha256,
        keyed.file_name as source_file,
        keyed.row_number as source_row,
        nullif(keyed.note, '') as note,
    from keyed
    left join total_investment
        on keyed.budget_line_id = total_investment.budget_line_id
    where keyed.recency = 1

)

select * from final

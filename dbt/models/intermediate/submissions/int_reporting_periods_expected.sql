{#
    The reports each plan's calendar asks for, up to the latest day a
    submission was received: one row per plan, reporting agency and period.

    The calendar is the reference seed seeds/reference/reporting_calendar.csv
    (the "Tổ chức thực hiện" sentences of each plan, with source lines),
    through stg_reference__reporting_calendar. A SYNTHETIC plan (plan_id
    'synthetic-...') reports under the calendar of the plan it was cloned
    from, named in its flags. Expected agencies are the plan's lead agencies
    named in its task appendix, as the registry holds them on as_of_date.
#}

with

calendar as (

    select
        plan_id,
        period_kind,
        period_part,
        due_month,
        due_day,
    from {{ ref('stg_reference__reporting_calendar') }}

),

plans as (

    select
        plans.plan_id,
        plans.issue_date,
        coalesce(
            regexp_extract(plans.flags, 'synthetic: cloned from ([a-z0-9-]+)', 1),
            ''
        ) as template_plan_id,
        provinces.province_id,
        provinces.valid_to as province_valid_to,
        provinces.successor_province_id,
    from {{ ref('int_plans_dated') }} as plans
    inner join {{ ref('stg_reference__provinces') }} as provinces
        on plans.province_name = provinces.province_name
    where plans.plan_kind = 'implementation_plan' and plans.issue_date is not null

),

calendar_plans as (

    -- A province reports under the calendar of its earliest implementation
    -- plan (dagster_project.simulate.calendar), whichever plan a task is in.
    select
        plans.*,
        first_value(coalesce(nullif(plans.template_plan_id, ''), plans.plan_id)) over (
            partition by plans.province_id
            order by plans.issue_date, plans.plan_id
        ) as calendar_plan_id,
    from plans

),

lead_agencies as (

    select distinct
        assignments.plan_id,
        succeeded.current_agency_id as agency_id,
    from {{ ref('stg_parsed__task_agencies') }} as assignments
    inner join {{ ref('int_agencies_succeeded') }} as succeeded
        on assignments.agency_id = succeeded.agency_id
    where assignments.role = 'lead' and succeeded.current_agency_id is not null

),

horizon as (

    select max(cast(received_at + interval 7 hour as date)) as last_received_date
    from {{ ref('stg_submissions__files') }}

),

months as (

    select
        plans.*,
        cast(series.month_start as date) as month_start,
        last_day(cast(series.month_start as date)) as month_end,
    from calendar_plans as plans
    cross join horizon
    cross join
        generate_series(
            date_trunc('month', plans.issue_date),
            date_trunc('month', coalesce(horizon.last_received_date, plans.issue_date)),
            interval 1 month
        ) as series (month_start)
    where horizon.last_received_date is not null

),

periods as (

    select
        months.plan_id,
        months.province_id,
        months.province_valid_to,
        months.successor_province_id,
        months.issue_date,
        calendar.period_kind,
        case calendar.period_kind
            when 'month' then strftime(months.month_start, '%Y-%m')
            when 'quarter'
                then
                    cast(year(months.month_end) as varchar) || '-Q'
                    || cast(quarter(months.month_end) as varchar)
            when 'half_year'
                then
                    cast(year(months.month_end) as varchar) || '-H'
                    || case when month(months.month_end) = 6 then '1' else '2' end
            else cast(year(months.month_end) as varchar)
        end as period,
        months.month_end as period_end,
        make_date(
            year(months.month_end),
            coalesce(calendar.due_month, month(months.month_end)),
            calendar.due_day
        ) as due_before,
    from months
    inner join calendar
        on months.calendar_plan_id = calendar.plan_id
    -- A period ends in the month its row stands for: every month, the last
    -- month of a quarter, June (H1) or December (H2, year).
    where
        calendar.period_kind = 'month'
        or (calendar.period_kind = 'quarter' and month(months.month_end) in (3, 6, 9, 12))
        or (
            calendar.period_kind = 'half_year'
            and month(months.month_end) = case calendar.period_part when 'H2' then 12 else 6 end
        )
        or (calendar.period_kind = 'year' and month(months.month_end) = 12)

),

final as (

    select distinct
        -- A plan of a province that has since merged reports through its successor.
        {{ province_holding_duties(
            'periods.province_id',
            'periods.successor_province_id',
            'periods.province_valid_to',
            'periods.period_end',
        ) }} as province_id,
        lead_agencies.agency_id,
        periods.period,
        periods.period_kind,
        periods.due_before,
    from periods
    inner join lead_agencies
        on periods.plan_id = lead_agencies.plan_id
    cross join horizon
    where
        periods.due_before <= horizon.last_received_date
        and periods.period_end >= periods.issue_date

)

select * from final

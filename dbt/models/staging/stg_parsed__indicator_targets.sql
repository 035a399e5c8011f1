with

source as (select * from {{ source('parsed', 'indicator_targets') }}),

final as (

    select
        plan_id,
        indicator_code,
        target_year,
        column_label,
        target_text,
        comparator,
        target_low,
        target_high,
        unit,
        target_kind,
        baseline_year,
        is_qualitative,
        parse_status,
        parse_note,
        is_merged_cell,
        direction,
        source_file,
        source_line,
    from source

)

select * from final

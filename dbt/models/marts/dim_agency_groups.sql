with

group_aliases as (select * from {{ ref('stg_reference__agency_groups') }}),

final as (

    select
        group_id,
        -- agency_groups.csv repeats the kind on every spelling; the reference
        -- loader refuses a group with two kinds, so any() is exact.
        any_value(group_kind) as group_kind,
        string_agg(distinct group_name_alias, ' / ' order by group_name_alias) as group_name_aliases,
        count(*) as alias_count,
    from group_aliases
    group by group_id

)

select * from final

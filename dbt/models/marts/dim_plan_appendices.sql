-- The appendices as staged: the enforced contract (_marts__models.yml) fixes the published
-- columns and their order, so a pass-through mart repeats no column list.
select * from {{ ref('stg_seeds__plan_appendices') }}

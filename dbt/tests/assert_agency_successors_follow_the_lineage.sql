-- A returned row is an agency whose successor in dim_agencies disagrees with
-- agency_lineage.csv, or whose successor takes over on another day than the
-- one after valid_to: current owners would then be resolved on a wrong chain.
select
    agency_id,
    valid_to,
    successor_agency_id,
    successor_effective_date,
from {{ ref('dim_agencies') }}
where
    (successor_agency_id is null) <> (successor_effective_date is null)
    or (valid_to is null) <> (successor_agency_id is null and successor_effective_date is null)
    or successor_effective_date <> valid_to + interval 1 day

"""Plan semantics in the warehouse: targets, deadlines and agencies made comparable.

The functions in :mod:`dagster_project.semantics` read one cell at a time;
this package applies them to whole seed tables and writes the results to the
``parsed`` schema, next to the text they were read from:

- :mod:`.reference`: the hand-maintained tables of ``seeds/reference`` loaded
  into ``raw.ref_<name>`` (agencies, aliases, lineage, national indicators).
- :mod:`.indicator_targets`: every target cell parsed, merged cells marked,
  and one direction (higher or lower is better) per indicator.
- :mod:`.task_deadlines`: every deadline cell parsed, with the plan horizon.
- :mod:`.task_agencies`: lead, coordinating and monitoring cells resolved to
  agencies or groups; names that match nothing go to a quarantine table.
- :mod:`.assets` and :mod:`.checks`: the Dagster wiring.
"""

"""SYNTHETIC agency submissions for load tests and demos, and the real Lạng Sơn figures.

``nq57 simulate`` writes format v1 files (the real .xlsx template filled in,
or CSV in the encodings Vietnamese offices use) for every agency that holds
tasks, indicators or budget lines in the seeded plans, over a range of
reporting periods, with late, resubmitted, missing and broken reports in
chosen shares. It is deterministic: the same ``--seed`` writes byte-identical
files. ``--scale national`` covers the 34 provinces of 2025, giving the 30
without a seeded plan SYNTHETIC plans cloned from the real ones.

Every simulated file is marked synthetic (see :mod:`.marking`) and is written
outside ``landing/`` by default, because ``nq57 ingest`` does not refuse
synthetic files yet. ``--ingest-into STORE`` loads them into a store of
their own, each file received at the moment it was "sent" (its mtime).

::

    nq57 simulate --out /tmp/sim --ingest-into /tmp/sim-warehouse/submissions.duckdb
    nq57 simulate --scale national --start 2025-06 --max-files 2000 --out /tmp/national
    nq57 simulate --real-figures            # the real 234/KH-UBND figures, into landing/

- :mod:`.calendar`: which reports each plan asks for and when they are due
  (the reference seed ``seeds/reference/reporting_calendar.csv``, with
  source lines).
- :mod:`.provinces`: the 34 provinces of 2025.
- :mod:`.synthetic`: the SYNTHETIC seeds folder for national scale.
- :mod:`.trajectories`: how tasks, indicators and budget lines evolve.
- :mod:`.files`: rendering a report as .xlsx or CSV bytes.
- :mod:`.defects`: one kind of broken file per quarantine reason.
- :mod:`.generator`: the stream of files and the manifest.
- :mod:`.ingest`: ingestion at the simulated sending time.
- :mod:`.marking`: the synthetic marker and how to detect it.
- :mod:`.real_figures`: Lạng Sơn 234/KH-UBND as a report of Sở KH&CN.
- :mod:`.cli`: ``nq57 simulate``.
"""

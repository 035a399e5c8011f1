"""Snapshot of the asset graph, so renamed assets, groups, lineage or jobs show in review.

After an intended change, regenerate the snapshot and commit it:

    NQ57_UPDATE_SNAPSHOTS=1 pytest tests/test_asset_graph.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dagster_project.warehouse.dbt_project import prepare_manifest

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


@pytest.fixture(scope="module")
def defs():
    # The dbt assets are read from the manifest when the definitions are imported.
    prepare_manifest()
    from dagster_project.definitions import defs

    return defs


def describe_graph(defs) -> str:
    """One line per asset (key, group, upstream keys) and per job and schedule, sorted."""
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        upstream = ", ".join(sorted(parent.to_user_string() for parent in node.parent_keys))
        lines.append(
            f"asset {key.to_user_string()} [group {node.group_name}] <- {upstream or '(none)'}"
        )
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if not job.name.startswith("__"):
            lines.append(f"job {job.name}")
    for schedule in sorted(defs.schedules or [], key=lambda s: s.name):
        lines.append(f"schedule {schedule.name}")
    return "\n".join(lines) + "\n"


def test_asset_graph_matches_the_committed_snapshot(defs):
    current = describe_graph(defs)
    if os.environ.get("NQ57_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        "the asset graph changed; if intended, rerun with NQ57_UPDATE_SNAPSHOTS=1 and commit "
        f"{SNAPSHOT.relative_to(SNAPSHOT.parents[2])}"
    )


def test_dbt_sources_are_the_raw_assets_the_loaders_materialize(defs):
    graph = defs.resolve_asset_graph()
    staging_plans = next(
        key for key in graph.get_all_asset_keys() if key.path == ["staging", "stg_seeds__plans"]
    )
    (upstream,) = graph.get(staging_plans).parent_keys

    assert upstream.path == ["raw", "plans"]
    # Materializable, not an external placeholder: lineage runs into the loader.
    assert graph.get(upstream).is_materializable


def test_build_job_runs_in_process(defs):
    job = defs.resolve_job_def("build_warehouse")

    assert job.executor_def.name == "in_process"


def test_the_build_after_ingest_sensor_runs_the_one_build_job(defs):
    from dagster_project.warehouse.jobs import BUILD_WAREHOUSE_JOB

    sensor = defs.get_sensor_def("build_after_ingest_sensor")
    assert [job.name for job in sensor.jobs] == [BUILD_WAREHOUSE_JOB]

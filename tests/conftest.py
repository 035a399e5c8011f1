"""Fixtures shared by the write-audit-publish tests (tests/test_wap_*.py), and how
the suite splits across pytest-xdist workers (``make test`` runs ``-n auto``).

``dagster_build`` is the one warehouse those tests start from: a run of the
``build_warehouse`` job as ``dagster dev`` launches it (private build file,
blocking asset checks, quality gate, atomic publish), made once per session.
Tests that need a "previous publication" copy its file; none writes to it.

Under pytest-xdist (``make test``: ``--dist loadfile``) each test file runs
whole on one worker, so its module fixtures are built once; a session fixture
is built once per worker that needs it (``dagster_build`` at most twice on 2
cores, the two builds in parallel). Each worker gets a Dagster home of its own.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_dagster_home(tmp_path_factory):
    """A Dagster home per worker when one is set (``make test`` sets the repo's).

    Test runs stay out of the developer's run history, and two workers never
    write the same instance database. Tests that unset it still do.
    """
    if not os.environ.get("DAGSTER_HOME"):
        yield None
        return
    home = tmp_path_factory.mktemp("dagster-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        yield home


@dataclass(frozen=True)
class DagsterBuild:
    published: Path
    report_dir: Path
    result: object  # dagster ExecuteInProcessResult


def run_build_warehouse_job(published: Path, report_dir: Path, seeds: Path, instance):
    """Execute the ``build_warehouse`` job with the resources ``dagster dev`` uses, retargeted."""
    from dagster_project.definitions import defs
    from dagster_project.warehouse.publication import QualityReports
    from dagster_project.warehouse.resources import DuckDBWarehouse, SourceFiles

    return defs.resolve_job_def("build_warehouse").execute_in_process(
        instance=instance,
        resources={
            # No path: the run builds privately and publishes onto published_path.
            "warehouse": DuckDBWarehouse(published_path=str(published)),
            "source_files": SourceFiles(seeds_dir=str(seeds)),
            "quality_reports": QualityReports(report_dir=str(report_dir)),
        },
        raise_on_error=False,
    )


@pytest.fixture(scope="session")
def dagster_build(tmp_path_factory) -> DagsterBuild:
    from dagster import DagsterInstance
    from test_pipeline_build import SEEDS

    from dagster_project.warehouse.dbt_project import prepare_manifest

    # The dbt assets are read from the manifest when the definitions are imported.
    prepare_manifest()
    root = tmp_path_factory.mktemp("dagster-build")
    published = root / "warehouse" / "nq57.duckdb"
    report_dir = root / "reports"
    with pytest.MonkeyPatch.context() as patch, DagsterInstance.ephemeral() as instance:
        patch.delenv("DAGSTER_HOME", raising=False)
        result = run_build_warehouse_job(published, report_dir, SEEDS, instance)
    return DagsterBuild(published=published, report_dir=report_dir, result=result)


@pytest.fixture
def previous_publication(dagster_build, tmp_path) -> Path:
    """A private copy of the session's published warehouse, in a warehouse directory of its own."""
    assert dagster_build.result.success, "the session's build_warehouse run failed"
    published = tmp_path / "warehouse" / dagster_build.published.name
    published.parent.mkdir()
    shutil.copyfile(dagster_build.published, published)
    return published

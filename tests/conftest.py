"""Fixtures shared by the write-audit-publish tests (tests/test_wap_*.py), and how
the suite splits across pytest-xdist workers (``make test`` runs ``-n auto``).

``session_build`` is the run's one full build of the seeds: ``nq57 build``'s
in-process runner (``run_build``), which runs the ``build_warehouse`` job as
``dagster dev`` launches it (private build file, blocking asset checks,
quality gate, atomic publish). Two views of it: ``built``
(test_pipeline_build.py: what ``run_build`` returned and printed) and
``dagster_build`` here (its Dagster run, events and all). Tests that need a
"previous publication" copy its file; none writes to it.

Under pytest-xdist (``make test``: ``--dist loadfile``) each test file runs
whole on one worker, so its module fixtures are built once. The session build
is made once per run, not once per worker: the first worker to need it builds
it in the run's shared temporary directory under a file lock (pytest-xdist's
documented pattern), the others wait for it and read the result it recorded.
Each worker gets a Dagster home of its own.

A file's tests run on one worker, so the run lasts at least as long as its
slowest file; ``make test`` hands the files out in collection order
(``--no-loadscope-reorder``) and collection puts ``SLOWEST_FILES`` first, so no
long file starts last while the other worker sits idle.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from filelock import FileLock

T = TypeVar("T")

# Measured with --durations (slowest first): real builds, killed builds, Postgres.
# test_simulate_warehouse.py makes the warehouse its _rebuilds file starts from,
# which comes late enough that the other worker need not wait for it.
SLOWEST_FILES = (
    "test_postgres_warehouse.py",
    "test_postgres_faults.py",
    "test_postgres_dagster.py",
    "test_simulate_warehouse.py",
    "test_wap_kill.py",
    "test_pipeline_build.py",
    "test_wap_dagster.py",
    "test_submissions_crash.py",
    "test_reports.py",
    "test_onboarding_build.py",
    "test_simulate_warehouse_rebuilds.py",
    "test_build_incremental.py",
    "test_build_orphans.py",
)


def pytest_collection_modifyitems(items):
    """Slowest files first; the others, and the tests inside each file, keep their order."""
    rank = {name: position for position, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOWEST_FILES)))


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


@pytest.fixture(scope="session")
def run_shared_dir(tmp_path_factory, worker_id) -> Path:
    """A directory every worker of this run sees: the parent of the workers' temp dirs.

    Without xdist (``worker_id`` "master") the session's own temp dir: the
    parent there is shared by every pytest run of the user.
    """
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != "master" else base


def made_once(shared: Path, name: str, make: Callable[[Path], T]) -> T:
    """``make(root)`` once per run in ``shared/name``; every caller gets what it returned.

    The first worker makes it under a file lock while the others wait; what
    ``make`` returns is pickled beside its files for them. A worker whose
    ``make`` raised leaves nothing recorded, so the next one tries again (and
    reports its own error).
    """
    root = shared / name
    recorded = shared / f"{name}.pickle"
    with FileLock(str(shared / f"{name}.lock")):
        if not recorded.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            value = make(root)
            partial = recorded.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(value))
            partial.rename(recorded)
    return pickle.loads(recorded.read_bytes())


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


@dataclass(frozen=True)
class RecordedRun:
    """A finished ``build_warehouse`` run as Dagster serializes it: its run and its events."""

    dagster_run: str
    events: str

    def result(self):
        """The run's ``ExecuteInProcessResult``, rebuilt from its recorded events."""
        from dagster import ExecuteInProcessResult, deserialize_value

        from dagster_project.definitions import defs

        return ExecuteInProcessResult(
            event_list=deserialize_value(self.events),
            dagster_run=deserialize_value(self.dagster_run),
            output_capture=None,
            job_def=defs.resolve_job_def("build_warehouse"),
        )


@dataclass(frozen=True)
class SessionBuild:
    """The run's one full build: what ``run_build`` returned and printed, and its Dagster run."""

    published: Path
    report: object  # dagster_project.commands.build.BuildReport
    stdout: str
    run: RecordedRun


def make_session_build(root: Path) -> SessionBuild:
    from dagster import JobDefinition, serialize_value
    from test_pipeline_build import SEEDS

    from dagster_project.commands.build import run_build

    published = root / "warehouse" / "nq57.duckdb"
    out = io.StringIO()
    runs = []
    execute = JobDefinition.execute_in_process

    def recording(job, *args, **kwargs):
        result = execute(job, *args, **kwargs)
        runs.append(result)
        return result

    with pytest.MonkeyPatch.context() as patch:
        # Test runs stay out of a developer's Dagster run history.
        patch.delenv("DAGSTER_HOME", raising=False)
        # run_build returns what it published; the Dagster tests read the run's events too.
        patch.setattr(JobDefinition, "execute_in_process", recording)
        report = run_build(
            published=published,
            seeds_dir=SEEDS,
            out=out,
            # The gate's reports stay out of the repository's reports/quality/.
            report_dir=published.parent / "reports",
        )
    (result,) = runs
    run = RecordedRun(serialize_value(result.dagster_run), serialize_value(list(result.all_events)))
    return SessionBuild(published, report, out.getvalue(), run)


@pytest.fixture(scope="session")
def session_build(run_shared_dir) -> SessionBuild:
    return made_once(run_shared_dir, "session-build", make_session_build)


@pytest.fixture(scope="session")
def dagster_build(session_build) -> DagsterBuild:
    # The build parsed the dbt project: the manifest the definitions read is there.
    return DagsterBuild(
        published=session_build.published,
        report_dir=session_build.published.parent / "reports",
        result=session_build.run.result(),
    )


@pytest.fixture
def previous_publication(dagster_build, tmp_path) -> Path:
    """A private copy of the session's published warehouse, in a warehouse directory of its own."""
    assert dagster_build.result.success, "the session's build_warehouse run failed"
    published = tmp_path / "warehouse" / dagster_build.published.name
    published.parent.mkdir()
    shutil.copyfile(dagster_build.published, published)
    return published

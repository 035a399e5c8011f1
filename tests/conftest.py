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

import gc
import hashlib
import io
import os
import pickle
import shutil
from collections.abc import Callable
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from filelock import FileLock

T = TypeVar("T")

# Longest first (make test --durations, 2 workers): real builds, killed builds, Postgres. The files that
# make a shared build come first, one per worker: test_wap_kill.py makes the session build
# before its own builds, test_simulate_warehouse.py the simulated warehouse that
# test_simulate_warehouse_rebuilds.py and test_reports.py read, which come late enough
# that neither worker waits for the other.
SLOWEST_FILES = (
    "test_wap_kill.py",
    "test_simulate_warehouse.py",
    "test_postgres_warehouse.py",
    "test_onboarding_build.py",
    "test_simulate_warehouse_rebuilds.py",
    "test_postgres_faults.py",
    "test_simulate_runs.py",
    "test_reports.py",
    "test_build_incremental.py",
    "test_plans_warehouse.py",
    "test_submissions_crash.py",
    "test_simulate_memory.py",
    "test_quality_runner.py",
    "test_pipeline_build.py",
    "test_simulate_national.py",
    "test_build_orphans.py",
    "test_wap_dagster.py",
    "test_postgres_dagster.py",
)


def pytest_collection_finish(session):
    """Freeze what collection imported (dagster, dbt, Great Expectations, pandas).

    Those modules' objects live as long as the worker; without this every full
    collection of the cyclic garbage collector walks them again (``nq57 build``
    freezes its own imports the same way: ``warehouse.build.heavy_imports``).
    """
    gc.collect()
    gc.freeze()


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


@contextmanager
def recorded_job_runs():
    """Every ``JobDefinition.execute_in_process`` result of the block, in a list it yields."""
    from dagster import JobDefinition

    runs = []
    execute = JobDefinition.execute_in_process

    def recording(job, *args, **kwargs):
        result = execute(job, *args, **kwargs)
        runs.append(result)
        return result

    with pytest.MonkeyPatch.context() as patch:
        # Test runs stay out of a developer's Dagster run history.
        patch.delenv("DAGSTER_HOME", raising=False)
        patch.setattr(JobDefinition, "execute_in_process", recording)
        yield runs


def record(result) -> RecordedRun:
    from dagster import serialize_value

    return RecordedRun(
        serialize_value(result.dagster_run), serialize_value(list(result.all_events))
    )


def make_session_build(root: Path) -> SessionBuild:
    from test_pipeline_build import SEEDS

    from dagster_project.commands.build import run_build

    published = root / "warehouse" / "nq57.duckdb"
    out = io.StringIO()
    # run_build returns what it published; the Dagster tests read the run's events too.
    with recorded_job_runs() as runs:
        report = run_build(
            published=published,
            seeds_dir=SEEDS,
            out=out,
            # The gate's reports stay out of the repository's reports/quality/.
            report_dir=published.parent / "reports",
        )
    (result,) = runs
    return SessionBuild(published, report, out.getvalue(), record(result))


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


# Report folders older than the refused build's, two of them: with --keep-reports 2 the
# refused build keeps the newer one and its own.
OLD_REPORT_FOLDERS = ("20250101-000000", "20250102-000000")


@dataclass(frozen=True)
class RefusedBuild:
    """``nq57 build --keep-reports 2`` of seeds with one disbursed amount printed negative,
    over a copy of the session's publication: the quality gate refuses it."""

    published: Path
    digest_before: str
    reports: Path
    exit_code: int
    stdout: str
    stderr: str
    run: RecordedRun


def make_refused_negative_build(root: Path, session_published: Path) -> RefusedBuild:
    import argparse

    from test_wap_dagster import negative_amount_seeds

    from dagster_project.commands import build as build_command

    published = root / "warehouse" / session_published.name
    published.parent.mkdir()
    shutil.copyfile(session_published, published)
    seeds = negative_amount_seeds(root / "seeds")
    reports = root / "reports"
    for stamp in OLD_REPORT_FOLDERS:
        (reports / stamp).mkdir(parents=True)
    parser = argparse.ArgumentParser()
    build_command.add_arguments(parser)
    args = parser.parse_args(
        ["--warehouse", str(published), "--seeds", str(seeds)]
        + ["--report-dir", str(reports), "--keep-reports", "2"]
    )
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    out, err = io.StringIO(), io.StringIO()
    with recorded_job_runs() as runs, redirect_stdout(out), redirect_stderr(err):
        exit_code = build_command.main(args)
    (result,) = runs
    return RefusedBuild(
        published, before, reports, exit_code, out.getvalue(), err.getvalue(), record(result)
    )


@pytest.fixture(scope="session")
def refused_negative_build(run_shared_dir, session_build) -> RefusedBuild:
    """The run's one build refused for a negative amount: test_wap_faults.py reads what
    ``nq57 build`` printed, test_wap_dagster.py its Dagster run (the same run)."""
    assert session_build.run.result().success, "the session's build_warehouse run failed"
    return made_once(
        run_shared_dir,
        "refused-negative-build",
        lambda root: make_refused_negative_build(root, session_build.published),
    )


@pytest.fixture(scope="session")
def simulated_warehouse(run_shared_dir) -> dict:
    """Simulated reports from July 2025, ingested, built, then January 2026 built incrementally
    (test_simulate_warehouse.make_warehouse): its published file, store and first counts."""
    from test_simulate_warehouse import make_warehouse

    return made_once(run_shared_dir, "simulated-warehouse", make_warehouse)

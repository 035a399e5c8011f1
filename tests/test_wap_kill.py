"""Killed builds, concurrent readers and concurrent builds, with real ``nq57 build`` processes.

One scenario, run once for the module because every build costs most of a
minute: starting from a published warehouse, with a reader process opening
it read-only in a loop all along,

1. a full build (``--full-refresh``) is killed (SIGKILL to its process
   group, dbt included) while dbt writes the build file,
2. the next one is killed while the quality gate runs,
3. the next one is killed between keeping the old file in history and the
   rename (the test-only pause point ``NQ57_TEST_PAUSE_AT=swap``); while it
   waits there, holding the build lock, a second ``nq57 build`` is started
   against the same warehouse and must be refused,
4. the next one runs to the end, with no cleanup in between.

Builds 2, 3 and 4 are what ``nq57 build`` does by default after an edit: one
task's deadline changed in a copy of the seeds, an incremental build (the
build file starts as a copy of the published one; the tasks' models and the
gate run again). They pass through the same phases as a full build in a
fraction of its time.

After each kill the published file must be the one published before,
open read-only and pass the quality gate.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from test_build_incremental import change_one_deadline
from test_pipeline_build import SEEDS, file_digest

from dagster_project.commands import rollback
from dagster_project.config import PAUSE_ENV_VAR, REPO_ROOT
from dagster_project.quality import run_quality_gate
from dagster_project.warehouse.publish import WarehouseLayout

POLL_SECONDS = 0.02
PHASE_TIMEOUT = 300
READER_MARTS = ("dim_plans", "fct_budget_lines", "fct_tasks")
# A reader blocked by a build would wait for the whole build (tens of
# seconds); a gap this long between two reads can only mean that.
MAX_READER_GAP_SECONDS = 10

READER = """
import json, os, sys, time
import duckdb

path, ready, stop, out = sys.argv[1:5]
marts = sys.argv[5:]
reads, errors = [], []
while not os.path.exists(stop):
    started = time.time()
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            inode = os.stat(path).st_ino
            rows = [con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in marts]
        finally:
            con.close()
        reads.append([started, inode, min(rows)])
        if len(reads) == 1:
            open(ready, "w").close()
    except (duckdb.Error, OSError) as error:
        errors.append([started, f"{type(error).__name__}: {error}"])
    # Ten reads a second: each opens the file anew, about 10 ms of a core on a 2-core machine.
    time.sleep(0.1)
with open(out, "w") as handle:
    json.dump({"reads": reads, "errors": errors}, handle)
"""


def nq57_command() -> list[str]:
    """The installed ``nq57`` script beside this interpreter, else the same entry point via -m."""
    script = Path(sys.executable).with_name("nq57")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dagster_project.cli"]


class BuildProcess:
    """``nq57 build`` in a process group of its own, its output collected by two threads."""

    def __init__(
        self,
        published: Path,
        report_dir: Path,
        seeds: Path,
        env: dict[str, str] | None = None,
        full_refresh: bool = False,
    ):
        environment = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        environment.update(env or {})
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [
                *nq57_command(),
                "build",
                "--warehouse",
                str(published),
                "--seeds",
                str(seeds),
                "--report-dir",
                str(report_dir),
                *(["--full-refresh"] if full_refresh else []),
            ],
            cwd=REPO_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Its own group, so a kill reaches the dbt process it starts as well.
            start_new_session=True,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._threads = [
            threading.Thread(target=self._collect, args=(self.process.stdout, self.stdout)),
            threading.Thread(target=self._collect, args=(self.process.stderr, self.stderr)),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _collect(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    def out(self) -> str:
        return "".join(self.stdout)

    def err(self) -> str:
        return "".join(self.stderr)

    def wait_for(self, condition: Callable[[], bool], what: str) -> float:
        """Poll until ``condition`` holds; return the seconds since the build started."""
        deadline = time.monotonic() + PHASE_TIMEOUT
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"nq57 build exited ({self.process.returncode}) before {what}:\n"
                    f"{self.out()[-3000:]}\n{self.err()[-3000:]}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"no {what} within {PHASE_TIMEOUT}s")
            time.sleep(POLL_SECONDS)
        return time.monotonic() - self.started

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.finish()

    def finish(self) -> int:
        code = self.process.wait(timeout=PHASE_TIMEOUT)
        for thread in self._threads:
            thread.join()
        return code


@dataclass
class Verdict:
    """The published warehouse as a reader finds it after one step of the scenario."""

    digest: str
    smallest_mart_rows: int
    gate_passed: bool
    gate_failures: list[str]
    build_leftovers: list[str]


@dataclass
class KillResult:
    phase: str
    killed_after_seconds: float
    evidence: str
    verdict: Verdict


@dataclass
class Scenario:
    published: Path
    original_digest: str
    kills: dict[str, KillResult] = field(default_factory=dict)
    recovery_code: int | None = None
    recovery_out: str = ""
    recovery_err: str = ""
    recovery_seconds: float = 0.0
    recovery_window: tuple[float, float] = (0.0, 0.0)
    recovery_verdict: Verdict | None = None
    history_after_recovery: list[Path] = field(default_factory=list)
    competitor_code: int | None = None
    competitor_err: str = ""
    lock_holder_pid: int = 0
    dagster_home: Path | None = None
    reads: list[list] = field(default_factory=list)
    read_errors: list[list] = field(default_factory=list)
    rollback_code: int | None = None
    rollback_digest: str = ""


def verdict(published: Path, report_dir: Path, gates: dict[str, tuple[bool, list[str]]]) -> Verdict:
    """How the published file reads; ``gates`` holds the gate's verdict by file digest.

    The gate reads nothing but the file (and the code), so a file byte-identical
    to one it already checked (every kill that left the warehouse whole) gets
    the same verdict without another run of every suite.
    """
    with duckdb.connect(str(published), read_only=True) as con:
        smallest = min(
            con.execute(f"select count(*) from marts.{mart}").fetchone()[0] for mart in READER_MARTS
        )
    digest = file_digest(published)
    if digest not in gates:
        gate = run_quality_gate(published, report_dir)
        gates[digest] = (gate.passed, [f.describe() for f in gate.blocking_failures])
    gate_passed, gate_failures = gates[digest]
    layout = WarehouseLayout(published)
    leftovers = sorted(str(p.relative_to(layout.build_root)) for p in layout.build_root.rglob("*"))
    return Verdict(
        digest=digest,
        smallest_mart_rows=smallest,
        gate_passed=gate_passed,
        gate_failures=gate_failures,
        build_leftovers=leftovers,
    )


def new_report_folder_without_summary(report_dir: Path, before: set[str]) -> Path | None:
    if not report_dir.is_dir():
        return None
    for folder in report_dir.iterdir():
        if folder.is_dir() and folder.name not in before and not (folder / "summary.html").exists():
            return folder
    return None


@pytest.fixture(scope="module")
def scenario(dagster_build, tmp_path_factory) -> Scenario:
    assert dagster_build.result.success, "the session's build_warehouse run failed"
    root = tmp_path_factory.mktemp("wap-kill")
    published = root / "warehouse" / "nq57.duckdb"
    published.parent.mkdir()
    shutil.copyfile(dagster_build.published, published)
    layout = WarehouseLayout(published)
    reports, checked = root / "reports", root / "verify-reports"
    result = Scenario(published=published, original_digest=file_digest(published))
    gates: dict[str, tuple[bool, list[str]]] = {}
    edited = root / "seeds"
    shutil.copytree(SEEDS, edited)
    change_one_deadline(edited)

    ready, stop, reads = root / "reader.ready", root / "reader.stop", root / "reads.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published), str(ready), str(stop), str(reads)]
        + list(READER_MARTS)
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert reader.poll() is None and time.monotonic() < deadline, "reader did not start"
            time.sleep(POLL_SECONDS)

        # 1. While dbt writes the build file: dbt has it open when its WAL exists.
        build = BuildProcess(published, reports, SEEDS, full_refresh=True)
        seconds = build.wait_for(
            lambda: (
                "started   nq57_dbt_models" in build.out()
                and any(layout.build_root.glob("*/*.wal"))
            ),
            "dbt writing the build file",
        )
        wal = next(layout.build_root.glob("*/*.wal"))
        build.kill()
        result.kills["dbt"] = KillResult(
            "dbt", seconds, f"{wal.name} beside the build file", verdict(published, checked, gates)
        )

        # 2. While the gate runs: its report folder exists, its summary not yet.
        earlier = {p.name for p in reports.iterdir()} if reports.is_dir() else set()
        build = BuildProcess(published, reports, edited)
        seconds = build.wait_for(
            lambda: (
                "started   quality gate" in build.out()
                and new_report_folder_without_summary(reports, earlier) is not None
            ),
            "the quality gate running",
        )
        folder = new_report_folder_without_summary(reports, earlier)
        build.kill()
        assert not (folder / "summary.html").exists(), "the gate finished before the kill"
        result.kills["checks"] = KillResult(
            "checks",
            seconds,
            f"report folder {folder.name} without summary.html",
            verdict(published, checked, gates),
        )

        # 3. Inside the swap: old file linked into history, rename not done.
        history_before = (
            set(layout.history_root.glob("*")) if layout.history_root.exists() else set()
        )
        build = BuildProcess(published, reports, edited, env={PAUSE_ENV_VAR: "swap"})
        seconds = build.wait_for(lambda: "nq57: paused at swap" in build.err(), "the swap")
        # Paused inside the swap, it holds the build lock as long as it lives: a second
        # build started now must be refused, however long that one takes to start.
        assert layout.lock_path.read_text(encoding="ascii").strip() == str(build.process.pid)
        result.lock_holder_pid = build.process.pid
        competitor = BuildProcess(published, reports, SEEDS, full_refresh=True)
        result.competitor_code = competitor.finish()
        result.competitor_err = competitor.err()
        build.kill()
        (entry,) = set(layout.history_root.glob("*")) - history_before
        linked = (entry / published.name).stat().st_ino == published.stat().st_ino
        result.kills["swap"] = KillResult(
            "swap",
            seconds,
            f"history entry {entry.name} made{' (a link to the published file)' if linked else ''}",
            verdict(published, checked, gates),
        )

        # 4. The next build, no cleanup.
        result.dagster_home = root / "dagster_home"
        result.dagster_home.mkdir()
        window_start = time.time()
        build = BuildProcess(
            published, reports, edited, env={"DAGSTER_HOME": str(result.dagster_home)}
        )
        result.recovery_code = build.finish()
        result.recovery_seconds = time.monotonic() - build.started
        result.recovery_window = (window_start, time.time())
        result.recovery_out = build.out()
        result.recovery_err = build.err()
        assert result.recovery_code == 0, build.err()[-3000:]
        result.recovery_verdict = verdict(published, checked, gates)
        result.history_after_recovery = sorted(layout.history_root.iterdir())
    finally:
        stop.touch()
        reader.wait(timeout=60)
    data = json.loads(reads.read_text(encoding="utf-8"))
    result.reads, result.read_errors = data["reads"], data["errors"]

    parser = argparse.ArgumentParser()
    rollback.add_arguments(parser)
    result.rollback_code = rollback.main(parser.parse_args(["--warehouse", str(published)]))
    result.rollback_digest = file_digest(published)
    print(
        "wap-kill measurements:",
        json.dumps(
            {
                "killed_after_seconds": {
                    k: round(v.killed_after_seconds, 1) for k, v in result.kills.items()
                },
                "recovery_build_seconds": round(result.recovery_seconds, 1),
                "reads_total": len(result.reads),
                "reads_during_recovery_build": len(reads_between(result, *result.recovery_window)),
                "read_errors": len(result.read_errors),
            }
        ),
    )
    return result


def reads_between(result: Scenario, start: float, end: float) -> list[list]:
    return [read for read in result.reads if start <= read[0] <= end]


@pytest.mark.parametrize("phase", ["dbt", "checks", "swap"])
def test_a_build_killed_during_a_phase_leaves_the_published_warehouse_whole(
    scenario: Scenario, phase: str
):
    kill = scenario.kills[phase]

    assert kill.verdict.digest == scenario.original_digest, kill.evidence
    assert kill.verdict.smallest_mart_rows > 0
    assert kill.verdict.gate_passed, kill.verdict.gate_failures


def test_a_kill_during_the_swap_happened_after_the_history_link(scenario: Scenario):
    assert "a link to the published file" in scenario.kills["swap"].evidence


def test_the_next_build_succeeds_without_cleanup(scenario: Scenario):
    # Each killed build left its run directory behind for the next one to clear.
    assert all(kill.verdict.build_leftovers for kill in scenario.kills.values())

    assert scenario.recovery_code == 0
    assert scenario.recovery_verdict.gate_passed, scenario.recovery_verdict.gate_failures
    assert scenario.recovery_verdict.digest != scenario.original_digest
    assert scenario.recovery_verdict.build_leftovers == []
    # The kill during the swap left one extra entry; the default --keep (3) holds both.
    assert len(scenario.history_after_recovery) == 2


def test_the_build_ran_dbt_data_tests(scenario: Scenario):
    # dbt's summary line, on stderr with the rest of dbt's log.
    counts = re.findall(r"Finished running .* (\d+) data tests", scenario.recovery_err)
    assert counts and all(int(count) > 0 for count in counts)


def test_a_successful_build_prints_where_everything_is(scenario: Scenario):
    out = scenario.recovery_out

    assert f"published {scenario.published}" in out
    assert "started   quality gate" in out
    (summary,) = re.findall(r"quality report: +(\S+)", out)
    assert Path(summary).is_file()
    assert Path(summary).resolve().as_uri() in out
    assert re.search(r"data docs: +\S+index\.html", out)
    assert "report folders: " in out


def test_a_successful_build_is_recorded_in_dagster_with_its_report(scenario: Scenario):
    from dagster import DagsterInstance

    from dagster_project.warehouse.publication import PUBLISHED_KEY

    with DagsterInstance.from_config(str(scenario.dagster_home)) as instance:
        event = instance.get_latest_materialization_event(PUBLISHED_KEY)

    metadata = event.asset_materialization.metadata
    assert Path(metadata["published"].value) == scenario.published
    assert Path(metadata["quality_report"].value).is_file()
    assert metadata["quality_report_url"].value.startswith("file://")


def test_a_second_build_is_refused_while_one_runs(scenario: Scenario):
    assert scenario.competitor_code == 1
    assert f"another nq57 build (pid {scenario.lock_holder_pid})" in scenario.competitor_err


def test_readers_never_fail_and_see_data_throughout(scenario: Scenario):
    assert scenario.read_errors == []
    assert all(rows > 0 for _, _, rows in scenario.reads)
    during = reads_between(scenario, *scenario.recovery_window)
    assert len(during) > 0
    times = [read[0] for read in scenario.reads]
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) < MAX_READER_GAP_SECONDS
    # Readers went on through the swap: they opened the old file and the new one.
    assert len({inode for _, inode, _ in scenario.reads}) >= 2


def test_rollback_restores_the_warehouse_published_before(scenario: Scenario):
    assert scenario.rollback_code == 0
    assert scenario.rollback_digest == scenario.original_digest

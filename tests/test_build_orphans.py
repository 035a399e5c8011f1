"""A killed ``nq57 build`` leaves no process behind.

dbt runs inside the build process (see ``warehouse.dbt_runner``), so it goes
with it; ``nq57-dbt``, which other callers start as a subprocess, is bound to
die with its parent (the control test below).

Only the ``nq57 build`` process is killed (SIGKILL, no process group), as a
user's ``kill -9`` or an OOM killer would, while dbt builds the models; every
process it had started must be gone within 5 seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_pipeline_build import SEEDS

from dagster_project.extract.documents import REPO_ROOT
from dagster_project.warehouse.publish import WarehouseLayout, holders

GONE_WITHIN_SECONDS = 5
STARTUP_TIMEOUT = 600


def nq57_command() -> list[str]:
    script = Path(sys.executable).with_name("nq57")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dagster_project.cli"]


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a live process, None if it is gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces.
    fields = text[text.rindex(")") + 2 :].split()
    state, ppid = fields[0], int(fields[1])
    return None if state in ("Z", "X") else (ppid, state)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[0]
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_nothing_outlives_a_build_killed_while_dbt_builds(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    progress = tmp_path / "progress.txt"
    with progress.open("wb") as out:
        build = _start_build(tmp_path, env, out)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "started   nq57_dbt_models" not in progress.read_text(encoding="utf-8"):
            assert build.poll() is None, f"nq57 build exited ({build.returncode}) before dbt build"
            assert time.monotonic() < deadline, "dbt build did not start"
            time.sleep(0.1)
        # Let dbt get going (connect, attach the submissions snapshot, write).
        build_file = WarehouseLayout(tmp_path / "nq57.duckdb").build_file
        writing = []
        while not writing:
            assert build.poll() is None, "the build finished before dbt opened the build file"
            assert time.monotonic() < deadline, f"dbt never opened {build_file}"
            writing = holders(build_file)
            time.sleep(0.1)
        time.sleep(1)
        children = descendants(build.pid)
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        gone_by = time.monotonic() + GONE_WITHIN_SECONDS
        alive, still_writing = children, writing
        while (alive or still_writing) and time.monotonic() < gone_by:
            alive = {pid for pid in alive if _stat(pid) is not None}
            still_writing = holders(build_file)
            time.sleep(0.05)
        assert not alive, {pid: _cmdline(pid) for pid in alive}
        # Whatever process wrote the build file (dbt included) is gone with the build.
        assert not still_writing
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build.pid, signal.SIGKILL)
        build.wait()


def _start_build(tmp_path: Path, env: dict[str, str], out) -> subprocess.Popen:
    """``nq57 build`` of the test seeds, its progress lines (stdout) into ``out``."""
    return subprocess.Popen(
        [
            *nq57_command(),
            "build",
            "--warehouse",
            str(tmp_path / "nq57.duckdb"),
            "--seeds",
            str(SEEDS),
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.DEVNULL,
        # A group of its own only so that this test can clean up if it fails;
        # the kill below goes to the build process alone.
        start_new_session=True,
    )


def test_without_the_death_signal_a_child_outlives_its_parent():
    """The control: the same parent and child, with and without ``die_with_parent``."""
    parent_body = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    child_body = (
        "import sys, time\n"
        "from dagster_project.warehouse.dbt_child import die_with_parent\n"
        "if sys.argv[1] == 'bound':\n"
        "    die_with_parent()\n"
        "time.sleep(60)\n"
    )
    survived = {}
    for mode in ("bound", "free"):
        parent = subprocess.Popen(
            [sys.executable, "-c", parent_body, child_body, mode],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
            start_new_session=True,
        )
        child_pid = int(parent.stdout.readline())
        time.sleep(1)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        time.sleep(1)
        survived[mode] = _stat(child_pid) is not None
        if survived[mode]:
            os.kill(child_pid, signal.SIGKILL)
    assert survived == {"bound": False, "free": True}

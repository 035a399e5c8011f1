"""A killed ``nq57 build`` leaves no process behind: dbt dies with it.

Only the ``nq57 build`` process is killed (SIGKILL, no process group), as a
user's ``kill -9`` or an OOM killer would; every process it had started must
be gone within 5 seconds.
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
def test_dbt_dies_within_seconds_when_the_build_is_killed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    build = subprocess.Popen(
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # A group of its own only so that this test can clean up if it fails;
        # the kill below goes to the build process alone.
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        dbt_build = set()
        while not dbt_build:
            assert build.poll() is None, f"nq57 build exited ({build.returncode}) before dbt build"
            assert time.monotonic() < deadline, "dbt build did not start"
            dbt_build = {
                pid
                for pid in descendants(build.pid)
                if "dbt" in _cmdline(pid) and " build" in _cmdline(pid)
            }
            time.sleep(0.1)
        # Let dbt get going (connect, attach the submissions snapshot, write).
        time.sleep(2)
        children = descendants(build.pid)
        assert dbt_build <= children
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        gone_by = time.monotonic() + GONE_WITHIN_SECONDS
        alive = children
        while alive and time.monotonic() < gone_by:
            alive = {pid for pid in alive if _stat(pid) is not None}
            time.sleep(0.05)
        assert not alive, {pid: _cmdline(pid) for pid in alive}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build.pid, signal.SIGKILL)
        build.wait()


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

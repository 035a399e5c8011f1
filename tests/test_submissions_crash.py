"""A kill -9 at any moment of an ingest leaves a store that opens and equals a clean ingest.

Real ingest processes are killed with SIGKILL, into a new store and into an
established one, at two kinds of moments:

- named points (``NQ57_TEST_PAUSE_AT``): a file archived and its receipt
  written but not yet in a transaction, a transaction's rows inserted but not
  committed, a commit done but not checkpointed, and between creating a new
  store's schema and its checkpoint (transactions of 3 files here);
- just after the process reports its k-th file, plus a few milliseconds,
  which lands inside DuckDB's commits, inserts and checkpoints.

After each kill the next ingest of the same folder must succeed, and the
store must equal a clean ingest of the same files in the same order: the
manifest, the loaded rows and the quarantine (rows in = loaded +
quarantined for every file), with ``nq57 store check`` finding nothing.

``nq57 store rebuild`` is tested the same way: from a store whose file is
garbage, it gives back the clean store from the archived files.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from fixtures.processes import TIMEOUT, kill_when, start_script
from fixtures.submissions.builders import (
    GOOD_INDICATOR,
    GOOD_TASK,
    NGHE_AN_KHCN,
    TEST_KEYS,
    install_test_keys,
    real_reference,
    write_csv,
    write_xlsx,
)

from dagster_project.config import PAUSE_ENV_VAR
from dagster_project.submissions.ingest import archived_path, ingest_paths
from dagster_project.submissions.recovery import check_store, rebuild_store

RUNNER = """
import sys
from pathlib import Path
from dagster_project.submissions.ingest import archived_path, ingest_paths
ingest_paths([Path(sys.argv[1])], store=Path(sys.argv[2]), received_at_basis="file_mtime",
             progress=lambda line: print(line, flush=True), batch_files=3)
print("done", flush=True)
"""


def landing(folder: Path) -> Path:
    """Fourteen files of every outcome, with distinct sending times (ingest order = mtime)."""
    files: list[Path] = []
    for month in ("2026-01", "2026-02", "2026-03"):
        meta = {**NGHE_AN_KHCN, "period": month}
        files.append(
            write_xlsx(
                folder / f"a-{month}.xlsx", meta, tasks=[GOOD_TASK], indicators=[GOOD_INDICATOR]
            )
        )
        files.append(
            write_csv(folder / f"b-{month}.csv", "task_progress", [GOOD_TASK], metadata=meta)
        )
        # A correction: supersedes the file above.
        files.append(
            write_csv(
                folder / f"c-{month}.csv",
                "task_progress",
                [{**GOOD_TASK, "percent_complete": "100", "output_document": "v2"}],
                metadata=meta,
            )
        )
    files.append(
        write_xlsx(folder / "partly.xlsx", tasks=[GOOD_TASK, {**GOOD_TASK, "task_key": "IX.9"}])
    )
    files.append(write_csv(folder / "dupes.csv", "task_progress", [GOOD_TASK, GOOD_TASK]))
    (folder / "pdf.xlsx").write_bytes(b"%PDF-1.4\n")
    files.append(folder / "pdf.xlsx")
    (folder / "empty.csv").write_bytes(b"")
    files.append(folder / "empty.csv")
    files.append(
        write_xlsx(
            folder / "bad-period.xlsx", {**NGHE_AN_KHCN, "period": "2026-Q5"}, tasks=[GOOD_TASK]
        )
    )
    for number, path in enumerate(files):
        os.utime(path, (1_775_000_000 + 3600 * number, 1_775_000_000 + 3600 * number))
    return folder


def snapshot(store: Path) -> dict[str, list[tuple]]:
    """The store's content, without the absolute paths that differ between copies."""
    with duckdb.connect(str(store), read_only=True) as con:
        return {
            "files": con.execute(
                """
                select * exclude (source_path, receipt_path, archived_path)
                from raw.submission_files order by ingest_seq
                """
            ).fetchall(),
            "rows": con.execute("select * from raw.submission_rows order by all").fetchall(),
            "quarantine": con.execute(
                "select * from raw.submission_quarantine order by all"
            ).fetchall(),
            "unbalanced": con.execute(
                "select * from raw.quarantine_summary where not is_balanced"
            ).fetchall(),
        }


def ingest(folder: Path, store: Path, reference) -> None:
    ingest_paths(
        [folder],
        keys=TEST_KEYS,
        store=store,
        reference=reference,
        received_at_basis="file_mtime",
        progress=lambda line: None,
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The landing folder, the first files of it as an established store, and clean results."""
    reference = real_reference()
    root = tmp_path_factory.mktemp("crash")
    folder = landing(root / "landing")
    first = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime)[:5]
    early = root / "early"
    early.mkdir()
    for path in first:
        shutil.copy2(path, early / path.name)
    established = root / "established" / "submissions.duckdb"
    ingest(early, established, reference)
    clean_new = root / "clean-new" / "submissions.duckdb"
    ingest(folder, clean_new, reference)
    clean_established = root / "clean-established" / "submissions.duckdb"
    shutil.copytree(established.parent, clean_established.parent)
    ingest(folder, clean_established, reference)
    return {
        "reference": reference,
        "folder": folder,
        "early": early,
        "established": established,
        "new": snapshot(clean_new),
        "after_established": snapshot(clean_established),
    }


def start(folder: Path, store: Path, pause: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop(PAUSE_ENV_VAR, None)
    if pause:
        env[PAUSE_ENV_VAR] = pause
    install_test_keys(store)
    return start_script(RUNNER, str(folder), str(store), env=env)


def base_store(scenario, tmp_path: Path, established: bool) -> Path:
    store = tmp_path / "warehouse" / "submissions.duckdb"
    if established:
        shutil.copytree(scenario["established"].parent, store.parent)
    install_test_keys(store)
    return store


def assert_recovers(scenario, store: Path, established: bool) -> None:
    """The next ingest succeeds and the store is the clean one, sound by ``store check``."""
    ingest(scenario["folder"], store, scenario["reference"])
    expected = scenario["after_established" if established else "new"]
    assert snapshot(store) == expected
    report = check_store(store)
    assert report.problems == []


# Every stage of the file transaction is hit in one of the two stores.
PAUSES = {
    False: ("store:schema", "ingest:prepared:2", "ingest:inserted:6", "ingest:committed:14"),
    True: ("ingest:prepared:1", "ingest:inserted:3", "ingest:committed:9"),
}


@pytest.mark.parametrize("established", [False, True], ids=["new_store", "established_store"])
def test_kill_at_every_named_moment_of_a_file_then_the_next_ingest_equals_a_clean_one(
    scenario, tmp_path, established
):
    for number, pause in enumerate(PAUSES[established]):
        store = base_store(scenario, tmp_path / str(number), established)
        kill_when(start(scenario["folder"], store, pause), f"paused at {pause}")
        assert_recovers(scenario, store, established)


@pytest.mark.parametrize("established", [False, True], ids=["new_store", "established_store"])
def test_kill_at_varied_moments_inside_duckdb_then_the_next_ingest_equals_a_clean_one(
    scenario, tmp_path, established
):
    chances = random.Random(57 + established)
    for number, after_file in enumerate((2, 7, 12)):
        store = base_store(scenario, tmp_path / str(number), established)
        delay = chances.uniform(0.0, 0.03)
        kill_when(start(scenario["folder"], store), f"[{after_file}/", delay)
        assert_recovers(scenario, store, established)


def test_the_clean_ingest_balances_and_records_the_invalid_period_once(scenario):
    files = scenario["new"]["files"]
    assert len(files) == 14
    assert scenario["new"]["unbalanced"] == []
    reasons = {entry[6] for entry in scenario["new"]["quarantine"] if entry[1] == "bad-period.xlsx"}
    assert reasons == {"period_invalid"}


def test_a_store_that_does_not_open_is_named_in_one_line_with_exit_status_2(scenario, tmp_path):
    store = tmp_path / "warehouse" / "submissions.duckdb"
    store.parent.mkdir(parents=True)
    store.write_bytes(b"not a database" * 1000)
    nq57 = Path(sys.executable).with_name("nq57")
    result = subprocess.run(
        [str(nq57), "ingest", str(scenario["early"]), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert str(store) in line and "cannot be opened" in line and "nq57 store rebuild" in line
    check = subprocess.run(
        [str(nq57), "store", "check", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert check.returncode == 2
    assert "cannot be opened" in check.stderr


def test_rebuild_replays_the_archive_into_the_clean_store_and_keeps_the_old_one(scenario, tmp_path):
    store = base_store(scenario, tmp_path, established=False)
    ingest(scenario["folder"], store, scenario["reference"])
    garbage = b"\x00garbage" * 4096
    store.write_bytes(garbage)
    assert check_store(store).problems
    aside, counts = rebuild_store(
        store, scenario["reference"], max_bytes=20 * 1024 * 1024, progress=lambda line: None
    )
    assert snapshot(store) == scenario["new"]
    assert counts["submission_files"] == 14
    assert aside is not None and aside.read_bytes() == garbage
    assert check_store(store).problems == []


def test_store_check_names_an_unbalanced_file_and_a_missing_copy(scenario, tmp_path):
    store = base_store(scenario, tmp_path, established=True)
    with duckdb.connect(str(store)) as con:
        sha, name = con.execute(
            "select file_sha256, file_name from raw.submission_files "
            "where rows_loaded > 0 order by ingest_seq limit 1"
        ).fetchone()
        con.execute("delete from raw.submission_rows where file_sha256 = ?", [sha])
    archived_path(store, sha, name).unlink()
    problems = check_store(store).problems
    assert any("rows in" in problem and sha[:12] in problem for problem in problems)
    assert any("is missing" in problem and sha[:12] in problem for problem in problems)

"""The landing-folder sensor and the ingest job, run for real on a temporary instance."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, Definitions, SkipReason, build_sensor_context
from fixtures.submissions.builders import (
    GOOD_INDICATOR,
    GOOD_TASK,
    NGHE_AN_KHCN,
    install_test_keys,
    real_reference,
    write_xlsx,
)

from dagster_project.submissions.assets import (
    BALANCE_CHECK,
    INGEST_JOB,
    ingest_submissions,
    ingest_submissions_job,
)
from dagster_project.submissions.resources import SubmissionsStore
from dagster_project.submissions.sensors import (
    RECENT_WINDOW_SECONDS,
    LandingCursor,
    build_landing_sensor,
    decode_cursor,
    encode_cursor,
    scan_landing,
    submissions_landing_sensor,
)


@pytest.fixture(scope="module", autouse=True)
def seeds_present():
    real_reference()


def settled(path):
    past = time.time() - 3600
    os.utime(path, (past, past))
    return path


def ingest_definitions(store: Path, landing: Path) -> tuple[SubmissionsStore, Definitions]:
    """The ingest asset, job and landing sensor on ``store`` (signed with the test keys)."""
    install_test_keys(store)
    resource = SubmissionsStore(store=str(store), landing=str(landing))
    defs = Definitions(
        assets=[ingest_submissions],
        jobs=[ingest_submissions_job],
        sensors=[submissions_landing_sensor],
        resources={"submissions": resource},
    )
    return resource, defs


def test_scan_landing_skips_seen_and_unsettled_files(tmp_path):
    landing = tmp_path / "landing"
    old = settled(write_xlsx(landing / "old.xlsx", tasks=[GOOD_TASK]))
    fresh = write_xlsx(landing / "fresh.xlsx", tasks=[{**GOOD_TASK, "task_key": "I.3"}])
    (landing / ".DS_Store").write_bytes(b"\x00")
    found = scan_landing(landing, LandingCursor(), time.time(), settle_seconds=60)
    assert [path for path, _, _ in found] == [old]
    seen = LandingCursor().advance([(sha, ctime) for _, sha, ctime in found])
    assert scan_landing(landing, seen, time.time(), settle_seconds=60) == []
    later = scan_landing(landing, LandingCursor(), time.time() + 120, settle_seconds=60)
    assert [p for p, _, _ in later] == [old, fresh]


def test_landing_cursor_keeps_a_high_water_mark_and_a_recent_window():
    window = RECENT_WINDOW_SECONDS * 1_000_000_000
    start = 10 * window
    cursor = LandingCursor().advance([("a", start), ("b", start + 5)])
    assert (cursor.high_water_ns, sorted(cursor.recent)) == (start + 5, ["a", "b"])
    # A file that arrives a window later moves the mark and drops what fell out of the window.
    cursor = cursor.advance([("c", start + window + 1)])
    assert (cursor.high_water_ns, sorted(cursor.recent)) == (start + window + 1, ["b", "c"])
    assert not cursor.is_candidate(start)  # before the window: handled, not looked at again
    assert cursor.is_candidate(start + 2)  # within it: checked by content
    assert decode_cursor(encode_cursor(cursor)) == cursor


def test_landing_cursor_of_earlier_versions_is_read():
    cursor = decode_cursor('["a", "b"]', now=100.0)
    assert cursor == LandingCursor(0, {"a": 100_000_000_000, "b": 100_000_000_000})


def test_a_corrected_file_is_offered_and_a_touched_one_is_not(tmp_path):
    landing = tmp_path / "landing"
    report = settled(write_xlsx(landing / "report.xlsx", tasks=[GOOD_TASK]))
    [(_, sha, ctime)] = scan_landing(landing, LandingCursor(), time.time())
    cursor = LandingCursor().advance([(sha, ctime)])
    settled(report)  # touched: new ctime, same content
    assert scan_landing(landing, cursor, time.time()) == []
    settled(write_xlsx(report, tasks=[{**GOOD_TASK, "task_key": "I.3"}]))  # corrected
    [(path, new_sha, _)] = scan_landing(landing, cursor, time.time())
    assert (path, new_sha != sha) == (report, True)


def test_sensor_requests_a_run_that_ingests_new_files(tmp_path):
    landing = tmp_path / "landing"
    settled(write_xlsx(landing / "report.xlsx", tasks=[GOOD_TASK], indicators=[GOOD_INDICATOR]))
    (landing / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    settled(landing / "scan.pdf")
    store = tmp_path / "wh" / "submissions.duckdb"
    resource, defs = ingest_definitions(store, landing)
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(
            instance=instance, resources={"submissions": resource}, definitions=defs
        )
        result = submissions_landing_sensor(context)
        [request] = result.run_requests
        assert len(decode_cursor(result.cursor).recent) == 2
        paths = request.run_config["ops"]["ingest_submissions"]["config"]["paths"]
        assert sorted(os.path.basename(p) for p in paths) == ["report.xlsx", "scan.pdf"]

        run = defs.resolve_job_def(INGEST_JOB).execute_in_process(
            run_config=request.run_config, instance=instance
        )
        assert run.success
        rows = {
            event.asset_key.path[-1]: event.materialization.metadata["dagster/row_count"].value
            for event in run.get_asset_materialization_events()
        }
        assert rows == {"submission_files": 2, "submission_rows": 2, "submission_quarantine": 1}
        [check] = run.get_asset_check_evaluations()
        assert (check.check_name, check.passed) == (BALANCE_CHECK, True)

        again = build_sensor_context(
            instance=instance,
            resources={"submissions": resource},
            definitions=defs,
            cursor=result.cursor,
        )
        assert isinstance(submissions_landing_sensor(again), SkipReason)

    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("select count(*) from raw.submission_latest").fetchone() == (2,)


def test_sensor_skips_when_landing_folder_is_missing(tmp_path):
    resource = SubmissionsStore(store=str(tmp_path / "s.duckdb"), landing=str(tmp_path / "nowhere"))
    sensor = build_landing_sensor(name="other_landing_sensor")
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, resources={"submissions": resource})
        result = sensor(context)
    assert isinstance(result, SkipReason)
    assert "does not exist" in result.skip_message


def test_the_ingest_job_refuses_a_synthetic_file_and_says_so(tmp_path):
    landing = tmp_path / "landing"
    real = write_xlsx(landing / "report.xlsx", tasks=[GOOD_TASK])
    simulated = write_xlsx(
        landing / "synthetic_nq57_nghe-an_so-khcn_2026-Q1.xlsx",
        {**NGHE_AN_KHCN, "synthetic": "true"},
        tasks=[{**GOOD_TASK, "task_key": "I.3"}],
    )
    store = tmp_path / "wh" / "submissions.duckdb"
    _, defs = ingest_definitions(store, landing)
    with DagsterInstance.ephemeral() as instance:
        run = defs.resolve_job_def(INGEST_JOB).execute_in_process(instance=instance)
    assert run.success
    metadata = {
        event.asset_key.path[-1]: event.materialization.metadata
        for event in run.get_asset_materialization_events()
    }["submission_files"]
    assert metadata["dagster/row_count"].value == 1
    [refused] = metadata["refused_synthetic"].value
    assert refused["file"] == str(simulated)
    assert refused["marker"] == "README synthetic=true"
    assert [f["file"] for f in metadata["files_this_run"].value] == [real.name]
    assert simulated.exists()

"""Re-ingesting changes nothing; a later file supersedes an earlier one; history is kept."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from fixtures.submissions.builders import (
    GOOD_INDICATOR,
    GOOD_TASK,
    NGHE_AN_KHCN,
    ingest_files,
    store_rows,
    write_csv,
    write_xlsx,
)

from dagster_project.submissions.ingest import ALREADY_INGESTED
from dagster_project.submissions.store import open_store, table_counts, unbalanced_files

pytest_plugins = ("fixtures.submissions.ingesting",)


class Clock:
    """Received-at times one minute apart, so ingest order is visible in the manifest."""

    def __init__(self) -> None:
        self.now = datetime(2026, 4, 5, 3, 0)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def run(store: Path, reference, clock: Clock, *paths: Path):
    return ingest_files(store, reference, *paths, now=clock)


def counts(store: Path) -> dict[str, int]:
    with open_store(store) as con:
        return table_counts(con)


def latest(store: Path) -> list[tuple]:
    return store_rows(
        store,
        """
        select sheet, coalesce(task_key, indicator_code), status, value_text, file_sha256
        from raw.submission_latest
        order by sheet, 2
        """,
    )


def test_reingesting_the_same_files_changes_nothing(tmp_path, reference):
    folder = tmp_path / "landing"
    write_xlsx(folder / "a.xlsx", tasks=[GOOD_TASK], indicators=[GOOD_INDICATOR])
    write_xlsx(
        folder / "b.xlsx",
        {**NGHE_AN_KHCN, "period": "2026-01"},
        tasks=[GOOD_TASK, {**GOOD_TASK, "task_key": "IX.9"}],
    )
    (folder / "c.xlsx").write_bytes(b"%PDF-1.4\n")
    write_csv(
        folder / "d.csv",
        "indicator_values",
        [GOOD_INDICATOR],
        metadata={**NGHE_AN_KHCN, "period": "2026-02"},
    )
    store = tmp_path / "store" / "submissions.duckdb"
    clock = Clock()

    first = run(store, reference, clock, folder)
    before = counts(store)
    receipts = sorted(p.name for p in (store.parent / "receipts").iterdir())
    lines: list[str] = []
    second = ingest_files(store, reference, folder, now=clock, progress=lines.append)

    assert [o.status for o in first].count(ALREADY_INGESTED) == 0
    assert [o.status for o in second] == [ALREADY_INGESTED] * 4
    assert all("already ingested" in line for line in lines)
    assert counts(store) == before
    assert before == {"submission_files": 4, "submission_rows": 4, "submission_quarantine": 2}
    assert sorted(p.name for p in (store.parent / "receipts").iterdir()) == receipts


def test_same_content_under_another_name_is_already_ingested(tmp_path, reference):
    store = tmp_path / "store" / "submissions.duckdb"
    original = write_xlsx(tmp_path / "a" / "report.xlsx", tasks=[GOOD_TASK])
    copy = tmp_path / "b" / "report-copy.xlsx"
    copy.parent.mkdir()
    copy.write_bytes(original.read_bytes())
    outcomes = run(store, reference, Clock(), original, copy)
    assert [o.status for o in outcomes] == ["accepted", ALREADY_INGESTED]


def test_correction_supersedes_and_history_is_kept(tmp_path, reference):
    store = tmp_path / "store" / "submissions.duckdb"
    clock = Clock()
    original = write_xlsx(
        tmp_path / "v1" / "report.xlsx",
        tasks=[
            {
                **GOOD_TASK,
                "task_key": "I.3",
                "status": "Đang thực hiện",
                "percent_complete": "40",
                "completion_date": None,
            }
        ],
        indicators=[GOOD_INDICATOR],
    )
    correction = write_xlsx(
        tmp_path / "v2" / "report.xlsx",
        tasks=[{**GOOD_TASK, "task_key": "I.3", "status": "Hoàn thành"}],
        indicators=[{**GOOD_INDICATOR, "value_text": "47"}],
    )
    [first] = run(store, reference, clock, original)
    [second] = run(store, reference, clock, correction)

    assert first.supersedes_file_sha256 is None
    assert second.supersedes_file_sha256 == first.file_sha256
    assert latest(store) == [
        ("indicator_values", "1", None, "47", second.file_sha256),
        ("task_progress", "I.3", "Hoàn thành", None, second.file_sha256),
    ]
    history = store_rows(
        store, "select file_sha256, count(*) from raw.submission_rows group by 1 order by 1"
    )
    manifest = store_rows(
        store,
        "select file_sha256, status, supersedes_file_sha256 from raw.submission_files order by ingest_seq",
    )
    assert sorted(history) == sorted([(first.file_sha256, 2), (second.file_sha256, 2)])
    assert manifest == [
        (first.file_sha256, "accepted", None),
        (second.file_sha256, "accepted", first.file_sha256),
    ]


def test_csv_correction_supersedes_only_its_sheet(tmp_path, reference):
    store = tmp_path / "store" / "submissions.duckdb"
    clock = Clock()
    workbook = write_xlsx(tmp_path / "report.xlsx", tasks=[GOOD_TASK], indicators=[GOOD_INDICATOR])
    tasks_csv = write_csv(
        tmp_path / "tasks.csv", "task_progress", [{**GOOD_TASK, "difficulties": "Bổ sung khó khăn"}]
    )
    [xlsx] = run(store, reference, clock, workbook)
    [csv_file] = run(store, reference, clock, tasks_csv)
    assert csv_file.supersedes_file_sha256 == xlsx.file_sha256
    assert [(sheet, sha) for sheet, _, _, _, sha in latest(store)] == [
        ("indicator_values", xlsx.file_sha256),
        ("task_progress", csv_file.file_sha256),
    ]


def test_rejected_resubmission_does_not_supersede(tmp_path, reference):
    store = tmp_path / "store" / "submissions.duckdb"
    clock = Clock()
    good = write_xlsx(tmp_path / "v1" / "report.xlsx", tasks=[GOOD_TASK])
    bad = write_xlsx(tmp_path / "v2" / "report.xlsx", tasks=[{**GOOD_TASK, "status": "Xong"}])
    [first] = run(store, reference, clock, good)
    [second] = run(store, reference, clock, bad)
    assert second.status == "rejected"
    assert second.supersedes_file_sha256 is None
    assert [sha for *_, sha in latest(store)] == [first.file_sha256]


def test_other_period_or_agency_does_not_supersede(tmp_path, reference):
    store = tmp_path / "store" / "submissions.duckdb"
    clock = Clock()
    q1 = write_xlsx(tmp_path / "q1.xlsx", tasks=[GOOD_TASK])
    march = write_xlsx(
        tmp_path / "m3.xlsx", {**NGHE_AN_KHCN, "period": "2026-03"}, tasks=[GOOD_TASK]
    )
    outcomes = run(store, reference, clock, q1, march)
    assert [o.supersedes_file_sha256 for o in outcomes] == [None, None]
    assert len(latest(store)) == 2


def test_folder_files_are_ingested_oldest_first(tmp_path, reference):
    folder = tmp_path / "landing"
    newer = write_xlsx(
        folder / "a-correction.xlsx", tasks=[{**GOOD_TASK, "output_document": "QĐ 200"}]
    )
    older = write_xlsx(folder / "b-original.xlsx", tasks=[GOOD_TASK])
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_700_000_100, 1_700_000_100))
    store = tmp_path / "store" / "submissions.duckdb"
    outcomes = run(store, reference, Clock(), folder)
    assert [o.path.name for o in outcomes] == ["b-original.xlsx", "a-correction.xlsx"]
    assert outcomes[1].supersedes_file_sha256 == outcomes[0].file_sha256


def test_balance_check_fails_on_an_unbalanced_store(tmp_path, reference):
    store = tmp_path / "store" / "submissions.duckdb"
    [outcome] = run(store, reference, Clock(), write_xlsx(tmp_path / "r.xlsx", tasks=[GOOD_TASK]))
    with open_store(store) as con:
        assert unbalanced_files(con) == []
        # A loaded row lost outside the ingest path: the manifest still says 1.
        con.execute("delete from raw.submission_rows where file_sha256 = ?", [outcome.file_sha256])
        assert unbalanced_files(con) == [
            {
                "file_sha256": outcome.file_sha256,
                "file_name": "r.xlsx",
                "rows_in": 1,
                "rows_loaded": 0,
                "rows_quarantined": 0,
            }
        ]


def test_manifest_refuses_rows_in_that_do_not_add_up(tmp_path):
    store = tmp_path / "submissions.duckdb"
    with open_store(store) as con, pytest.raises(duckdb.ConstraintException):
        con.execute(
            """
            insert into raw.submission_files (
                file_sha256, ingest_seq, file_name, source_path, size_bytes, detected_format,
                sheets, ignored_sheets, received_at, status, rows_in, rows_loaded,
                rows_quarantined, rows_not_reported
            ) values ('x', 1, 'x', 'x', 1, 'csv', [], [], now(), 'accepted', 3, 1, 1, 0)
            """
        )

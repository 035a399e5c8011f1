"""SYNTHETIC files never reach a store unless asked for, and received_at can come from the
file: ``nq57 ingest --allow-synthetic`` and ``--received-at file-mtime``."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from fixtures.submissions.builders import (
    GOOD_INDICATOR,
    GOOD_TASK,
    NGHE_AN_KHCN,
    csv_text,
    install_test_keys,
    write_xlsx,
)

from dagster_project.submissions import ingest_cli
from dagster_project.submissions.store import open_store, table_counts


def run_ingest(store: Path, *args: str) -> int:
    parser = argparse.ArgumentParser()
    ingest_cli.add_arguments(parser)
    install_test_keys(store)
    return ingest_cli.main(parser.parse_args([*args, "--store", str(store)]))


def files(store: Path) -> list[tuple]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(
            "select file_name, status, received_at, received_at_basis, synthetic_marker "
            "from raw.submission_files order by ingest_seq"
        ).fetchall()


def synthetic_xlsx(path: Path) -> Path:
    return write_xlsx(path, {**NGHE_AN_KHCN, "synthetic": "true"}, tasks=[GOOD_TASK])


def test_a_marked_workbook_is_refused_left_in_place_and_nothing_is_written(tmp_path, capsys):
    path = synthetic_xlsx(tmp_path / "landing" / "report.xlsx")
    before = path.read_bytes()
    store = tmp_path / "store" / "submissions.duckdb"
    assert run_ingest(store, str(path)) == 1
    captured = capsys.readouterr()
    assert "refused, SYNTHETIC data (README synthetic=true)" in captured.out
    assert "refused 1 SYNTHETIC file" in captured.err and "--allow-synthetic" in captured.err
    assert path.read_bytes() == before
    with open_store(store) as con:
        assert set(table_counts(con).values()) == {0}
    assert not (store.parent / "receipts").exists() or not any(
        (store.parent / "receipts").iterdir()
    )


def test_allow_synthetic_ingests_it_and_records_the_marker_after_a_refusal(tmp_path, capsys):
    path = synthetic_xlsx(tmp_path / "landing" / "report.xlsx")
    store = tmp_path / "store" / "submissions.duckdb"
    assert run_ingest(store, str(path)) == 1
    # The refusal recorded nothing, so the same file is not "already ingested" now.
    assert run_ingest(store, str(path), "--allow-synthetic") == 0
    assert "report.xlsx: accepted" in capsys.readouterr().out
    [(name, status, _, basis, marker)] = files(store)
    assert (name, status, basis, marker) == (
        "report.xlsx",
        "accepted",
        "ingest_time",
        "README synthetic=true",
    )


def test_a_marked_csv_is_refused(tmp_path):
    header, row = csv_text("indicator_values", [GOOD_INDICATOR]).splitlines()
    path = tmp_path / "landing" / "report.csv"
    path.parent.mkdir(parents=True)
    path.write_text(f"{header},synthetic\r\n{row},true\r\n", encoding="utf-8")
    store = tmp_path / "store" / "submissions.duckdb"
    assert run_ingest(store, str(path)) == 1
    assert run_ingest(store, str(path), "--allow-synthetic") == 0
    [(_, status, _, _, marker)] = files(store)
    assert (status, marker) == ("accepted", "CSV column synthetic=true")


def test_an_unreadable_simulated_file_is_refused_by_its_name(tmp_path, capsys):
    path = tmp_path / "landing" / "synthetic_nq57_nghe-an_so-khcn_2026-01.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.4 not a workbook")
    store = tmp_path / "store" / "submissions.duckdb"
    assert run_ingest(store, str(tmp_path / "landing")) == 1
    assert "file name starts with synthetic_" in capsys.readouterr().out


def test_an_unmarked_file_is_ingested_as_real(tmp_path):
    path = write_xlsx(tmp_path / "landing" / "report.xlsx", tasks=[GOOD_TASK])
    store = tmp_path / "store" / "submissions.duckdb"
    assert run_ingest(store, str(path)) == 0
    [(_, status, _, basis, marker)] = files(store)
    assert (status, basis, marker) == ("accepted", "ingest_time", None)


def _set_mtime(path: Path, when_utc: datetime) -> None:
    stamp = (when_utc - datetime(1970, 1, 1)).total_seconds()
    os.utime(path, (stamp, stamp))


def test_received_at_from_the_file_modification_time(tmp_path):
    path = write_xlsx(tmp_path / "landing" / "report.xlsx", tasks=[GOOD_TASK])
    # 05/04/2026 10:00 in Vietnam.
    _set_mtime(path, datetime(2026, 4, 5, 3, 0))
    store = tmp_path / "store" / "submissions.duckdb"
    assert run_ingest(store, str(path), "--received-at", "file-mtime") == 0
    [(_, status, received_at, basis, _)] = files(store)
    assert (status, received_at, basis) == ("accepted", datetime(2026, 4, 5, 3, 0), "file_mtime")


def test_a_file_dated_before_its_period_is_in_the_future_when_received_at_is_its_mtime(tmp_path):
    path = write_xlsx(tmp_path / "landing" / "report.xlsx", tasks=[GOOD_TASK])
    _set_mtime(path, datetime(2025, 12, 1, 3, 0))
    store = tmp_path / "store" / "submissions.duckdb"
    run_ingest(store, str(path), "--received-at", "file-mtime")
    with duckdb.connect(str(store), read_only=True) as con:
        reasons = {
            r[0]
            for r in con.execute("select reason_code from raw.submission_quarantine").fetchall()
        }
    assert "period_in_future" in reasons


def test_a_store_from_before_these_columns_gets_them_on_open(tmp_path):
    store = tmp_path / "store" / "submissions.duckdb"
    path = write_xlsx(tmp_path / "landing" / "report.xlsx", tasks=[GOOD_TASK])
    assert run_ingest(store, str(path)) == 0
    with duckdb.connect(str(store)) as con:
        con.execute("alter table raw.submission_files drop column synthetic_marker")
        con.execute("alter table raw.submission_files drop column received_at_basis")
    second = write_xlsx(
        tmp_path / "landing2" / "report.xlsx", tasks=[{**GOOD_TASK, "output_document": "QĐ 2"}]
    )
    assert run_ingest(store, str(second)) == 0
    rows = files(store)
    assert [(r[1], r[3]) for r in rows] == [("accepted", None), ("accepted", "ingest_time")]


def test_an_unknown_received_at_basis_is_refused(tmp_path):
    from dagster_project.submissions.ingest import ingest_paths

    path = write_xlsx(tmp_path / "report.xlsx", tasks=[GOOD_TASK])
    with pytest.raises(ValueError, match="received_at_basis"):
        ingest_paths([path], store=tmp_path / "s.duckdb", received_at_basis="sent_time")

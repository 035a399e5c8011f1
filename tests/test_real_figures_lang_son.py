"""The real Lạng Sơn 234/KH-UBND figures as a report of Sở KH&CN Lạng Sơn, ingested through
the same path as any agency's file: budget rows land with their seed references, figures
wait in quarantine (no indicator list for plan 234) with nothing lost."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import duckdb
import pytest
from fixtures.submissions.builders import real_reference

from dagster_project.semantics.numbers import parse_vn_number
from dagster_project.simulate.ingest import sent_at
from dagster_project.simulate.marking import synthetic_marker
from dagster_project.simulate.real_figures import (
    AGENCY_ID,
    PLAN_ID,
    figure_as_of,
    write_real_figures,
)
from dagster_project.submissions.ingest import ingest_paths
from dagster_project.warehouse.paths import SEEDS_DIR


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    reference = real_reference()
    root = tmp_path_factory.mktemp("real-figures")
    path = write_real_figures(SEEDS_DIR, root / "landing")
    store = root / "store" / "submissions.duckdb"
    [outcome] = ingest_paths(
        [path], store=store, reference=reference, now=lambda: sent_at(path), progress=str
    )
    return path, store, outcome


def seed_rows(table: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["plan_id"] == PLAN_ID]


def test_project_disbursement_as_of_30_6_2025_lands_with_its_seed_lines(ingested):
    _, store, outcome = ingested
    assert outcome.status == "partially_accepted"
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            """
            select budget_line_id, parsed_allocated_million_vnd, parsed_disbursed_million_vnd,
                parsed_as_of_date, note, files.agency_id, files.period
            from raw.submission_rows
            inner join raw.submission_files as files using (file_sha256)
            where sheet = 'budget_execution'
            order by budget_line_id
            """
        ).fetchall()
    stages = {(r["budget_line_id"], r["stage"]): r for r in seed_rows("budget_lines")}
    assert len(rows) == 5
    first = rows[0]
    assert first[0] == "lang-son-234-2025-fy2025-investment-1"
    assert (first[1], first[2]) == (Decimal("195662"), Decimal("155673.2"))
    assert first[3].isoformat() == "2025-06-30"
    assert (first[5], first[6]) == (AGENCY_ID, "2025-Q3")
    for line_id, allocated, disbursed, _, note, _, _ in rows:
        seed_allocated = stages[(line_id, "allocated_to_date")]
        assert allocated == parse_vn_number(seed_allocated["amount_text"])
        assert f"{seed_allocated['source_file']}:{seed_allocated['source_line']}" in note
        assert disbursed <= allocated


def test_each_result_figure_is_kept_with_its_figure_id_and_waits_for_indicators(ingested):
    _, store, _ = ingested
    results = [r for r in seed_rows("reported_figures") if "target:" not in r["flags"]]
    with duckdb.connect(str(store), read_only=True) as con:
        quarantined = con.execute(
            "select reason_code, row_values from raw.submission_quarantine "
            "where sheet = 'indicator_values'"
        ).fetchall()
    assert {code for code, _ in quarantined} == {"indicator_unknown"}
    notes = {json.loads(values)["indicator_code"]: json.loads(values) for _, values in quarantined}
    assert set(notes) == {r["figure_id"] for r in results}
    online = notes["lang-son-234-2025-fig-111"]
    assert online["value_text"] == "84,03%"
    assert "004_c38ba8cad11c4ac1.txt:101" in online["note"]
    rank = notes["lang-son-234-2025-fig-071"]
    assert rank["value_text"] == "4" and "rank printed 04/63" in rank["note"]


def test_the_real_file_is_not_marked_synthetic_and_is_dated_by_the_document(ingested):
    path, store, _ = ingested
    assert synthetic_marker(path) is None
    with duckdb.connect(str(store), read_only=True) as con:
        (received_at,) = con.execute("select received_at from raw.submission_files").fetchone()
    assert received_at.isoformat() == "2025-09-05T01:00:00"


@pytest.mark.parametrize(
    ("period_text", "as_of"),
    [
        ("30/6/2025", "2025-06-30"),
        ("01/01/2021 - tháng 6/2025", "2025-06-30"),
        ("2021 - Quý I/2025", "2025-03-31"),
        ("2022", "2022-12-31"),
        ("đến nay", "2025-09-05"),
        ("2021 - 2025", "2025-09-05"),
    ],
)
def test_figure_as_of_date_comes_from_its_period_text(period_text, as_of):
    assert figure_as_of(period_text)[0].isoformat() == as_of

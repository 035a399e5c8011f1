"""The real Lạng Sơn 234/KH-UBND figures as a report of Sở KH&CN Lạng Sơn, ingested through
the same path as any agency's file: budget rows land with their seed references, and the
result figures land keyed by their figure ids (plan 234 has no indicator list)."""

from __future__ import annotations

import csv
from decimal import Decimal

import duckdb
import pytest
from fixtures.submissions.builders import real_reference

from dagster_project.semantics.numbers import parse_vn_number
from dagster_project.simulate.real_figures import (
    AGENCY_ID,
    PLAN_ID,
    figure_as_of,
    write_real_figures,
)
from dagster_project.submissions.ingest import ingest_paths
from dagster_project.submissions.marking import synthetic_marker
from dagster_project.submissions.signing import load_keys
from dagster_project.warehouse.paths import SEEDS_DIR


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    reference = real_reference()
    root = tmp_path_factory.mktemp("real-figures")
    store = root / "store" / "submissions.duckdb"
    path = write_real_figures(SEEDS_DIR, root / "landing", load_keys(store))
    [outcome] = ingest_paths(
        [path], store=store, reference=reference, received_at_basis="file_mtime", progress=str
    )
    return path, store, outcome


def seed_rows(table: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["plan_id"] == PLAN_ID]


def test_project_disbursement_as_of_30_6_2025_lands_with_its_seed_lines(ingested):
    _, store, outcome = ingested
    assert outcome.status == "accepted"
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


def test_each_result_figure_lands_with_its_figure_id_and_source_line(ingested):
    _, store, outcome = ingested
    results = [r for r in seed_rows("reported_figures") if "target:" not in r["flags"]]
    with duckdb.connect(str(store), read_only=True) as con:
        quarantined = con.execute("select count(*) from raw.submission_quarantine").fetchone()[0]
        rows = con.execute(
            """
            select indicator_code, value_text, parsed_value, parsed_plan_id, note
            from raw.submission_rows
            where sheet = 'indicator_values'
            """
        ).fetchall()
    assert quarantined == 0
    assert outcome.rows_in == outcome.rows_loaded == len(results) + 5
    loaded = {code: (text, value, plan, note) for code, text, value, plan, note in rows}
    assert set(loaded) == {r["figure_id"] for r in results}
    assert {plan for _, _, plan, _ in loaded.values()} == {PLAN_ID}
    for figure in results:
        assert f"{figure['source_file']}:{figure['source_line']}" in loaded[figure["figure_id"]][3]
    text, value, _, note = loaded["lang-son-234-2025-fig-111"]
    assert (text, value) == ("84,03%", Decimal("84.03"))
    assert "004_c38ba8cad11c4ac1.txt:101" in note
    text, value, _, note = loaded["lang-son-234-2025-fig-071"]
    assert (text, value) == ("4", Decimal("4")) and "rank printed 04/63" in note


def test_the_real_file_is_not_marked_synthetic_and_is_dated_by_the_document(ingested):
    path, store, _ = ingested
    assert synthetic_marker(path) is None
    with duckdb.connect(str(store), read_only=True) as con:
        received_at, basis, marker = con.execute(
            "select received_at, received_at_basis, synthetic_marker from raw.submission_files"
        ).fetchone()
    assert received_at.isoformat() == "2025-09-05T01:00:00"
    assert (basis, marker) == ("file_mtime", None)


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

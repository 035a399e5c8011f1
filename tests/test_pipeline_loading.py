"""Loading seed CSVs and the document register into the raw schema."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project.extract.documents import SOURCE_DIR, load_documents
from dagster_project.extract.schema import SEED_TABLES
from dagster_project.warehouse.loading import (
    SeedFormatError,
    load_seed,
    load_source_documents,
    read_seed_csv,
    replace_raw_table,
    seed_column_types,
)

FIXTURE_SEEDS = Path(__file__).parent / "fixtures" / "seeds"


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "nq57.duckdb"))
    yield connection
    connection.close()


def test_seed_columns_are_text_except_source_line(con):
    loaded = load_seed(con, FIXTURE_SEEDS, "indicator_targets")

    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'indicator_targets'"
        ).fetchall()
    )
    assert list(types) == list(SEED_TABLES["indicator_targets"])
    assert types.pop("source_line") == "INTEGER"
    assert set(types.values()) == {"VARCHAR"}
    assert (
        loaded.row_count == con.execute("select count(*) from raw.indicator_targets").fetchone()[0]
    )
    assert loaded.row_count > 0


def test_empty_cells_load_as_empty_strings_not_nulls(con):
    load_seed(con, FIXTURE_SEEDS, "indicators")

    nulls = con.execute(
        "select count(*) from raw.indicators where unit_text is null or flags is null"
    ).fetchone()[0]
    empty_units = con.execute(
        "select count(*) from raw.indicators where unit_text = ''"
    ).fetchone()[0]
    assert nulls == 0
    # Nghệ An's indicator table has no unit column: its units are empty cells.
    assert empty_units > 0


def test_numbers_stay_as_printed(con):
    load_seed(con, FIXTURE_SEEDS, "budget_lines")

    printed = con.execute(
        "select amount_text from raw.budget_lines where budget_line_id = ? and stage = ?",
        ["lang-son-234-2025-fy2025-investment", "allocated"],
    ).fetchone()
    assert printed == ("56.016,1",)


def test_loading_again_replaces_the_table(con):
    first = load_seed(con, FIXTURE_SEEDS, "plans")
    second = load_seed(con, FIXTURE_SEEDS, "plans")

    assert first.row_count == second.row_count
    assert con.execute("select count(*) from raw.plans").fetchone()[0] == second.row_count
    assert second.sha256 == first.sha256


def test_seed_with_a_different_header_is_refused(con, tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    original = (FIXTURE_SEEDS / "plans.csv").read_text(encoding="utf-8")
    (seeds / "plans.csv").write_text(original.replace("signer_name", "signer", 1), encoding="utf-8")

    with pytest.raises(SeedFormatError, match="header is .*signer,"):
        load_seed(con, seeds, "plans")


def test_seed_with_a_non_numeric_source_line_is_refused(con, tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    lines = (FIXTURE_SEEDS / "tasks.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",881a"
    (seeds / "tasks.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(SeedFormatError, match=r"row 2 has source_line='881a'"):
        load_seed(con, seeds, "tasks")


def test_missing_seed_names_the_file_and_the_fix(con, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=r"plans\.csv.*nq57 extract"):
        load_seed(con, tmp_path, "plans")


def test_a_load_failing_midway_keeps_the_previous_table(con):
    load_seed(con, FIXTURE_SEEDS, "plans")
    before = con.execute("select count(*) from raw.plans").fetchone()[0]
    # The table is dropped and recreated before the rows go in; a frame
    # lacking a column fails at that point and must roll the drop back.
    incomplete = read_seed_csv(FIXTURE_SEEDS / "plans.csv", "plans").drop(columns=["title"])

    with pytest.raises(KeyError, match="title"):
        replace_raw_table(con, "plans", seed_column_types("plans"), incomplete)

    assert con.execute("select count(*) from raw.plans").fetchone()[0] == before


def test_source_documents_register_records_hash_and_line_count(con):
    documents = load_documents(SOURCE_DIR)

    load_source_documents(con, documents, SOURCE_DIR)

    rows = con.execute(
        "select source_file, sha256, line_count from raw.source_documents order by source_file"
    ).fetchall()
    manifest = dict(
        reversed(line.split()) for line in (SOURCE_DIR / "SHA256SUMS").read_text().splitlines()
    )
    assert [r[0] for r in rows] == sorted(manifest)
    for source_file, sha256, line_count in rows:
        assert sha256 == manifest[source_file]
        text = (SOURCE_DIR / source_file).read_text(encoding="utf-8")
        assert line_count == len(text.removesuffix("\n").split("\n"))

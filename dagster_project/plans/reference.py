"""The hand-maintained reference tables (``seeds/reference/*.csv``) loaded into ``raw``.

They land as ``raw.ref_<name>``, all text as written, so dbt reads them
through a source like every other input. The agency tables land expanded:
the curated rows plus what the agency template (``agency_kinds.csv``,
``agency_kind_aliases.csv``) gives every province (see
:mod:`dagster_project.semantics.reference_tables`). Their meaning and review
rule are in ``seeds/reference/README.md``; their integrity is tested in
``tests/test_reference_seeds.py``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.semantics.reference_tables import reference_rows
from dagster_project.warehouse.loading import (
    LoadedTable,
    SeedFormatError,
    check_csv_header,
    file_sha256,
    replace_raw_table,
)

REFERENCE_SUBDIR = "reference"
TABLE_PREFIX = "ref_"

REFERENCE_TABLES: dict[str, tuple[str, ...]] = {
    "provinces": (
        "province_id",
        "province_name",
        "province_kind",
        "valid_from",
        "valid_to",
        "successor_province_id",
        "source_note",
    ),
    "agencies": (
        "agency_id",
        "province_id",
        "agency_name",
        "agency_kind",
        "valid_from",
        "valid_to",
        "successor_agency_id",
        "is_group",
        "source_note",
    ),
    "agency_lineage": (
        "predecessor_agency_id",
        "successor_agency_id",
        "effective_date",
        "legal_basis",
        "note",
    ),
    "agency_aliases": ("alias_text", "province_id", "agency_id", "note"),
    "agency_groups": ("group_id", "province_id", "group_name_alias", "group_kind", "note"),
    "national_indicators": (
        "national_indicator_id",
        "name_vi",
        "name_en",
        "target_year",
        "comparator",
        "target_value",
        "unit",
        "source_note",
    ),
    "indicator_crosswalk": (
        "plan_id",
        "indicator_code",
        "national_indicator_id",
        "unit_conversion_note",
        "reviewed_by",
        "review_date",
    ),
    "figure_crosswalk": (
        "plan_id",
        "figure_id",
        "metric_guard",
        "national_indicator_id",
        "measure_note",
        "reviewed_by",
        "review_date",
    ),
    "reporting_calendar": (
        "plan_id",
        "period_kind",
        "period_part",
        "due_month",
        "due_day",
        "source_file",
        "source_line",
        "source_text",
    ),
}


def raw_table_name(name: str) -> str:
    """``agencies`` -> ``ref_agencies``: the prefix keeps them apart from extracted seeds."""
    return f"{TABLE_PREFIX}{name}"


def reference_dir(seeds_dir: Path) -> Path:
    return seeds_dir / REFERENCE_SUBDIR


def read_reference_table(path: Path, name: str) -> pd.DataFrame:
    """One reference table as text (the agency tables expanded), refusing a header that
    differs from the layout."""
    expected = REFERENCE_TABLES[name]
    check_csv_header(path, expected, f"{name} reference")
    return pd.DataFrame(reference_rows(path.parent, name), columns=list(expected), dtype=str)


def load_reference_table(con: duckdb.DuckDBPyConnection, seeds_dir: Path, name: str) -> LoadedTable:
    """Load ``seeds/reference/<name>.csv`` into ``raw.ref_<name>``."""
    path = reference_dir(seeds_dir) / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path}: reference table missing (see seeds/reference/README.md)")
    frame = read_reference_table(path, name)
    table = raw_table_name(name)
    columns = dict.fromkeys(REFERENCE_TABLES[name], "varchar")
    rows = replace_raw_table(con, table, columns, frame)
    if rows != len(frame):
        raise SeedFormatError(f"{path}: read {len(frame)} rows but loaded {rows}")
    return LoadedTable(table=table, row_count=rows, source_path=path, sha256=file_sha256(path))

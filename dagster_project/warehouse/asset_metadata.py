"""Asset metadata the raw and parsed tables share: their column schema, and where a
loaded CSV came from."""

from __future__ import annotations

from dagster import MaterializeResult, MetadataValue, TableColumn, TableSchema

from .loading import LoadedTable
from .row_counts import ROW_COUNT_KEY


def column_schema(columns: dict[str, str]) -> dict[str, TableSchema]:
    """``dagster/column_schema`` metadata: each column's name and DuckDB type."""
    return {
        "dagster/column_schema": TableSchema(
            columns=[TableColumn(name, kind) for name, kind in columns.items()]
        )
    }


def loaded_csv_result(loaded: LoadedTable) -> MaterializeResult:
    """A raw table loaded from a CSV: its rows, the file and the file's sha256."""
    return MaterializeResult(
        metadata={
            ROW_COUNT_KEY: loaded.row_count,
            "source_csv": MetadataValue.path(str(loaded.source_path)),
            "sha256": loaded.sha256,
        }
    )

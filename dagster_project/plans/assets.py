"""Dagster assets of the plans domain: reference tables in ``raw``, parsed tables in ``parsed``.

The decorated functions only open a connection, call the plain functions of
this package and attach metadata. Keys are ``[schema, table]``, the same keys
the dbt translator gives the sources that read these tables, so lineage runs
from the seeds through the parsed tables into the marts.

No ``from __future__ import annotations`` here: Dagster reads the resource
annotations of the decorated functions at definition time and needs real types.
"""

from collections.abc import Iterator

from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from dagster_project.extract.documents import load_documents
from dagster_project.extract.schema import SEED_TABLES
from dagster_project.semantics.agencies import load_registry
from dagster_project.semantics.deadlines import STATUSES as DEADLINE_STATUSES
from dagster_project.semantics.targets import STATUSES as TARGET_STATUSES
from dagster_project.warehouse.asset_metadata import column_schema, loaded_csv_result
from dagster_project.warehouse.loading import RAW_SCHEMA, SOURCE_DOCUMENTS_TABLE
from dagster_project.warehouse.resources import DuckDBWarehouse, SourceFiles
from dagster_project.warehouse.row_counts import ROW_COUNT_KEY

from .frames import PARSED_SCHEMA, read_raw, value_counts, write_parsed
from .indicator_targets import DIRECTION_COLUMNS, TARGET_COLUMNS, parse_indicator_targets
from .lineage import CALENDAR_TABLE, LINEAGE_COLUMNS, seed_lineage
from .reference import REFERENCE_TABLES, load_reference_table, raw_table_name, reference_dir
from .task_agencies import ASSIGNMENT_COLUMNS, QUARANTINE_COLUMNS, resolve_plan_agencies
from .task_deadlines import DEADLINE_COLUMNS, parse_task_deadlines

PARSED_GROUP = PARSED_SCHEMA


def raw_key(table: str) -> AssetKey:
    return AssetKey([RAW_SCHEMA, table])


def parsed_key(table: str) -> AssetKey:
    return AssetKey([PARSED_SCHEMA, table])


def reference_key(name: str) -> AssetKey:
    return raw_key(raw_table_name(name))


INDICATOR_TARGETS_KEY = parsed_key("indicator_targets")
INDICATOR_DIRECTIONS_KEY = parsed_key("indicator_directions")
TASK_DEADLINES_KEY = parsed_key("task_deadlines")
TASK_AGENCIES_KEY = parsed_key("task_agencies")
AGENCY_QUARANTINE_KEY = parsed_key("agency_quarantine")
SEED_LINEAGE_KEY = parsed_key("seed_lineage")
REGISTRY_TABLES = ("provinces", "agencies", "agency_aliases", "agency_groups")


def parsed_spec(
    key: AssetKey,
    raw_tables: tuple[str, ...],
    description: str,
    columns: dict[str, str],
    registry: bool = False,
) -> AssetSpec:
    """A table a multi-asset writes into ``parsed`` from ``raw_tables`` (and, with
    ``registry``, the agency registry's reference tables)."""
    registry_keys = [reference_key(name) for name in REGISTRY_TABLES] if registry else []
    return AssetSpec(
        key,
        group_name=PARSED_GROUP,
        kinds={"duckdb"},
        deps=[*(raw_key(table) for table in raw_tables), *registry_keys],
        description=description,
        metadata=column_schema(columns),
    )


def reference_asset(name: str) -> AssetsDefinition:
    """The asset loading ``seeds/reference/<name>.csv`` into ``raw.ref_<name>``."""

    @asset(
        key=reference_key(name),
        group_name=RAW_SCHEMA,
        # After the document check, like the extracted seeds: a run on tampered
        # documents loads nothing at all.
        deps=[raw_key(SOURCE_DOCUMENTS_TABLE)],
        kinds={"duckdb"},
        description=(
            f"seeds/reference/{name}.csv as written (hand-maintained, reviewed; "
            "see seeds/reference/README.md), every column text."
        ),
        metadata=column_schema(dict.fromkeys(REFERENCE_TABLES[name], "varchar")),
    )
    def _load(warehouse: DuckDBWarehouse, source_files: SourceFiles) -> MaterializeResult:
        with warehouse.connect() as con:
            return loaded_csv_result(load_reference_table(con, source_files.seeds_path(), name))

    return _load


reference_assets = [reference_asset(name) for name in REFERENCE_TABLES]


@multi_asset(
    name="parse_indicator_targets",
    specs=[
        parsed_spec(
            INDICATOR_TARGETS_KEY,
            ("indicator_targets", "indicators"),
            "Every target cell read into comparator, bounds, unit and parse status, "
            "next to target_text; merged cells marked.",
            TARGET_COLUMNS,
        ),
        parsed_spec(
            INDICATOR_DIRECTIONS_KEY,
            ("indicator_targets", "indicators"),
            "One row per indicator: higher or lower is better, and its unit.",
            DIRECTION_COLUMNS,
        ),
    ],
)
def parse_indicator_targets_asset(warehouse: DuckDBWarehouse) -> Iterator[MaterializeResult]:
    with warehouse.connect() as con:
        targets, directions = parse_indicator_targets(
            read_raw(con, "indicators"), read_raw(con, "indicator_targets")
        )
        target_rows = write_parsed(con, "indicator_targets", TARGET_COLUMNS, targets)
        direction_rows = write_parsed(con, "indicator_directions", DIRECTION_COLUMNS, directions)
    yield MaterializeResult(
        asset_key=INDICATOR_TARGETS_KEY,
        metadata={
            ROW_COUNT_KEY: target_rows,
            "parse_status_counts": MetadataValue.json(
                value_counts(targets, "parse_status", TARGET_STATUSES)
            ),
            "merged_cells": int(targets["is_merged_cell"].sum()),
        },
    )
    yield MaterializeResult(
        asset_key=INDICATOR_DIRECTIONS_KEY,
        metadata={
            ROW_COUNT_KEY: direction_rows,
            "direction_counts": MetadataValue.json(value_counts(directions, "direction")),
        },
    )


@asset(
    key=TASK_DEADLINES_KEY,
    group_name=PARSED_GROUP,
    kinds={"duckdb"},
    deps=[raw_key("tasks"), raw_key("plans"), raw_key("indicator_targets")],
    description=(
        "Every task deadline read into due date, start date, recurrence and parse status, "
        "next to deadline_text, with the plan horizon."
    ),
    metadata=column_schema(DEADLINE_COLUMNS),
)
def task_deadlines(warehouse: DuckDBWarehouse) -> MaterializeResult:
    with warehouse.connect() as con:
        frame = parse_task_deadlines(
            read_raw(con, "tasks"), read_raw(con, "plans"), read_raw(con, "indicator_targets")
        )
        rows = write_parsed(con, "task_deadlines", DEADLINE_COLUMNS, frame)
    return MaterializeResult(
        metadata={
            ROW_COUNT_KEY: rows,
            "parse_status_counts": MetadataValue.json(
                value_counts(frame, "parse_status", DEADLINE_STATUSES)
            ),
        }
    )


@multi_asset(
    name="resolve_plan_agencies",
    specs=[
        parsed_spec(
            TASK_AGENCIES_KEY,
            ("tasks", "plans"),
            "One row per agency or group a task's lead or coordinating cell names, "
            "matched exactly (after normalization) against the alias registry.",
            ASSIGNMENT_COLUMNS,
            registry=True,
        ),
        parsed_spec(
            AGENCY_QUARANTINE_KEY,
            ("tasks", "indicators", "plans"),
            "Agency names in task and indicator cells that match no alias: the cell, "
            "the fragment and the reason in Vietnamese and English. Never a new agency.",
            QUARANTINE_COLUMNS,
            registry=True,
        ),
    ],
)
def resolve_plan_agencies_asset(
    warehouse: DuckDBWarehouse, source_files: SourceFiles
) -> Iterator[MaterializeResult]:
    # The registry is read from the same CSVs the ref_* assets loaded in this run.
    registry = load_registry(reference_dir(source_files.seeds_path()))
    with warehouse.connect() as con:
        resolved = resolve_plan_agencies(
            read_raw(con, "tasks"), read_raw(con, "indicators"), read_raw(con, "plans"), registry
        )
        assignment_rows = write_parsed(
            con, "task_agencies", ASSIGNMENT_COLUMNS, resolved.task_agencies
        )
        quarantine_rows = write_parsed(
            con, "agency_quarantine", QUARANTINE_COLUMNS, resolved.quarantine
        )
    yield MaterializeResult(
        asset_key=TASK_AGENCIES_KEY,
        metadata={
            ROW_COUNT_KEY: assignment_rows,
            "role_counts": MetadataValue.json(value_counts(resolved.task_agencies, "role")),
        },
    )
    yield MaterializeResult(
        asset_key=AGENCY_QUARANTINE_KEY,
        metadata={
            ROW_COUNT_KEY: quarantine_rows,
            "reason_counts": MetadataValue.json(value_counts(resolved.quarantine, "reason_code")),
        },
    )


@asset(
    key=SEED_LINEAGE_KEY,
    group_name=PARSED_GROUP,
    kinds={"duckdb"},
    deps=[
        raw_key(SOURCE_DOCUMENTS_TABLE),
        *(raw_key(table) for table in SEED_TABLES),
        reference_key(CALENDAR_TABLE),
    ],
    description=(
        "Every seed row's source_file:source_line checked against the verified document: "
        "the line prints the row's code, amount or text (holds), or the reason it does not."
    ),
    metadata=column_schema(LINEAGE_COLUMNS),
)
def verified_seed_lineage(
    warehouse: DuckDBWarehouse, source_files: SourceFiles
) -> MaterializeResult:
    # The same verified documents the raw source_documents asset recorded.
    documents = {doc.source_file: doc for doc in load_documents(source_files.documents_path())}
    with warehouse.connect() as con:
        frames = {table: read_raw(con, table) for table in SEED_TABLES}
        frames[CALENDAR_TABLE] = read_raw(con, raw_table_name(CALENDAR_TABLE))
        frame = seed_lineage(frames, documents)
        rows = write_parsed(con, "seed_lineage", LINEAGE_COLUMNS, frame)
    return MaterializeResult(
        metadata={ROW_COUNT_KEY: rows, "claims_not_holding": int((~frame["holds"]).sum())}
    )


plan_assets = [
    *reference_assets,
    parse_indicator_targets_asset,
    task_deadlines,
    resolve_plan_agencies_asset,
    verified_seed_lineage,
]

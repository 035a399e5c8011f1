"""Dagster assets, check and job for submissions.

The decorated functions only wire the resource and run config to
:func:`~dagster_project.submissions.ingest.ingest_paths` and attach metadata.
The three tables keep the keys ``raw/<table>`` that dbt sources of the same
names get from the translator, so lineage joins up once marts read them.

No ``from __future__ import annotations`` here: Dagster reads the ``context``
and ``config`` annotations at definition time and needs real types.
"""

from collections.abc import Iterator
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    define_asset_job,
    in_process_executor,
    multi_asset,
)

from .ingest import ALREADY_INGESTED, REFUSED_SYNTHETIC, describe, ingest_paths
from .resources import SubmissionsStore
from .store import open_store, table_counts, unbalanced_files

SUBMISSIONS_GROUP = "submissions"
INGEST_OP = "ingest_submissions"
INGEST_JOB = "ingest_submissions_job"
BALANCE_CHECK = "rows_in_equals_loaded_plus_quarantined"

FILES_KEY = AssetKey(["raw", "submission_files"])
ROWS_KEY = AssetKey(["raw", "submission_rows"])
QUARANTINE_KEY = AssetKey(["raw", "submission_quarantine"])
TABLE_KEYS = {
    "submission_files": FILES_KEY,
    "submission_rows": ROWS_KEY,
    "submission_quarantine": QUARANTINE_KEY,
}


class IngestConfig(Config):
    """Files or folders to ingest; empty means the whole landing folder.

    ``allow_synthetic`` admits files marked SYNTHETIC (refused otherwise);
    ``received_at`` is ``ingest_time`` (default) or ``file_mtime``;
    ``accept_unverified`` takes in files whose sender is not verified
    (``nq57 ingest --accept-unverified``).
    """

    paths: list[str] = []
    allow_synthetic: bool = False
    received_at: str = "ingest_time"
    accept_unverified: bool = False


@multi_asset(
    name=INGEST_OP,
    specs=[
        AssetSpec(
            FILES_KEY,
            group_name=SUBMISSIONS_GROUP,
            kinds={"duckdb"},
            description="Manifest of every submission file (sha256, status, row counts, supersession).",
        ),
        AssetSpec(
            ROWS_KEY,
            group_name=SUBMISSIONS_GROUP,
            kinds={"duckdb"},
            description="Loaded submission rows, cells as text plus parsed values; append-only.",
        ),
        AssetSpec(
            QUARANTINE_KEY,
            group_name=SUBMISSIONS_GROUP,
            kinds={"duckdb"},
            description="Rejected files and rows: one entry per broken rule, reasons in Vietnamese and English.",
        ),
    ],
    check_specs=[AssetCheckSpec(BALANCE_CHECK, asset=FILES_KEY, blocking=True)],
)
def ingest_submissions(
    context: AssetExecutionContext, config: IngestConfig, submissions: SubmissionsStore
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Ingest the configured files (or the landing folder) into the submissions store."""
    paths = [Path(p) for p in config.paths] or [submissions.landing_path()]
    store = submissions.store_path()
    outcomes = ingest_paths(
        paths,
        store=store,
        seeds_dir=submissions.seeds_path(),
        limits=submissions.limits(),
        progress=context.log.info,
        received_at_basis=config.received_at,
        allow_synthetic=config.allow_synthetic,
        accept_unverified=config.accept_unverified,
    )
    refused = [o for o in outcomes if o.status == REFUSED_SYNTHETIC]
    for outcome in refused:
        context.log.warning(describe(outcome))
    with open_store(store) as con:
        counts = table_counts(con)
        unbalanced = unbalanced_files(con)
    new = [o for o in outcomes if o.status not in (ALREADY_INGESTED, REFUSED_SYNTHETIC)]
    summary = [
        {
            "file": o.path.name,
            "sha256": o.file_sha256[:12],
            "status": o.status,
            "rows_in": o.rows_in,
            "rows_loaded": o.rows_loaded,
            "rows_quarantined": o.rows_quarantined,
            "reason": o.reason_code,
            "receipt": str(o.receipt_path) if o.receipt_path else None,
        }
        for o in new
    ]
    for table, key in TABLE_KEYS.items():
        metadata = {"dagster/row_count": counts[table], "store": MetadataValue.path(str(store))}
        if key == FILES_KEY:
            metadata["files_this_run"] = MetadataValue.json(summary)
            metadata["already_ingested"] = len(outcomes) - len(new) - len(refused)
            metadata["refused_synthetic"] = MetadataValue.json(
                [{"file": str(o.path), "marker": o.synthetic_marker} for o in refused]
            )
        yield MaterializeResult(asset_key=key, metadata=metadata)
    yield AssetCheckResult(
        asset_key=FILES_KEY,
        check_name=BALANCE_CHECK,
        passed=not unbalanced,
        metadata={"unbalanced_files": MetadataValue.json(unbalanced)},
    )


# In-process: the ingest holds the store's lock and its one DuckDB writer.
ingest_submissions_job = define_asset_job(
    INGEST_JOB,
    selection=AssetSelection.groups(SUBMISSIONS_GROUP),
    executor_def=in_process_executor,
    description="Ingest agency submission files from the landing folder into the submissions store.",
)

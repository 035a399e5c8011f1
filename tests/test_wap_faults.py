"""Fault injection: a faulty build is never published, and the report says why.

For each fault kind the previous publication must stay byte-identical
(sha256 before and after) and the gate's summary.html must name the failed
check. The negative amount enters through a seed and runs the whole of
``nq57 build``. The other faults are ones dbt's own tests would stop before
the gate, or tables the build does not produce yet, so they are written into
the build file after the build step, through the same checks hook the gate
sits on; their build step reproduces the session's real build output rather
than rerunning dbt for each fault.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import OLD_REPORT_FOLDERS, DagsterBuild, RefusedBuild
from test_pipeline_build import file_digest
from test_wap_dagster import NEGATIVE_SOURCE_LINE, step_failure_data

from dagster_project.quality import QualityGateCheck, QualityGateError
from dagster_project.warehouse.gate import prune_reports, report_folders
from dagster_project.warehouse.publish import WarehouseLayout, build_and_publish

BUDGET_FILE = "004_c38ba8cad11c4ac1.txt"


@pytest.fixture(autouse=True)
def no_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def unbalance_budget(con: duckdb.DuckDBPyConnection) -> None:
    """205.106 read as 205.160: the 2026 recurrent line (line 174) no longer sums."""
    con.execute(
        "update marts.fct_budget_lines set amount_million_vnd = 205160 "
        "where budget_line_id = ? and stage = ?",
        ["lang-son-234-2025-fy2026-recurrent-1", "estimate"],
    )


def duplicate_budget_line(con: duckdb.DuckDBPyConnection) -> None:
    """The first loaded budget line twice: (budget_line_id, stage) is no longer a key.

    The gate checks the keys of the tables Python loads; a mart's key is a dbt test.
    """
    con.execute("insert into raw.budget_lines select * from raw.budget_lines limit 1")


def lose_quarantine_row(con: duckdb.DuckDBPyConnection) -> None:
    """A submission file whose counts lose a row: 37 read, 36 loaded, 0 quarantined."""
    con.execute(
        "insert into marts.fct_submission_files "
        "(file_sha256, ingest_seq, source_file, received_at, status, "
        "rows_in, rows_loaded, rows_quarantined) values "
        "(repeat('d', 64), 999, 'nq57_lang-son_so-khcn_2026-01.csv', "
        "timestamp '2026-02-10 03:00:00', 'accepted', 37, 36, 0)"
    )


FAULTS: dict[str, tuple[Callable[[duckdb.DuckDBPyConnection], None], str]] = {
    "unbalanced budget tree": (unbalance_budget, "fct_budget_lines.parent_equals_children"),
    "duplicate key": (duplicate_budget_line, "raw_budget_lines.key_unique"),
    "quarantine count mismatch": (
        lose_quarantine_row,
        "fct_submission_files.rows_in_equals_loaded_plus_quarantined",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_in_the_build_file_blocks_publication(
    fault: str, dagster_build: DagsterBuild, previous_publication: Path, tmp_path: Path
):
    damage, check = FAULTS[fault]
    before = file_digest(previous_publication)
    gate = QualityGateCheck(tmp_path / "reports")

    def build(build_file: Path) -> None:
        shutil.copyfile(dagster_build.published, build_file)

    def inject(build_file: Path) -> None:
        with duckdb.connect(str(build_file)) as con:
            damage(con)

    with pytest.raises(QualityGateError) as blocked:
        build_and_publish(previous_publication, build, checks=[inject, gate])

    assert check in [failure.check for failure in blocked.value.result.blocking_failures]
    assert file_digest(previous_publication) == before
    layout = WarehouseLayout(previous_publication)
    assert list(layout.build_root.iterdir()) == []
    assert not layout.history_root.exists()
    summary = gate.result.report.summary_html.read_text(encoding="utf-8")
    assert "BLOCKED" in summary
    assert check in summary


def test_the_same_build_without_a_fault_is_published(
    dagster_build: DagsterBuild, previous_publication: Path, tmp_path: Path
):
    """The control for the faults above: only the injected damage blocked them."""
    gate = QualityGateCheck(tmp_path / "reports")

    def build(build_file: Path) -> None:
        shutil.copyfile(dagster_build.published, build_file)

    result = build_and_publish(previous_publication, build, checks=[gate])

    assert gate.result.passed
    assert result.history_entry is not None
    assert file_digest(previous_publication) == file_digest(dagster_build.published)


def materialize_publish_asset(published: Path, report_dir: Path):
    """Run ``published/warehouse`` alone on ``published``: it republishes that file's copy."""
    from dagster import DagsterInstance, materialize

    from dagster_project.definitions import warehouse_assets
    from dagster_project.warehouse.publication import QualityReports, published_warehouse_asset
    from dagster_project.warehouse.resources import DuckDBWarehouse, SourceFiles
    from dagster_project.warehouse.target import WarehouseTarget

    with DagsterInstance.ephemeral() as instance:
        return materialize(
            # Built afresh: the one in the definitions has their resources bound.
            [published_warehouse_asset(warehouse_assets)],
            instance=instance,
            resources={
                "warehouse": DuckDBWarehouse(published_path=str(published)),
                "source_files": SourceFiles(),
                "quality_reports": QualityReports(report_dir=str(report_dir)),
                "warehouse_target": WarehouseTarget(),
            },
            raise_on_error=False,
        )


def test_the_publish_asset_refused_by_the_gate_links_the_report_from_its_failure(
    previous_publication: Path, tmp_path: Path
):
    """In Dagster, a gate refusal fails ``published/warehouse``; the failure carries the report.

    The quarantine summary has no asset, so only the gate in the publish asset
    checks it: the run publishes nothing but a copy of the published file, here
    given a quarantine mismatch, and must refuse it.
    """
    with duckdb.connect(str(previous_publication)) as con:
        lose_quarantine_row(con)
    before = file_digest(previous_publication)

    result = materialize_publish_asset(previous_publication, tmp_path / "reports")

    assert not result.success
    refusal = step_failure_data(result)
    assert "fct_submission_files.rows_in_equals_loaded_plus_quarantined" in refusal.description
    summary = Path(refusal.metadata["quality_report"].value)
    assert "fct_submission_files.rows_in_equals_loaded_plus_quarantined" in summary.read_text(
        encoding="utf-8"
    )
    assert refusal.metadata["quality_report_url"].value == summary.resolve().as_uri()
    assert file_digest(previous_publication) == before
    assert list(WarehouseLayout(previous_publication).build_root.iterdir()) == []


def test_nq57_build_refuses_a_negative_amount_and_says_where_it_is(
    refused_negative_build: RefusedBuild,
):
    """``nq57 build --keep-reports 2`` over a copy of the session's publication, with two
    older report folders (conftest.refused_negative_build; test_wap_dagster.py reads its run)."""
    refused = refused_negative_build
    published, reports, err = refused.published, refused.reports, refused.stderr

    assert refused.exit_code == 1
    assert "the quality gate refused to publish" in err
    assert "fct_budget_lines.amount_non_negative" in err
    assert f"{BUDGET_FILE}:{NEGATIVE_SOURCE_LINE}" in err
    assert f"left unchanged: {published}" in err
    assert file_digest(published) == refused.digest_before
    assert list(WarehouseLayout(published).build_root.iterdir()) == []
    (summary_path,) = re.findall(r"quality report: +(\S+)", err)
    summary = Path(summary_path).read_text(encoding="utf-8")
    assert "BLOCKED" in summary
    assert "fct_budget_lines.amount_non_negative" in summary
    assert Path(summary_path).resolve().as_uri() in err
    assert re.search(r"data docs: +\S+index\.html", err)
    assert f"report folders: {reports.resolve()} (the newest 2 are kept)" in err
    assert [folder.name for folder in report_folders(reports)] == [
        OLD_REPORT_FOLDERS[-1],
        Path(summary_path).parent.name,
    ]


def test_pruning_keeps_the_newest_report_folders_and_nothing_else_is_touched(tmp_path: Path):
    for name in ("20250101-000000", "20250101-000000-2", "20250101-000000-10", "20250102-000000"):
        (tmp_path / name).mkdir()
    (tmp_path / "row_count_history.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes").mkdir()

    removed = prune_reports(tmp_path, keep=2)

    assert [p.name for p in removed] == ["20250101-000000", "20250101-000000-2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "20250101-000000-10",
        "20250102-000000",
        "notes",
        "row_count_history.json",
    ]
    with pytest.raises(ValueError):
        prune_reports(tmp_path, keep=0)


def test_a_table_a_bi_user_added_to_the_published_file_does_not_survive_a_rebuild(
    previous_publication: Path, tmp_path: Path
):
    """The publish asset keeps only what the warehouse's assets build, and publishes read-only."""
    import stat

    with duckdb.connect(str(previous_publication)) as con:
        con.execute("create table marts.bi_scratch as select 1 as x")
        con.execute("create schema bi")
        con.execute("create view bi.budget as select * from marts.fct_budget_lines")

    result = materialize_publish_asset(previous_publication, tmp_path / "reports")

    assert result.success
    (metadata,) = [
        e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    ]
    assert set(metadata["dropped_foreign_objects"].value) == {
        "table marts.bi_scratch",
        "view bi.budget",
        "schema bi",
    }
    with duckdb.connect(str(previous_publication), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
        assert ("marts.bi_scratch",) not in tables and ("bi.budget",) not in tables
        assert ("marts.fct_budget_lines",) in tables
    assert stat.S_IMODE(previous_publication.stat().st_mode) == 0o444

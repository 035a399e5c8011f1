"""End to end: `nq57 build` into a temporary warehouse, for real (Dagster, dbt, DuckDB).

One full build per run (conftest.session_build). It uses the committed seeds
(seeds/*.csv) when `nq57 extract` has written them, else the small fixture
seeds copied from the same documents (tests/fixtures/seeds/).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from fixtures.marts import PLAN_MARTS, SUBMISSION_MARTS

from dagster_project.commands import build as build_command
from dagster_project.extract.parsed import amount_in_unit
from dagster_project.extract.schema import SEED_TABLES
from dagster_project.warehouse.dbt_project import dbt_resource
from dagster_project.warehouse.paths import SEEDS_DIR, WAREHOUSE_ENV_VAR, warehouse_env
from dagster_project.warehouse.publish import WarehouseLayout, build_lock

FIXTURE_SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seeds_under_test() -> tuple[Path, str]:
    if all((SEEDS_DIR / f"{table}.csv").exists() for table in SEED_TABLES):
        return SEEDS_DIR, "real-seeds"
    return FIXTURE_SEEDS, "fixture-seeds"


SEEDS, SEEDS_LABEL = seeds_under_test()


@pytest.fixture(scope="session", params=[SEEDS], ids=[SEEDS_LABEL])
def built(session_build):
    """The run's one full build (conftest.session_build): published path, report and stdout."""
    return session_build.published, session_build.report, session_build.stdout


@pytest.fixture(autouse=True)
def no_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


@pytest.fixture
def warehouse(built):
    published, _, _ = built
    con = duckdb.connect(str(published), read_only=True)
    yield con
    con.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_publishes_a_warehouse_with_rows_in_every_mart(built):
    published, report, _ = built

    assert report.published == published
    assert published.exists()
    assert set(report.mart_rows) == PLAN_MARTS | SUBMISSION_MARTS
    plan_marts = {mart: rows for mart, rows in report.mart_rows.items() if mart in PLAN_MARTS}
    assert all(rows > 0 for rows in plan_marts.values()), report.mart_rows
    layout = WarehouseLayout(published)
    assert list(layout.build_root.iterdir()) == []


def test_reported_row_counts_are_the_rows_in_the_published_marts(built, warehouse):
    _, report, _ = built

    for mart, rows in report.mart_rows.items():
        assert warehouse.execute(f'select count(*) from marts."{mart}"').fetchone()[0] == rows


def test_schemas_are_exactly_the_layer_names(warehouse):
    schemas = {
        name
        for (name,) in warehouse.execute(
            "select schema_name from information_schema.schemata where catalog_name = 'nq57'"
        ).fetchall()
    }
    assert {"raw", "staging", "intermediate", "marts"} <= schemas
    assert not any(name.startswith("main_") for name in schemas)


def test_staging_views_still_resolve_after_the_file_is_renamed_into_place(warehouse):
    # The views were created in the build file; they must not name another catalog.
    rows = warehouse.execute("select count(*) from staging.stg_seeds__plans").fetchone()[0]
    assert rows == warehouse.execute("select count(*) from raw.plans").fetchone()[0]
    assert rows > 0


def test_raw_tables_hold_every_seed_row(warehouse):
    for table in SEED_TABLES:
        csv_rows = len((SEEDS / f"{table}.csv").read_text(encoding="utf-8").splitlines()) - 1
        loaded = warehouse.execute(f'select count(*) from raw."{table}"').fetchone()[0]
        # Quoted cells may span lines, so the line count is an upper bound.
        assert 0 < loaded <= csv_rows, table


def test_mart_columns_have_the_contracted_types(warehouse):
    types = dict(
        warehouse.execute(
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'marts'"
        ).fetchall()
    )
    assert types["dim_plans.issue_date"] == "DATE"
    assert types["dim_plans.has_indicator_appendix"] == "BOOLEAN"
    assert types["fct_indicator_targets.target_year"] == "INTEGER"
    assert types["fct_budget_lines.fiscal_year"] == "INTEGER"
    assert types["fct_budget_lines.amount_million_vnd"] == "DECIMAL(18,3)"
    assert types["fct_tasks.source_line"] == "INTEGER"


def test_issue_dates_are_parsed_from_both_printed_formats(warehouse):
    dates = dict(
        warehouse.execute(
            "select plan_id, strftime(issue_date, '%Y-%m-%d') from marts.dim_plans"
        ).fetchall()
    )
    # Printed '14/05/2025' (Nghệ An) and 'ngày 28 tháng 02 năm 2025' (Bắc Kạn).
    assert dates["nghe-an-348-2025"] == "2025-05-14"
    assert dates["bac-kan-131-2025"] == "2025-02-28"


def test_appendix_flags_follow_what_the_text_holds(warehouse):
    flags = {
        plan_id: (has_indicators, has_tasks)
        for plan_id, has_indicators, has_tasks in warehouse.execute(
            "select plan_id, has_indicator_appendix, has_task_appendix from marts.dim_plans"
        ).fetchall()
    }
    # Nghệ An prints both appendices; Lạng Sơn 145 only refers to them.
    assert flags["nghe-an-348-2025"] == (True, True)
    assert flags["lang-son-145-2025"] == (False, False)


def test_budget_amounts_are_read_in_vietnamese_number_format(warehouse):
    amounts = dict(
        warehouse.execute(
            "select budget_line_id || ':' || stage, amount_million_vnd from marts.fct_budget_lines"
        ).fetchall()
    )
    # docs/DOMAIN.md: 2026 estimate 384.172; 2025 investment 56.016,1; 7.976,478 disbursed.
    assert amounts["lang-son-234-2025-fy2026-total:estimate"] == Decimal("384172.000")
    assert amounts["lang-son-234-2025-fy2025-investment:allocated"] == Decimal("56016.100")
    assert amounts["lang-son-234-2025-fy2025-investment-2:disbursed"] == Decimal("7976.478")


def test_targets_the_document_leaves_blank_are_empty_strings(warehouse):
    nulls = warehouse.execute(
        "select count(*) from marts.fct_indicator_targets where target_text is null"
    ).fetchone()[0]
    assert nulls == 0


def test_progress_lines_name_each_step_and_row_counts(built):
    _, report, output = built

    assert "started   raw__source_documents" in output
    assert "finished  raw__plans" in output
    assert f"  built   marts/dim_plans: {report.mart_rows['dim_plans']} rows" in output
    assert "finished  nq57_dbt_models" in output
    # dbt's own log goes to stderr, not into the progress lines.
    assert "START sql" not in output


def copy_seeds(destination: Path) -> Path:
    shutil.copytree(SEEDS, destination)
    return destination


def test_failed_build_exits_non_zero_and_leaves_published_file_untouched(built, tmp_path, capsys):
    published, _, _ = built
    before = file_digest(published)
    seeds = copy_seeds(tmp_path / "seeds")
    plans = seeds / "plans.csv"
    plans.write_text(
        plans.read_text(encoding="utf-8").replace("signer_name", "signer", 1), encoding="utf-8"
    )
    args = build_command_args(published, seeds)

    exit_code = build_command.main(args)

    captured = capsys.readouterr()
    assert exit_code == 1
    assert "step raw__plans failed" in captured.err
    assert "header is" in captured.err
    assert "left unchanged" in captured.err
    assert file_digest(published) == before
    assert list(WarehouseLayout(published).build_root.iterdir()) == []


@pytest.mark.parametrize("refused", ["before the imports", "when its run starts"])
def test_build_refused_while_another_build_holds_the_lock(built, capsys, monkeypatch, refused):
    published, _, _ = built
    before = file_digest(published)
    if refused == "when its run starts":
        # The other build took the lock after this one's early check: the run's own lock refuses.
        monkeypatch.setattr(build_command, "refuse_if_building", lambda layout: None)

    with build_lock(WarehouseLayout(published)):
        exit_code = build_command.main(build_command_args(published, SEEDS, "--full-refresh"))

    assert exit_code == 1
    assert "another nq57 build (pid" in capsys.readouterr().err
    assert file_digest(published) == before


def build_command_args(published: Path, seeds: Path, *extra: str):
    parser = argparse.ArgumentParser()
    build_command.add_arguments(parser)
    return parser.parse_args(
        [
            "--warehouse",
            str(published),
            "--seeds",
            str(seeds),
            "--report-dir",
            str(published.parent / "reports"),
            *extra,
        ]
    )


def test_bad_amounts_and_unbalanced_budgets_fail_dbt_tests(built, tmp_path):
    """Doctor a copy of the built warehouse and rerun the budget models and tests."""
    published, _, _ = built
    doctored = tmp_path / "doctored" / published.name
    doctored.parent.mkdir()
    shutil.copyfile(published, doctored)
    con = duckdb.connect(str(doctored))
    try:
        # '0.60' is not a Vietnamese-format number (extraction leaves its amount
        # empty); 205.107 breaks 324.072 = sum of children.
        for printed, budget_line_id, stage in [
            ("0.60", "lang-son-234-2025-fy2025-recurrent-6", "allocated"),
            ("205.107", "lang-son-234-2025-fy2026-recurrent-1", "estimate"),
        ]:
            value, _ = amount_in_unit({"amount_text": printed, "flags": ""})
            con.execute(
                "update raw.budget_lines set amount_text = ?, amount_in_unit = ? "
                "where budget_line_id = ? and stage = ?",
                [printed, value, budget_line_id, stage],
            )
    finally:
        con.close()

    with warehouse_env(doctored):
        invocation = dbt_resource().cli(
            ["build", "--select", "int_budget_lines_parsed+"],
            raise_on_error=False,
            target_path=tmp_path / "dbt-target",
        )
        invocation.wait()
    results = {}
    for result in invocation.get_artifact("run_results.json")["results"]:
        resource_type, _, name = result["unique_id"].split(".")[:3]
        results[(resource_type, name)] = result["status"]

    assert results[("test", "not_null_fct_budget_lines_amount_million_vnd")] == "fail"
    assert results[("test", "assert_budget_children_sum_to_parent")] == "fail"
    assert results[("model", "fct_budget_lines")] == "success"


def test_warehouse_env_var_is_restored_after_dbt_runs(monkeypatch, tmp_path):
    monkeypatch.setenv(WAREHOUSE_ENV_VAR, "/somewhere/else.duckdb")

    with warehouse_env(tmp_path / "nq57.duckdb"):
        assert os.environ[WAREHOUSE_ENV_VAR] == str(tmp_path / "nq57.duckdb")

    assert os.environ[WAREHOUSE_ENV_VAR] == "/somewhere/else.duckdb"


def test_a_changed_source_document_stops_the_run_before_any_seed_is_loaded(built, tmp_path):
    from dagster import DagsterInstance

    from dagster_project.definitions import defs
    from dagster_project.extract.documents import SOURCE_DIR
    from dagster_project.warehouse.resources import DuckDBWarehouse, SourceFiles

    documents = tmp_path / "source_documents"
    shutil.copytree(SOURCE_DIR, documents)
    tampered = sorted(documents.glob("*.txt"))[0]
    tampered.write_text(tampered.read_text(encoding="utf-8") + "sửa đổi\n", encoding="utf-8")
    job = defs.resolve_job_def("build_warehouse")

    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            resources={
                "warehouse": DuckDBWarehouse(path=str(tmp_path / "nq57.duckdb")),
                "source_files": SourceFiles(seeds_dir=str(SEEDS), documents_dir=str(documents)),
            },
            raise_on_error=False,
        )

    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert failure.step_key == "raw__source_documents"
    error = failure.event_specific_data.error
    while error.cause is not None:
        error = error.cause
    assert f"{tampered.name}: sha256" in error.message
    assert result.get_asset_materialization_events() == []


def test_seeds_dir_carries_its_source_documents(built, tmp_path, capsys):
    """``--seeds DIR`` verifies against ``DIR/source_documents``: a changed copy stops the build."""
    published, _, _ = built
    before = file_digest(published)
    seeds = copy_seeds(tmp_path / "seeds")
    documents = seeds / "source_documents"
    if not documents.is_dir():
        shutil.copytree(SEEDS_DIR / "source_documents", documents)
    tampered = sorted(documents.glob("*.txt"))[0]
    tampered.write_text(tampered.read_text(encoding="utf-8") + "sửa đổi\n", encoding="utf-8")

    exit_code = build_command.main(build_command_args(published, seeds))

    captured = capsys.readouterr()
    assert exit_code == 1
    assert f"source documents from {documents.resolve()}" in captured.out
    assert "step raw__source_documents failed" in captured.err
    assert f"{tampered.name}: sha256" in captured.err
    assert file_digest(published) == before


def test_seeds_dir_without_documents_says_which_documents_it_uses(tmp_path):
    from dagster_project.warehouse.build import documents_for

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    assert documents_for(None) is None
    assert documents_for(seeds) is None
    (seeds / "source_documents").mkdir()
    assert documents_for(seeds) == (seeds / "source_documents").resolve()

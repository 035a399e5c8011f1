"""A failed dbt test or an errored model becomes a blocking gate result with its failing rows."""

from __future__ import annotations

import duckdb

from dagster_project.quality.results import FAILED
from dagster_project.warehouse.dbt_failures import DBT_VALIDATION, TODO, dbt_failures
from expectations.base import ERROR

TEST_ID = "test.nq57.not_null_fct_tasks_task_key.abc"
MODEL_ID = "model.nq57.fct_budget_lines"
MANIFEST = {
    "nodes": {
        "model.nq57.fct_tasks": {
            "schema": "marts",
            "name": "fct_tasks",
            "relation_name": "marts.fct_tasks",
        },
        TEST_ID: {
            "name": "not_null_fct_tasks_task_key",
            "attached_node": "model.nq57.fct_tasks",
            "column_name": "task_key",
            "test_metadata": {"name": "not_null", "kwargs": {"column_name": "task_key"}},
            "description": "Every task has a key.",
        },
        MODEL_ID: {
            "schema": "marts",
            "name": "fct_budget_lines",
            "original_file_path": "models/marts/fct_budget_lines.sql",
        },
    }
}
RUN_RESULTS = {
    "results": [
        {
            "unique_id": TEST_ID,
            "status": "fail",
            "failures": 1,
            "message": "Got 1 result, configured to fail if != 0\nmore",
            "compiled_code": "select task_key from marts.fct_tasks where task_key is null",
        },
        {"unique_id": MODEL_ID, "status": "error", "message": "Binder Error: no column x"},
        {"unique_id": "model.nq57.dim_plans", "status": "success", "message": "OK"},
    ]
}


def test_a_failed_test_and_an_errored_model_are_blocking_results(tmp_path):
    warehouse = tmp_path / "nq57.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_tasks (task_key varchar, source_line integer)")
        con.execute("insert into marts.fct_tasks values ('I.1', 3), (null, 7)")
    failed_test, errored_model = dbt_failures(RUN_RESULTS, MANIFEST, warehouse)

    assert (failed_test.table, failed_test.check) == ("marts.fct_tasks", TEST_ID.split(".")[2])
    assert failed_test.expectation_type == "dbt not_null"
    assert failed_test.columns == ("task_key",)
    assert failed_test.unexpected_count == 1
    assert failed_test.samples == ({"task_key": None, "source_line": 7},)
    assert failed_test.note == "Got 1 result, configured to fail if != 0"
    assert (failed_test.why, failed_test.todo) == ("Every task has a key.", TODO)

    assert (errored_model.table, errored_model.check) == (
        "marts.fct_budget_lines",
        "fct_budget_lines",
    )
    assert errored_model.expectation_type == "dbt model"
    assert errored_model.columns == ()
    assert errored_model.note == "Binder Error: no column x"
    assert errored_model.why == "dbt could not build models/marts/fct_budget_lines.sql"

    for result in (failed_test, errored_model):
        assert (result.validation, result.severity, result.status) == (
            DBT_VALIDATION,
            ERROR,
            FAILED,
        )

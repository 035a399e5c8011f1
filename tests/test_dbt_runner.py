"""A failed in-process dbt command names the log dbt wrote, wherever its log path is."""

from __future__ import annotations

import pytest

from dagster_project.warehouse import dbt_project
from dagster_project.warehouse.dbt_runner import invoke
from dagster_project.warehouse.paths import DBT_PROJECT_DIR, warehouse_env


@pytest.mark.parametrize("own_log_path", [True, False], ids=["log-path", "default"])
def test_a_failed_command_names_the_log_dbt_wrote(tmp_path, own_log_path):
    warehouse = tmp_path / "nq57.duckdb"
    target = tmp_path / "target"
    log_args = ["--log-path", str(tmp_path / "logs")] if own_log_path else []
    expected = (tmp_path / "logs" if own_log_path else DBT_PROJECT_DIR / "logs") / "dbt.log"
    command = [
        "run-operation",
        "no_such_macro",
        *dbt_project._dbt_location_args(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        *log_args,
    ]
    manifest = dbt_project.parsed_manifest(warehouse)
    logged_before = expected.stat().st_size if expected.exists() else 0

    with warehouse_env(warehouse):
        run = invoke(command, manifest_object=manifest, target_path=target, manifest={})

    assert not run.success
    description = run.get_error().description
    assert "no_such_macro" in description
    assert description.splitlines()[-1] == f"dbt's log: {expected}"
    with expected.open("rb") as log:
        log.seek(logged_before)
        assert b"no_such_macro" in log.read()

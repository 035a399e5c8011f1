"""``prepare_manifest`` parses only when the manifest is not the one a parse would write."""

from __future__ import annotations

import os

import pytest

from dagster_project.warehouse import dbt_project


@pytest.fixture
def parses(monkeypatch) -> list[tuple[str, ...]]:
    """The dbt commands prepare_manifest runs (really run), in order."""
    calls: list[tuple[str, ...]] = []
    real = dbt_project._run_dbt

    def recorded(*args, warehouse):
        calls.append(args)
        return real(*args, warehouse=warehouse)

    monkeypatch.setattr(dbt_project, "_run_dbt", recorded)
    return calls


def test_a_current_manifest_is_not_parsed_again_and_a_rewritten_one_is(tmp_path, parses):
    warehouse = tmp_path / "nq57.duckdb"
    dbt_project.prepare_manifest(warehouse)
    parses.clear()

    dbt_project.prepare_manifest(warehouse)
    assert parses == []

    # dbt run by hand rewrote the manifest (for whatever path it was given).
    manifest = dbt_project.DBT_PROJECT.manifest_path
    os.utime(manifest, ns=(manifest.stat().st_atime_ns, manifest.stat().st_mtime_ns + 10**9))
    dbt_project.prepare_manifest(warehouse)
    assert parses == [("parse",)]


def test_another_warehouse_path_or_dbt_environment_means_a_parse(tmp_path, parses, monkeypatch):
    dbt_project.prepare_manifest(tmp_path / "nq57.duckdb")
    stamp = dbt_project._manifest_stamp(tmp_path / "nq57.duckdb")

    assert dbt_project._manifest_stamp(tmp_path / "other" / "nq57.duckdb") != stamp
    monkeypatch.setenv("NQ57_DBT_TARGET", "postgres")
    assert dbt_project._manifest_stamp(tmp_path / "nq57.duckdb") != stamp

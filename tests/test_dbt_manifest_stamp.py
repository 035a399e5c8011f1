"""``prepare_manifest`` parses only when the manifest is not the one a parse would write."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import nullcontext

import pytest

from dagster_project.warehouse import dbt_project


@pytest.fixture
def parses(monkeypatch) -> Iterator[list[tuple[str, ...]]]:
    """The dbt commands prepare_manifest runs (really run), in order.

    The test holds dbt/target's parse lock throughout: under ``make test`` a
    build in another worker or process (with another stamp, e.g.
    ``NQ57_TEST_PAUSE_AT`` set) would otherwise parse, and rewrite the files
    the test wrote or counts on, between two of its steps.
    """
    calls: list[tuple[str, ...]] = []
    real = dbt_project._run_dbt

    def recorded(*args, warehouse):
        calls.append(args)
        return real(*args, warehouse=warehouse)

    monkeypatch.setattr(dbt_project, "_run_dbt", recorded)
    with dbt_project._parse_lock():
        monkeypatch.setattr(dbt_project, "_parse_lock", nullcontext)
        yield calls


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


def test_another_build_file_name_or_dbt_environment_means_a_parse_another_folder_does_not(
    tmp_path, monkeypatch
):
    stamp = dbt_project._manifest_stamp(tmp_path / "nq57.duckdb")

    # The folder is in no field of the manifest; the name gives the nodes' database.
    assert dbt_project._manifest_stamp(tmp_path / "other" / "nq57.duckdb") == stamp
    assert dbt_project._manifest_stamp(tmp_path / "other.duckdb") != stamp
    monkeypatch.setenv("NQ57_DBT_TARGET", "postgres")
    assert dbt_project._manifest_stamp(tmp_path / "nq57.duckdb") != stamp


def test_settings_dbt_never_reads_mean_no_parse_and_dbts_own_are_all_stamped(tmp_path, monkeypatch):
    stamp = dbt_project._manifest_stamp(tmp_path / "nq57.duckdb")
    for name in sorted(dbt_project.NOT_READ_BY_DBT):
        monkeypatch.setenv(name, "/somewhere/else")
    assert dbt_project._manifest_stamp(tmp_path / "nq57.duckdb") == stamp
    monkeypatch.setenv("NQ57_DUCKDB_MEMORY_LIMIT", "1GB")
    assert dbt_project._manifest_stamp(tmp_path / "nq57.duckdb") != stamp

    # Every variable a dbt file names in env_var() (profile, project, models,
    # macros, packages) is in the stamp, but NQ57_WAREHOUSE: dbt parses with a
    # warehouse path of its own (_parse_path), whatever the variable says.
    read = {
        match.group(2)
        for path in dbt_project.DBT_PROJECT_DIR.rglob("*")
        if path.suffix in (".yml", ".yaml", ".sql", ".md")
        and not {"target", "logs"} & set(path.relative_to(dbt_project.DBT_PROJECT_DIR).parts)
        for match in re.finditer(
            r"env_var\(\s*(['\"])([^'\"]+)\1", path.read_text(encoding="utf-8")
        )
    }
    assert {"NQ57_DBT_TARGET", "NQ57_WAREHOUSE", "NQ57_PG_DBNAME"} <= read
    assert read & dbt_project.NOT_READ_BY_DBT == {dbt_project.WAREHOUSE_ENV_VAR}


def nodes(manifest) -> dict[str, tuple]:
    return {
        unique_id: (node.database, node.schema, node.relation_name, node.checksum.checksum)
        for unique_id, node in manifest.nodes.items()
    }


def test_a_manifest_another_process_parsed_is_read_from_dbts_file_for_any_folder(
    tmp_path, parses, monkeypatch
):
    parsed = dbt_project.parsed_manifest(tmp_path / "a" / "nq57.duckdb")
    parses.clear()
    # This process has parsed nothing: another one left the stamp and dbt's files.
    monkeypatch.setattr(dbt_project, "_PARSED", {})

    read = dbt_project.parsed_manifest(tmp_path / "b" / "nq57.duckdb")

    assert parses == []
    assert nodes(read) == nodes(parsed)
    read_dict, parsed_dict = (m.writable_manifest().to_dict() for m in (read, parsed))
    # The metadata names the invocation that made it (the parse, or a partial one since).
    assert {**read_dict, "metadata": None} == {**parsed_dict, "metadata": None}
    # The database dbt builds into is the build file's name, wherever the file is.
    assert {database for database, *_ in nodes(read).values()} == {"nq57"}
    assert str(tmp_path) not in (dbt_project.DBT_PROJECT.manifest_path).read_text()


def test_a_partial_parse_file_of_another_dbt_version_is_parsed_again(tmp_path, parses, monkeypatch):
    from dbt.parser.manifest import extended_mashumaro_encoder

    warehouse = tmp_path / "nq57.duckdb"
    manifest = dbt_project.parsed_manifest(warehouse)
    manifest.metadata.dbt_version = "1.0.0"
    target = dbt_project.DBT_PROJECT.manifest_path.parent
    # As if the dbt that wrote the file and its stamp line were another one.
    (target / dbt_project.PARTIAL_PARSE_FILE).write_bytes(
        manifest.to_msgpack(extended_mashumaro_encoder)
    )
    stamp = dbt_project._manifest_stamp(warehouse)
    (target / dbt_project.MANIFEST_STAMP).write_text(dbt_project._stamp_line(target, stamp))
    monkeypatch.setattr(dbt_project, "_PARSED", {})
    parses.clear()

    again = dbt_project.parsed_manifest(warehouse)

    assert parses == [("parse",)]
    assert again.metadata.dbt_version != "1.0.0"

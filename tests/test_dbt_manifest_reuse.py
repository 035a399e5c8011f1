"""A build of a warehouse in another folder reuses the parse another process made.

The manifest depends on the build file's name, not its folder (see
``dbt_project.prepare_manifest``): a build elsewhere reads the Manifest from
dbt's ``partial_parse.msgpack`` instead of running ``dbt parse``, and its marts
are those a full refresh of the same seeds publishes.

The build here is the incremental one of a copy of the session's warehouse in
a folder no build ran in, from the seeds with one deadline changed: dbt
builds the models that read the tasks, from the manifest as a full build does
(``prepare_manifest``, then ``parsed_manifest``), and the full refresh it is
compared with is the run's one (``fixtures.incremental``).
"""

from __future__ import annotations

import io
import shutil

import pytest
from fixtures.incremental import changed_seeds_full_build  # noqa: F401 (fixture)
from test_build_incremental import mart_hashes
from test_dbt_manifest_stamp import parses  # noqa: F401 (fixture)
from test_pipeline_build import built  # noqa: F401 (fixture)

from dagster_project.commands.build import run_build
from dagster_project.warehouse import dbt_project


@pytest.fixture(autouse=True)
def no_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def test_a_build_in_another_folder_parses_nothing_and_publishes_the_same_marts(
    built,  # noqa: F811
    changed_seeds_full_build,  # noqa: F811
    tmp_path,
    parses,  # noqa: F811
    monkeypatch,
):
    session_published, _, _ = built
    elsewhere = tmp_path / "elsewhere" / "nq57.duckdb"
    elsewhere.parent.mkdir()
    shutil.copyfile(session_published, elsewhere)
    # Another process's parse (the session build may have run in another
    # worker, with the stamp another test left since): its stamp and dbt's files.
    dbt_project.prepare_manifest(tmp_path / "parsed" / "nq57.duckdb")
    monkeypatch.setattr(dbt_project, "_PARSED", {})
    parses.clear()

    report = run_build(
        published=elsewhere,
        seeds_dir=changed_seeds_full_build.seeds,
        report_dir=tmp_path / "reports",
        out=io.StringIO(),
    )

    # dbt built the models that read the tasks: it had a manifest to build from.
    assert report.plan is not None and report.plan.changed == ("seed:tasks",)
    assert parses == []
    assert mart_hashes(elsewhere) == mart_hashes(changed_seeds_full_build.published)

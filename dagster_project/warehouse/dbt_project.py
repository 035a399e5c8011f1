"""The dbt project, its manifest, and how dbt nodes become Dagster assets.

The translator is the one place that decides asset keys and groups: a dbt
source table ``<schema>.<table>`` (``raw.plans``, ``parsed.task_deadlines``)
is the asset ``[<schema>, <table>]`` that the Python assets materialize, so
lineage joins up; a model is ``[<schema>, <name>]`` and is grouped by the
folder it lives in (staging, intermediate, marts).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject

from .paths import DBT_PROJECT_DIR, WAREHOUSE_ENV_VAR, warehouse_path

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# dbt as installed beside this interpreter (`.venv/bin/nq57` runs fine without
# the venv being activated, and then `dbt` is not on PATH): `nq57-dbt`, which is
# dbt bound to die with the process that starts it (see dbt_child), else dbt.
_DBT_BESIDE_PYTHON = (
    Path(sys.executable).with_name("nq57-dbt"),
    Path(sys.executable).with_name("dbt"),
)


def _dbt_executable() -> str:
    return next((str(path) for path in _DBT_BESIDE_PYTHON if path.exists()), "dbt")


def dbt_resource() -> DbtCliResource:
    """The dbt CLI resource for the nq57 project."""
    # Plain text: dbt's colour codes would otherwise end up in error messages.
    return DbtCliResource(
        project_dir=DBT_PROJECT,
        dbt_executable=_dbt_executable(),
        global_config_flags=["--no-use-colors"],
    )


class Nq57DbtTranslator(DagsterDbtTranslator):
    """Asset keys ``[schema, name]`` and groups named after the model folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        # Sources and models alike: the schema the table lives in, then its name.
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return dbt_resource_props["schema"]
        # fqn is [project, folder, ..., name]; the first folder is the layer.
        fqn = dbt_resource_props["fqn"]
        return fqn[1] if len(fqn) > 2 else None


class DbtParseError(RuntimeError):
    """``dbt parse`` failed: the project does not compile."""


def _run_dbt(*args: str, warehouse: Path) -> None:
    """Run dbt in its own process, with ``NQ57_WAREHOUSE`` set for it alone."""
    env = {
        **os.environ,
        WAREHOUSE_ENV_VAR: os.fspath(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    completed = subprocess.run(
        [_dbt_executable(), *args, "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR)],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise DbtParseError(
            f"dbt {args[0]} failed in {DBT_PROJECT_DIR}:\n{completed.stdout}{completed.stderr}".rstrip()
        )


@contextmanager
def _parse_lock() -> Iterator[None]:
    """One ``dbt deps`` and ``dbt parse`` at a time on this project, waiting for the other.

    Concurrent builds (two test workers, ``dagster dev`` beside ``nq57
    build``) share ``dbt/target``: two parses writing ``manifest.json`` and
    ``partial_parse.msgpack`` at once could leave one reading the other's
    half-written file. ``flock`` dies with its process, so a kill frees it.
    """
    target = Path(DBT_PROJECT.manifest_path).parent
    target.mkdir(parents=True, exist_ok=True)
    fd = os.open(target / ".parse.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def prepare_manifest(warehouse: Path | None = None) -> Path:
    """Install the vendored packages if needed, then ``dbt parse`` so the manifest matches the models.

    A plain subprocess rather than ``DbtCliResource.cli``: the resource also
    sets up a dbt adapter in this process, which doubles the time of a parse.
    The profile needs a warehouse path even to parse; the database name dbt
    records comes from its file name, which builds keep unchanged. The
    packages (dbt/packages.yml) are local, so ``dbt deps`` needs no network.
    """
    path = warehouse or warehouse_path()
    with _parse_lock():
        if not (DBT_PROJECT_DIR / "dbt_packages" / "dbt_utils").exists():
            _run_dbt("deps", warehouse=path)
        _run_dbt("parse", warehouse=path)
    return DBT_PROJECT.manifest_path


def prepare_manifest_if_dev() -> None:
    """Re-parse when loaded by ``dagster dev`` (dagster-dbt's test for it), as
    ``DbtProject.prepare_if_dev`` does; its preparer is not used because it runs
    whichever ``dbt`` is on PATH, without the warehouse path the profile needs.

    Other entry points (``nq57 build``, tests) call :func:`prepare_manifest`
    themselves before importing the definitions.
    """
    if DBT_PROJECT.preparer.using_dagster_dev():
        prepare_manifest()

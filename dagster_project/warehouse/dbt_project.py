"""The dbt project, its manifest, and how dbt nodes become Dagster assets.

The translator is the one place that decides asset keys and groups: a dbt
source table ``<schema>.<table>`` (``raw.plans``, ``parsed.task_deadlines``)
is the asset ``[<schema>, <table>]`` that the Python assets materialize, so
lineage joins up; a model is ``[<schema>, <name>]`` and is grouped by the
folder it lives in (staging, intermediate, marts).
"""

from __future__ import annotations

import fcntl
import hashlib
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
# Beside the manifest: what the last ``dbt parse`` was run for (see prepare_manifest).
MANIFEST_STAMP = "manifest.stamp"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# dbt as installed beside this interpreter (`.venv/bin/nq57` runs fine without
# the venv being activated, and then `dbt` is not on PATH): `nq57-dbt`, which is
# dbt bound to die with the process that starts it (see dbt_child), else dbt.
_DBT_BESIDE_PYTHON = (
    Path(sys.executable).with_name("nq57-dbt"),
    Path(sys.executable).with_name("dbt"),
)


def _dbt_executable() -> str:
    return next((str(path) for path in _DBT_BESIDE_PYTHON if path.exists()), "dbt")


class Nq57DbtCliResource(DbtCliResource):
    """dagster-dbt's resource without the dbt adapter it sets up in this process.

    dagster-dbt builds a dbt adapter in the calling process before each
    invocation, only to read column metadata and row counts from it when asked
    (``fetch_column_metadata``, ``fetch_row_counts``); nq57 asks for neither
    (the build counts rows itself, after dbt exits). Setting it up imports
    dbt-core and loads the profile and project again: seconds of every build.
    """

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    """The dbt CLI resource for the nq57 project."""
    # Plain text: dbt's colour codes would otherwise end up in error messages.
    return Nq57DbtCliResource(
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

    The parse is skipped when the last one was for the same code, packages,
    warehouse path and dbt environment (a stamp beside the manifest says so):
    the manifest on disk is then the one a parse would write.

    A plain subprocess rather than ``DbtCliResource.cli``: the resource also
    sets up a dbt adapter in this process, which doubles the time of a parse.
    The profile needs a warehouse path even to parse; the database name dbt
    records comes from its file name, which builds keep unchanged. The
    packages (dbt/packages.yml) are local, so ``dbt deps`` needs no network.
    """
    path = warehouse or warehouse_path()
    stamp_path = Path(DBT_PROJECT.manifest_path).with_name(MANIFEST_STAMP)
    with _parse_lock():
        if not (DBT_PROJECT_DIR / "dbt_packages" / "dbt_utils").exists():
            _run_dbt("deps", warehouse=path)
        stamp = _manifest_stamp(path)
        if not _manifest_current(stamp_path, stamp):
            stamp_path.unlink(missing_ok=True)
            _run_dbt("parse", warehouse=path)
            stamp_path.write_text(_stamp_line(stamp_path.parent, stamp), encoding="utf-8")
    return DBT_PROJECT.manifest_path


def _manifest_stamp(warehouse: Path) -> str:
    """What a parse depends on: the code, the dbt packages, the warehouse path, dbt's environment.

    The path is in it because dbt re-parses when the profile changes, and the
    database name it writes into the manifest comes from the file name.
    """
    from .inputs import code_fingerprint

    digest = hashlib.sha256()
    digest.update(code_fingerprint().encode("ascii"))
    for name in ("packages.yml", "package-lock.yml"):
        package_file = DBT_PROJECT_DIR / name
        if package_file.is_file():
            digest.update(name.encode("utf-8") + b"\0" + package_file.read_bytes())
    digest.update(b"\0" + os.fsencode(Path(warehouse).resolve()))
    for key, value in sorted(os.environ.items()):
        if key.startswith(("NQ57_", "DBT_")) and key != WAREHOUSE_ENV_VAR:
            digest.update(f"\0{key}={value}".encode())
    return digest.hexdigest()


def _stamp_line(target: Path, stamp: str) -> str:
    # With the files' sizes and times: a dbt run by hand in dbt/ rewrites them.
    files = [target / "manifest.json", target / PARTIAL_PARSE_FILE]
    return " ".join([stamp, *(f"{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)])


def _manifest_current(stamp_path: Path, stamp: str) -> bool:
    """The manifest and dbt's partial-parse file are those a parse with this stamp wrote."""
    try:
        return stamp_path.read_text(encoding="utf-8") == _stamp_line(stamp_path.parent, stamp)
    except OSError:
        return False


def prepare_manifest_if_dev() -> None:
    """Re-parse when loaded by ``dagster dev`` (dagster-dbt's test for it), as
    ``DbtProject.prepare_if_dev`` does; its preparer is not used because it runs
    whichever ``dbt`` is on PATH, without the warehouse path the profile needs.

    Other entry points (``nq57 build``, tests) call :func:`prepare_manifest`
    themselves before importing the definitions.
    """
    if DBT_PROJECT.preparer.using_dagster_dev():
        prepare_manifest()

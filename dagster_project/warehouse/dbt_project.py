"""The dbt project, its manifest, and how dbt nodes become Dagster assets.

The translator is the one place that decides asset keys and groups: a dbt
source table ``<schema>.<table>`` (``raw.plans``, ``parsed.task_deadlines``)
is the asset ``[<schema>, <table>]`` that the Python assets materialize, so
lineage joins up; a model is ``[<schema>, <name>]`` and is grouped by the
folder it lives in (staging, intermediate, marts).
"""

from __future__ import annotations

import hashlib
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject
from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
from packaging.version import Version

from dagster_project.locks import exclusive_lock

from .build import DbtParseError
from .dbt_runner import InProcessDbt, invoke, run_dbt
from .paths import DBT_PROJECT_DIR, WAREHOUSE_ENV_VAR, warehouse_env, warehouse_path

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Beside the manifest: what the last ``dbt parse`` was run for (see prepare_manifest).
MANIFEST_STAMP = "manifest.stamp"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# nq57's own settings that nothing dbt parses reads (no ``env_var`` names them in
# dbt/; tests/test_dbt_manifest_stamp.py checks): left out of the manifest stamp, so
# setting one (a PostgreSQL URL, a test's pause point) costs no parse. The URL reaches
# dbt only as the profile's ``NQ57_PG_*``, set while dbt builds on that target.
NOT_READ_BY_DBT = frozenset(
    {
        WAREHOUSE_ENV_VAR,  # the folder is not in the parse (see prepare_manifest)
        "NQ57_TEST_PAUSE_AT",
        "NQ57_POSTGRES_URL",
        "NQ57_LANDING",
        "NQ57_DAGSTER_POSTGRES_URL",
        "NQ57_TEST_POSTGRES_URL",
        "NQ57_TEST_ARTIFACTS",
        "NQ57_UPDATE_SNAPSHOTS",
    }
)
# A parse waits this long for another one on the same dbt/target (a cold parse
# under load takes minutes), then names the process holding the lock.
PARSE_LOCK_WAIT_SECONDS = 900
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
    """dagster-dbt's resource without the dbt adapter it sets up in this process,
    and without running dbt once more to learn its version.

    dagster-dbt builds a dbt adapter in the calling process before each
    invocation, only to read column metadata and row counts from it when asked
    (``fetch_column_metadata``, ``fetch_row_counts``); nq57 asks for neither
    (the build counts rows itself, after dbt exits). Setting it up imports
    dbt-core and loads the profile and project again: seconds of every build.
    """

    def _initialize_dbt_core_adapter(self, args):
        return None

    @cached_property
    def _cli_version(self) -> Version:
        """dbt-core's version as installed here, which is the dbt the resource runs.

        dagster-dbt asks ``dbt --version`` in a subprocess on every invocation
        (the resource is made anew for each run): a second dbt start, about
        as long as the build of a few models.
        """
        return Version(metadata.version("dbt-core"))

    def build_in_process(
        self, args: Sequence[str], *, context, manifest_object: Any = None
    ) -> InProcessDbt:
        """``dbt <args>`` on the step's selection, in this process (see ``dbt_runner``).

        ``manifest_object`` is the parsed ``Manifest`` (:func:`parsed_manifest`);
        None lets dbt parse first, in the invocation's own target folder. The
        selection, the manifest and the translator are dagster-dbt's, as
        :meth:`cli` computes them, and so are the events (see ``InProcessDbt``).
        """
        params = get_updated_cli_invocation_params_for_context(
            context=context, manifest={}, dagster_dbt_translator=DagsterDbtTranslator()
        )
        project_dir = Path(
            params.dbt_project.project_dir if params.dbt_project else DBT_PROJECT_DIR
        )
        # One folder per invocation, as dagster-dbt makes (run_results.json, dbt.log).
        target_path = Path(DBT_PROJECT.manifest_path).parent / (
            f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-"
            f"{uuid.uuid4().hex[:7]}"
        )
        indirect = (
            ["--indirect-selection", params.indirect_selection] if params.indirect_selection else []
        )
        command = [
            *args,
            *params.selection_args,
            *indirect,
            *_dbt_location_args(project_dir),
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path),
            # Not the manifest.json dbt would write again (see dbt_runner.invoke).
            "--no-write-json",
        ]
        return invoke(
            command,
            manifest_object=manifest_object,
            manifest=params.manifest,
            translator=params.dagster_dbt_translator,
            project=params.dbt_project,
            context=context,
            target_path=target_path,
        )


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


def run_dbt_on(warehouse: Path, *args: str) -> Any:
    """``dbt <args>`` on ``warehouse`` in this process, with the manifest parsed for it.

    For the commands besides a build (``dbt docs generate`` for the site): no
    interpreter to start and, the manifest being current, no parse. Raises
    :class:`DbtParseError` with dbt's error lines when the command fails.
    """
    return _run_dbt(*args, warehouse=warehouse, manifest=parsed_manifest(warehouse))


def _run_dbt(*args: str, warehouse: Path, manifest: Any = None) -> Any:
    """``dbt <args>`` in this process (dbt's Python API), ``NQ57_WAREHOUSE`` set meanwhile.

    ``manifest``: a parsed ``Manifest`` dbt uses instead of parsing (None: dbt
    parses). Returns dbt's result (the ``Manifest`` of a parse); raises
    :class:`DbtParseError` with dbt's error lines when the command fails.
    """
    errors: list[str] = []

    def collect(message) -> None:
        if message.info.level == "error":
            errors.append(message.info.msg)

    command = [*args, "--quiet", *_dbt_location_args(DBT_PROJECT_DIR)]
    with warehouse_env(warehouse):
        outcome = run_dbt(command, manifest_object=manifest, callbacks=[collect])
    if not outcome.success:
        details = [*errors, *([str(outcome.exception)] if outcome.exception else [])]
        raise DbtParseError("\n".join([f"dbt {args[0]} failed in {DBT_PROJECT_DIR}:", *details]))
    return outcome.result


def _dbt_location_args(project_dir: Path) -> list[str]:
    """Where dbt finds the project and profile; no usage statistics sent, no colour codes."""
    return [
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--no-send-anonymous-usage-stats",
        "--no-use-colors",
    ]


def _parse_lock() -> AbstractContextManager[None]:
    """One ``dbt deps`` and ``dbt parse`` at a time on this project, waiting for the other.

    Concurrent builds (two test workers, ``dagster dev`` beside ``nq57
    build``) share ``dbt/target``: two parses writing ``manifest.json`` and
    ``partial_parse.msgpack`` at once could leave one reading the other's
    half-written file. The lock dies with its process, so a kill frees it.
    """
    target = Path(DBT_PROJECT.manifest_path).parent
    return exclusive_lock(target / ".parse.lock", timeout_seconds=PARSE_LOCK_WAIT_SECONDS)


def prepare_manifest(warehouse: Path | None = None) -> Path:
    """Install the vendored packages if needed, then ``dbt parse`` so the manifest matches the models.

    The parse is skipped when the last one was for the same code, packages,
    dbt version, build file name and dbt environment (a stamp beside the
    manifest says so): the manifest on disk is then the one a parse would
    write. The folder of ``warehouse`` is not part of it: nothing dbt parses
    depends on it (the database name in the nodes comes from the file name,
    which builds keep unchanged), and dbt parses with a path of its own (see
    :func:`_parse_path`), so a warehouse elsewhere costs no parse.

    dbt runs in this process (see ``dbt_runner``); the ``Manifest`` a parse
    returns is kept for the build's ``dbt build`` (see :func:`parsed_manifest`).
    The packages (dbt/packages.yml) are local, so ``dbt deps`` needs no network.
    """
    path = warehouse or warehouse_path()
    with _parse_lock():
        _prepared(path)
    return DBT_PROJECT.manifest_path


def parsed_manifest(warehouse: Path) -> Any:
    """dbt's ``Manifest`` for builds of ``warehouse``, parsed once per stamp.

    A stamp that is current but parsed by another process (the ``nq57 build``
    before this one) costs reading the ``partial_parse.msgpack`` that parse
    wrote, as dbt reads it before a partial parse (see :func:`_saved_manifest`).
    """
    with _parse_lock():
        line = _prepared(warehouse)
        if line in _PARSED:
            return _manifest_copy(_PARSED[line])
        saved = _saved_manifest(line)
        if saved is not None:
            return saved
        # The parse rewrites dbt's files, so it leaves a stamp line of its own.
        line, manifest = _parse(warehouse)
        _remember(line, manifest)
        return _manifest_copy(_PARSED[line])


# The Manifest parsed in this process, serialized as dbt's partial-parse file
# holds it, under the stamp line its parse left (see ``_stamp_line``): a later
# build finding the same line reuses it.
_PARSED: dict[str, bytes] = {}


def _remember(line: str, manifest: Any) -> None:
    from dbt.parser.manifest import extended_mashumaro_encoder

    _PARSED.clear()
    _PARSED[line] = manifest.to_msgpack(extended_mashumaro_encoder)


def _saved_manifest(line: str) -> Any:
    """The Manifest of dbt's ``partial_parse.msgpack``, kept under ``line``; None if unusable.

    The stamp line being current means that another process's parse, for
    this stamp, wrote the file (see ``_stamp_line``): dbt's
    ``write_manifest_for_partial_parse`` serializes there the Manifest the
    parse returned, as :func:`_remember` does. ``dbt parse`` instead would
    read the file too, then check every project file against it.
    """
    from dbt.version import __version__

    try:
        serialized = Path(DBT_PROJECT.manifest_path).with_name(PARTIAL_PARSE_FILE).read_bytes()
        manifest = _manifest_copy(serialized)
    except Exception:  # dbt's loader, too, parses anew when the file does not load.
        return None
    # dbt's own check before it reuses the file (read_manifest_for_partial_parse).
    if manifest.metadata.dbt_version != __version__:
        return None
    _PARSED.clear()
    _PARSED[line] = serialized
    return manifest


def _manifest_copy(serialized: bytes) -> Any:
    """A fresh ``Manifest`` for one build, as dbt rebuilds it from its partial-parse file.

    Each build needs its own: dbt compiles into the nodes it runs (ephemeral
    models are marked as injected into their parents), which the next build
    must not find. (Manifest's pickling and deep copy lose fields in this dbt.)
    """
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumuro_decoder

    manifest = Manifest.from_msgpack(serialized, decoder=extended_mashumuro_decoder)
    # What dbt's loader and get_full_manifest do with a manifest read back.
    manifest.build_parent_and_child_maps()
    manifest.build_group_map()
    manifest.build_flat_graph()
    return manifest


def _prepared(path: Path) -> str:
    """Deps and parse as needed for ``path`` (hold the parse lock); the current stamp line."""
    stamp_path = Path(DBT_PROJECT.manifest_path).with_name(MANIFEST_STAMP)
    if not (DBT_PROJECT_DIR / "dbt_packages" / "dbt_utils").exists():
        _run_dbt("deps", warehouse=_parse_path(path))
    stamp = _manifest_stamp(path)
    if _manifest_current(stamp_path, stamp):
        return _stamp_line(stamp_path.parent, stamp)
    line, manifest = _parse(path, stamp)
    _remember(line, manifest)
    return line


def _parse(path: Path, stamp: str | None = None) -> tuple[str, Any]:
    """``dbt parse`` for ``path``: the stamp line it leaves (written beside the manifest), the Manifest."""
    stamp_path = Path(DBT_PROJECT.manifest_path).with_name(MANIFEST_STAMP)
    stamp = stamp or _manifest_stamp(path)
    stamp_path.unlink(missing_ok=True)
    manifest = _run_dbt("parse", warehouse=_parse_path(path))
    line = _stamp_line(stamp_path.parent, stamp)
    stamp_path.write_text(line, encoding="utf-8")
    return line, manifest


def _parse_path(warehouse: Path) -> Path:
    """The warehouse path dbt parses with: the build file's name, in a folder of dbt's own.

    dbt keeps its last parse for a partial one only if the profile is the
    same (its ``profile_hash`` includes dbt-duckdb's ``path``): one path for
    every warehouse keeps a change of the models a partial parse wherever
    the warehouse is. A parse opens no database, so nothing is created there.
    """
    return Path(DBT_PROJECT.manifest_path).parent / "parse" / Path(warehouse).name


def _manifest_stamp(warehouse: Path) -> str:
    """What a parse depends on: the code, the dbt packages and version, the build file's
    name, dbt's environment (``DBT_*``, and ``NQ57_*`` but for ``NOT_READ_BY_DBT``).

    The name is in it because the database name dbt writes into the manifest
    comes from it; the folder is not (see :func:`prepare_manifest`).
    """
    from .inputs import code_fingerprint

    digest = hashlib.sha256()
    digest.update(code_fingerprint().encode("ascii"))
    for name in ("packages.yml", "package-lock.yml"):
        package_file = DBT_PROJECT_DIR / name
        if package_file.is_file():
            digest.update(name.encode("utf-8") + b"\0" + package_file.read_bytes())
    for package in ("dbt-core", "dbt-duckdb"):
        digest.update(f"\0{package}={metadata.version(package)}".encode())
    digest.update(b"\0" + os.fsencode(Path(warehouse).name))
    for key, value in sorted(os.environ.items()):
        if key.startswith(("NQ57_", "DBT_")) and key not in NOT_READ_BY_DBT:
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

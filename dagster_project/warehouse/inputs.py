"""What a published warehouse was built from, and what an incremental build must redo.

Every publish records its inputs in ``raw.build_inputs`` (one row per input:
the code, the source documents, each seed CSV, the reference folder, other
seed files, and the submissions store's high-water mark). The next ``nq57
build`` compares them with the inputs on disk:

- the code, the documents or the other seed files changed, or nothing is
  recorded: a full build;
- a seed CSV or the reference folder changed: its raw tables and everything
  downstream of them;
- new submissions (a higher ``ingest_seq`` or another file count): the
  submission marts;
- nothing changed: nothing to do.

The tables not selected are carried over from the published warehouse, of
which every build starts with a copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.duckdb_tables import replace_table_rows
from dagster_project.extract.documents import REPO_ROOT
from dagster_project.extract.schema import SEED_TABLES

from .paths import DBT_PROJECT_DIR

# Only duckdb here (no pandas, no dbt adapter): an up-to-date `nq57 build`
# plans with this module alone and stops in well under a second.
RAW_SCHEMA = "raw"

BUILD_INPUTS_TABLE = "build_inputs"
BUILD_INPUTS_COLUMNS = {"input": "varchar", "fingerprint": "varchar"}
CODE = "code"
DOCUMENTS = "documents"
REFERENCE = "reference"
OTHER_SEEDS = "other_seeds"
SUBMISSIONS = "submissions"
SEED_PREFIX = "seed:"
# Inputs whose change means a full build: everything reads them.
REBUILD_ALL = (CODE, DOCUMENTS, OTHER_SEEDS)
REFERENCE_SUBDIR = "reference"
CODE_ROOTS = (
    (REPO_ROOT / "dagster_project", ("*.py", "*.sql", "*.yml", "*.yaml", "*.j2", "*.html")),
    (REPO_ROOT / "expectations", ("*.py", "*.yml", "*.yaml")),
    (DBT_PROJECT_DIR / "models", ("*.sql", "*.yml", "*.md")),
    (DBT_PROJECT_DIR / "macros", ("*.sql", "*.yml")),
    (DBT_PROJECT_DIR / "tests", ("*.sql", "*.yml")),
)
CODE_FILES = (DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml")


def _hash_files(files: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _files(directory: Path, patterns: tuple[str, ...] = ("*",)) -> list[Path]:
    if not directory.is_dir():
        return []
    return [
        path
        for pattern in patterns
        for path in directory.rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    ]


# The last code fingerprint of this process, under the files' paths, sizes and
# modification times it was computed from (see code_fingerprint).
_CODE_FINGERPRINT: dict[tuple[tuple[str, int, int], ...], str] = {}


def code_fingerprint() -> str:
    """The hash of the code files' contents, read again only when one of them changed.

    Every build asks (the build plan, dbt's manifest stamp); an unchanged tree,
    the same files with the same sizes and modification times, is not re-read.
    """
    files = [path for root, patterns in CODE_ROOTS for path in _files(root, patterns)]
    files += [path for path in CODE_FILES if path.is_file()]
    stats = [(path, path.stat()) for path in files]
    key = tuple(sorted((str(path), st.st_size, st.st_mtime_ns) for path, st in stats))
    if key not in _CODE_FINGERPRINT:
        _CODE_FINGERPRINT.clear()
        _CODE_FINGERPRINT[key] = _hash_files(files, REPO_ROOT)
    return _CODE_FINGERPRINT[key]


def store_high_water_mark(store: Path | None) -> str:
    """``<max ingest_seq>:<files>`` of the submissions store; ``0:0`` when there is none."""
    if store is None or not store.exists():
        return "0:0"
    con = duckdb.connect(str(store), read_only=True)
    try:
        seq, files = con.execute(
            "select coalesce(max(ingest_seq), 0), count(*) from raw.submission_files"
        ).fetchone()
    except duckdb.Error:
        return "0:0"
    finally:
        con.close()
    return f"{seq}:{files}"


def built_high_water_mark(con: duckdb.DuckDBPyConnection) -> str:
    """The same mark, read from the submission files a warehouse was built with."""
    seq, files = con.execute(
        "select coalesce(max(ingest_seq), 0), count(*) from marts.fct_submission_files"
    ).fetchone()
    return f"{seq}:{files}"


def file_fingerprints(seeds_dir: Path, documents_dir: Path) -> dict[str, str]:
    """Fingerprints of the code, documents and seed files (not the store)."""
    fingerprints = {
        CODE: code_fingerprint(),
        DOCUMENTS: _hash_files(_files(documents_dir), documents_dir),
        REFERENCE: _hash_files(_files(seeds_dir / REFERENCE_SUBDIR), seeds_dir),
    }
    seed_files = set()
    for table in SEED_TABLES:
        path = seeds_dir / f"{table}.csv"
        seed_files.add(path)
        fingerprints[SEED_PREFIX + table] = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
        )
    others = [
        path
        for path in _files(seeds_dir)
        if path not in seed_files
        and seeds_dir / REFERENCE_SUBDIR not in path.parents
        and documents_dir not in path.parents
    ]
    fingerprints[OTHER_SEEDS] = _hash_files(others, seeds_dir)
    return fingerprints


def record(con: duckdb.DuckDBPyConnection, fingerprints: Mapping[str, str]) -> None:
    """Write ``raw.build_inputs`` into the build file, in one transaction."""
    replace_table_rows(
        con, RAW_SCHEMA, BUILD_INPUTS_TABLE, BUILD_INPUTS_COLUMNS, sorted(fingerprints.items())
    )


def recorded(published: Path) -> dict[str, str] | None:
    """The inputs the published warehouse was built from; None if it records none."""
    if not published.exists():
        return None
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return None
    try:
        return recorded_in(con)
    finally:
        con.close()


def recorded_in(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """The inputs the warehouse ``con`` opens records; None if it records none."""
    try:
        rows = con.execute(
            f"select input, fingerprint from {RAW_SCHEMA}.{BUILD_INPUTS_TABLE}"
        ).fetchall()
    except duckdb.Error:
        return None
    return dict(rows)


def code_already_tested(current: Mapping[str, str], previous: Mapping[str, str] | None) -> bool:
    """Whether the warehouse a build starts from was published by this very code.

    A published warehouse passed every dbt test of the build that wrote it, and
    a change of the code makes the next build a full one (see :func:`plan`), so
    the same code fingerprint means a build of this code ran dbt's unit tests
    and they passed. Unit tests read only their fixtures, never the data: an
    incremental build need not run them again. A full refresh starts from an
    empty file, which records nothing, and runs them.
    """
    return (
        previous is not None
        and previous.get(CODE) is not None
        and previous[CODE] == current.get(CODE)
    )


@dataclass(frozen=True)
class BuildPlan:
    """What a build must redo: ``full``, or the changed inputs (empty: nothing)."""

    full: bool
    changed: tuple[str, ...]
    reason: str

    @property
    def up_to_date(self) -> bool:
        return not self.full and not self.changed


def plan(current: Mapping[str, str], previous: Mapping[str, str] | None) -> BuildPlan:
    if previous is None:
        return BuildPlan(True, (), "the published warehouse records no build inputs")
    changed = tuple(
        sorted(k for k in current.keys() | previous.keys() if current.get(k) != previous.get(k))
    )
    rebuild_all = [k for k in changed if k in REBUILD_ALL]
    if rebuild_all:
        return BuildPlan(True, changed, f"changed: {', '.join(rebuild_all)}")
    if not changed:
        return BuildPlan(False, (), "no input changed since the published build")
    return BuildPlan(False, changed, f"changed: {', '.join(changed)}")

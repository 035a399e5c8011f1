"""Write-audit-publish of the warehouse file: the publish functions on plain files.

The functions never look inside the file, so these tests use small byte files
and stay fast; the end-to-end build test covers a real DuckDB warehouse.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dagster_project.warehouse.publish import (
    BuildLockedError,
    PublishError,
    WarehouseLayout,
    build_and_publish,
    wal_path,
)


def write_build(content: bytes):
    """A build step that writes ``content`` into the build file."""

    def build(build_file: Path) -> bytes:
        build_file.write_bytes(content)
        return content

    return build


def history_contents(layout: WarehouseLayout) -> list[bytes]:
    entries = sorted(layout.history_root.iterdir())
    return [(entry / layout.published.name).read_bytes() for entry in entries]


@pytest.fixture
def published(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "nq57.duckdb"


def test_first_publish_creates_the_published_file_without_history(published: Path):
    result = build_and_publish(published, write_build(b"v1"))

    assert published.read_bytes() == b"v1"
    assert result.history_entry is None
    assert result.build_outcome == b"v1"
    assert not WarehouseLayout(published).history_root.exists()


def test_publish_renames_the_build_file_onto_the_published_path(published: Path):
    build_and_publish(published, write_build(b"v1"))
    seen: dict[str, int] = {}

    def build(build_file: Path) -> None:
        build_file.write_bytes(b"v2")
        seen["inode"] = build_file.stat().st_ino

    build_and_publish(published, build)

    # Same inode: the build file was renamed into place (atomic), not copied.
    assert published.stat().st_ino == seen["inode"]
    assert published.read_bytes() == b"v2"


def test_build_starts_from_a_copy_of_the_published_file(published: Path):
    build_and_publish(published, write_build(b"v1"))
    seen: dict[str, object] = {}

    def build(build_file: Path) -> None:
        seen["content"] = build_file.read_bytes()
        seen["path"] = build_file
        build_file.write_bytes(b"v2")

    build_and_publish(published, build)

    assert seen["content"] == b"v1"
    build_file = seen["path"]
    assert isinstance(build_file, Path)
    assert build_file.parent.parent == WarehouseLayout(published).build_root
    # Same file name as the published file: DuckDB names the catalog after it.
    assert build_file.name == published.name


def test_previous_published_file_is_kept_in_history(published: Path):
    build_and_publish(published, write_build(b"v1"))
    result = build_and_publish(published, write_build(b"v2"))

    assert result.history_entry is not None
    assert result.history_entry.read_bytes() == b"v1"
    assert result.history_entry.name == published.name
    assert published.read_bytes() == b"v2"


def test_history_keeps_only_the_n_most_recent_previous_files(published: Path):
    for version in range(1, 7):
        result = build_and_publish(published, write_build(f"v{version}".encode()), keep=3)

    layout = WarehouseLayout(published)
    assert history_contents(layout) == [b"v3", b"v4", b"v5"]
    assert len(result.removed_history) == 1
    assert published.read_bytes() == b"v6"


def test_keep_zero_keeps_no_history(published: Path):
    build_and_publish(published, write_build(b"v1"), keep=0)
    build_and_publish(published, write_build(b"v2"), keep=0)

    assert history_contents(WarehouseLayout(published)) == []
    assert published.read_bytes() == b"v2"


def test_failed_build_leaves_published_file_untouched_and_removes_build_file(published: Path):
    build_and_publish(published, write_build(b"v1"))
    before = published.stat()

    def failing_build(build_file: Path) -> None:
        build_file.write_bytes(b"half written")
        raise RuntimeError("dbt test failed")

    with pytest.raises(RuntimeError, match="dbt test failed"):
        build_and_publish(published, failing_build)

    layout = WarehouseLayout(published)
    assert published.read_bytes() == b"v1"
    assert published.stat().st_ino == before.st_ino
    assert list(layout.build_root.iterdir()) == []
    assert not layout.history_root.exists()


def test_checks_run_between_build_and_publish_in_order(published: Path):
    calls: list[str] = []

    def build(build_file: Path) -> None:
        build_file.write_bytes(b"v1")
        calls.append("build")

    def check(name: str):
        def run(build_file: Path) -> None:
            assert build_file.read_bytes() == b"v1"
            assert not published.exists(), "checks must run before the publish"
            calls.append(name)

        return run

    build_and_publish(published, build, checks=[check("first"), check("second")])

    assert calls == ["build", "first", "second"]
    assert published.read_bytes() == b"v1"


def test_a_failing_check_blocks_the_publish(published: Path):
    build_and_publish(published, write_build(b"v1"))

    def reject(build_file: Path) -> None:
        raise ValueError("budget lines do not reconcile")

    with pytest.raises(ValueError, match="do not reconcile"):
        build_and_publish(published, write_build(b"v2"), checks=[reject])

    assert published.read_bytes() == b"v1"
    assert list(WarehouseLayout(published).build_root.iterdir()) == []


def test_stale_build_files_of_killed_runs_are_removed_at_next_start(published: Path):
    layout = WarehouseLayout(published)
    killed_run = layout.build_root / "20250101T000000000000Z-4242-deadbeef"
    killed_run.mkdir(parents=True)
    (killed_run / published.name).write_bytes(b"abandoned")
    wal_path(killed_run / published.name).write_bytes(b"abandoned wal")
    stray_file = layout.build_root / "stray.tmp"
    stray_file.write_bytes(b"x")

    result = build_and_publish(published, write_build(b"v1"))

    assert sorted(result.removed_stale) == sorted([killed_run, stray_file])
    assert list(layout.build_root.iterdir()) == []
    assert published.read_bytes() == b"v1"


def test_publish_refuses_a_build_file_with_an_open_write_ahead_log(published: Path):
    def build_leaving_wal(build_file: Path) -> None:
        build_file.write_bytes(b"v1")
        wal_path(build_file).write_bytes(b"uncheckpointed")

    with pytest.raises(PublishError, match="write-ahead log"):
        build_and_publish(published, build_leaving_wal)

    assert not published.exists()


def test_publish_refuses_while_the_published_file_is_open_for_writing(published: Path):
    build_and_publish(published, write_build(b"v1"))
    wal_path(published).write_bytes(b"someone is writing")

    with pytest.raises(PublishError, match="open for writing"):
        build_and_publish(published, write_build(b"v2"))

    assert published.read_bytes() == b"v1"


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from dagster_project.warehouse.publish import WarehouseLayout, build_lock

    with build_lock(WarehouseLayout(Path(sys.argv[1]))):
        print("locked", flush=True)
        time.sleep(120)
    """
)


@pytest.fixture
def lock_holder(published: Path):
    """Another process holding the build lock, as a concurrent `nq57 build` would."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(published)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_concurrent_build_is_refused_with_the_holders_pid(published: Path, lock_holder):
    with pytest.raises(BuildLockedError) as refused:
        build_and_publish(published, write_build(b"v1"))

    message = str(refused.value)
    assert f"pid {lock_holder.pid}" in message
    assert str(published) in message
    assert not published.exists()


def test_a_killed_lock_holder_does_not_block_the_next_build(published: Path, lock_holder):
    lock_holder.kill()
    lock_holder.wait(timeout=30)

    build_and_publish(published, write_build(b"v1"))

    assert published.read_bytes() == b"v1"


def test_lock_file_names_this_process_while_building(published: Path):
    lock_path = WarehouseLayout(published).lock_path

    def build(build_file: Path) -> str:
        build_file.write_bytes(b"v1")
        return lock_path.read_text().strip()

    result = build_and_publish(published, build)

    assert result.build_outcome == str(os.getpid())
    assert lock_path.read_text() == ""

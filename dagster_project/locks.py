"""The one inter-process lock: an exclusive ``flock`` on a file, held by a ``with`` block.

``flock`` locks die with their process, so a killed build or ingest never
leaves a lock behind. The holder's pid is written into the file only so that
whoever is refused can be told who holds it. (filelock truncates the file on
every attempt, which would erase that pid, so the lock is this small helper.)
"""

from __future__ import annotations

import errno
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_project.config import PAUSE_ENV_VAR

POLL_SECONDS = 0.2
PAUSE_SECONDS = 300


class LockHeld(RuntimeError):
    """Another process held the lock for longer than the caller would wait."""

    def __init__(self, path: Path, holder: str, waited_seconds: float) -> None:
        super().__init__(f"{path} is locked by pid {holder}")
        self.path = path
        self.holder = holder
        self.waited_seconds = waited_seconds


@contextmanager
def exclusive_lock(path: Path, timeout_seconds: float = 0.0) -> Iterator[None]:
    """Hold ``path``'s exclusive lock, waiting up to ``timeout_seconds`` (0: refuse at once).

    Raises :class:`LockHeld`, naming the holder's pid, when the wait runs out.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                    raise LockHeld(path, holder, timeout_seconds) from error
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        os.fsync(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def pause_point(name: str) -> None:
    """Test-only: stop here when ``$NQ57_TEST_PAUSE_AT`` is ``name``, so a test can kill the process.

    The moment a kill test needs (inside a swap or a transaction) lasts
    microseconds and prints nothing, so the process announces the pause on
    stderr and sleeps until it is killed. If nobody kills it, it fails rather
    than carrying on past a point a test meant to stop it at.
    """
    if os.environ.get(PAUSE_ENV_VAR) != name:
        return
    print(f"nq57: paused at {name} (pid {os.getpid()})", file=sys.stderr, flush=True)
    time.sleep(PAUSE_SECONDS)
    raise RuntimeError(f"{PAUSE_ENV_VAR}={name}: nobody killed the build in {PAUSE_SECONDS}s")

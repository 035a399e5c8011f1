"""Taking files out of the landing folder, and the mode of what ingestion writes.

The landing folder is written by others (a shared folder, an e-mail robot),
so nothing in it is trusted, not even its file types:

- a folder is walked without following symbolic links, and every entry is
  looked at with ``lstat``: a symbolic link, a FIFO, a socket or a device
  is refused as ``not_regular_file`` (its target is never opened, hashed or
  copied), and the refusal is kept in the store like any rejected file;
- a regular file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked
  again on the open descriptor (``fstat``), so a file swapped for a link
  after the walk is refused too; its bytes are read once, and everything
  after (hash, archive copy, parsing) works on those bytes, never on the
  path again. A file over the size limit is hashed as it streams past and
  only its first bytes are kept (to name its content on the receipt).

Everything ingestion writes (archived copies, their records, receipts) gets
mode 0640 (owner read-write, group read, nothing for others: receipts and
copies name agencies and hold their figures), in folders of mode 0750.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FILE_MODE = 0o640
DIR_MODE = 0o750
HEAD_BYTES = 8
_CHUNK = 1 << 20
NOT_REGULAR_DIGEST_PREFIX = b"nq57:not-a-regular-file\0"


@dataclass(frozen=True)
class Incoming:
    """One file as received: its identity, when it counts as received, and its bytes.

    ``received_at`` is None until set (basis ``ingest_time``: the clock when
    the file is taken in, which is after it is known not to be in already).
    ``data`` is None when the file is larger than the limit (only ``head``
    is kept) or is not a regular file (``not_regular`` says what it is).
    """

    path: Path
    name: str
    source_path: str
    size: int
    sha256: str
    received_at: datetime | None
    received_at_basis: str
    data: bytes | None
    head: bytes
    not_regular: str | None = None


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, name in (
        (stat.S_ISLNK, "symbolic link"),
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return name
    return "special file"


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def discover_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly keep their order; a folder's entries come oldest first.

    Oldest first (modification time of the entry itself, then name) so that
    a correction dropped after the original is ingested after it and
    supersedes it. Hidden files and folders (``.name``) are skipped: they are
    not submissions (``.DS_Store``, editor swap files). Symbolic links and
    other non-regular entries are listed (not followed) so that ingestion
    refuses them with a reason; folders reached through a link are not entered.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if not os.path.lexists(path):
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_dir():
            entries: list[tuple[int, str, Path]] = []
            for folder, subfolders, names in os.walk(path, followlinks=False):
                base = Path(folder)
                # os.walk lists a link to a folder among the folders: refuse it as an entry.
                for name in [*names, *(d for d in subfolders if (base / d).is_symlink())]:
                    entry = base / name
                    if _is_hidden(entry.relative_to(path)):
                        continue
                    info = entry.lstat()
                    entries.append((info.st_mtime_ns, str(entry), entry))
                subfolders[:] = [
                    d for d in subfolders if not d.startswith(".") and not (base / d).is_symlink()
                ]
            ordered = [entry for _, _, entry in sorted(entries)]
        else:
            ordered = [path]
        for entry in ordered:
            key = entry.absolute()
            if key not in seen:
                seen.add(key)
                found.append(entry)
    return found


def _not_regular(path: Path, kind: str) -> tuple[str, str]:
    """(description, pseudo sha256) of an entry that is not a regular file.

    The digest covers what the entry is, not a target's content: the same
    link dropped twice is the same refusal, and nothing behind it is read.
    """
    description = kind
    if kind == "symbolic link":
        try:
            description = f"symbolic link to {os.readlink(path)}"
        except OSError as error:
            description = f"symbolic link ({error.strerror})"
    digest = hashlib.sha256(NOT_REGULAR_DIGEST_PREFIX + description.encode("utf-8", "replace"))
    return description, digest.hexdigest()


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def receive(path: Path, max_bytes: int, received_at_basis: str) -> Incoming:
    """Take one file: refuse what is not a regular file, read at most ``max_bytes``, hash it all."""
    name = path.name
    source = str(path.absolute())
    info = path.lstat()
    kind = kind_of(info.st_mode)
    if kind is None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            # ELOOP: the entry became a link after the walk.
            kind = "symbolic link" if path.is_symlink() else f"unreadable ({error.strerror})"
        else:
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                kind = kind_of(info.st_mode)
                if kind is None:
                    received_at = _utc(info.st_mtime) if received_at_basis == "file_mtime" else None
                    digest = hashlib.sha256()
                    if info.st_size <= max_bytes:
                        data = handle.read(max_bytes + 1)
                        digest.update(data)
                        size, head = len(data), data[:HEAD_BYTES]
                        if size > max_bytes:
                            # It grew after the stat: hash the rest, keep only the head.
                            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                                digest.update(chunk)
                                size += len(chunk)
                            data = None
                    else:
                        data, head, size = None, handle.read(HEAD_BYTES), 0
                        digest.update(head)
                        size += len(head)
                        for chunk in iter(lambda: handle.read(_CHUNK), b""):
                            digest.update(chunk)
                            size += len(chunk)
                    return Incoming(
                        path, name, source, size, digest.hexdigest(), received_at,
                        received_at_basis, data, head,
                    )  # fmt: skip
    description, sha = _not_regular(path, kind)
    received_at = _utc(info.st_mtime) if received_at_basis == "file_mtime" else None
    return Incoming(
        path, name, source, 0, sha, received_at, received_at_basis, None, b"", description
    )


def sha256_of(path: Path) -> str:
    """The sha256 ingestion records for ``path`` (a non-regular entry: what it is, not a target)."""
    kind = kind_of(path.lstat().st_mode)
    if kind is None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            kind = "symbolic link" if path.is_symlink() else "unreadable"
        else:
            with os.fdopen(fd, "rb") as handle:
                kind = kind_of(os.fstat(handle.fileno()).st_mode)
                if kind is None:
                    digest = hashlib.sha256()
                    for chunk in iter(lambda: handle.read(_CHUNK), b""):
                        digest.update(chunk)
                    return digest.hexdigest()
    return _not_regular(path, kind)[1]


def make_dirs(folder: Path) -> None:
    """``folder`` and its missing parents, mode 0750."""
    if folder.is_dir():
        return
    make_dirs(folder.parent)
    try:
        folder.mkdir(mode=DIR_MODE)
    except FileExistsError:
        return
    os.chmod(folder, DIR_MODE)


def write_private(path: Path, data: bytes, *, folder_made: bool = False) -> None:
    """Write ``data`` to ``path`` atomically with mode 0640 (whatever the umask).

    ``folder_made``: the caller knows ``path``'s folder exists (ingest makes each
    archive folder once per run), so it is not looked up again.
    """
    if not folder_made:
        make_dirs(path.parent)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name[:40]}-", suffix=".part", dir=path.parent)
    try:
        try:
            os.fchmod(fd, FILE_MODE)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""Signed templates: who may report for whom.

A template made by ``nq57 template`` carries a **verification code**: an
HMAC-SHA256, under a secret key kept beside the warehouse, of the four things
a report is for (format version, province, agency, period). Ingestion
recomputes it from the file's own metadata cells (:func:`verify_code`): a file
with no code, a forged one, or one made for another agency, period or
province (a template replayed, or its README cells edited after it was made)
does not verify.

The keys live in ``<warehouse dir>/secrets/template.key`` (the folder of the
submissions store; :func:`key_path`), created with mode 0600 (folder 0700)
the first time a template is made or a file is verified, never in the
repository, a receipt or a mart. The file holds one key per line,
``<key id> <hex secret> <created at>``, oldest first; the last one signs.
``nq57 keys rotate`` (:func:`rotate`) appends a new key and keeps the old
ones, so files already sent with an old template still verify; the key id is
the first part of every code, so verification picks the key a code was made
with. A key file readable by anyone but its owner is refused.

A code looks like ``K2-7QZC-M4XA-...``: the key id, then 120 bits of the HMAC
in base32, by fours (letters and digits only, so neither Excel nor a CSV
editor mangles it; case, spaces and dashes are ignored when it is read
back). A code is a bearer token for one agency and period: it is shown on
the template and the sender's receipt of a verified file says only its key
id, and the store and the marts keep the key id, never the code.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .periods import PeriodError, parse_period

SECRETS_DIR = "secrets"
KEY_FILE = "template.key"
SECRETS_DIR_MODE = 0o700
KEY_FILE_MODE = 0o600
# A CSV may carry it in a first-line comment instead: ``# verification_code: K1-...``.
CSV_COMMENT_PREFIX = "#"
SECRET_BYTES = 32
# Bytes of the HMAC kept in a code: 120 bits, 24 base32 characters.
CODE_BYTES = 15
CODE_GROUP = 4
DOMAIN = b"nq57-template-v1"

# How a file's sender was verified (raw.submission_files.sender_method).
METHOD_SIGNED = "signed_template"
METHOD_SIGNED_FOLDER = "signed_template+agency_folder"
METHOD_NONE = "none"


class KeyFileError(RuntimeError):
    """The key file cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Key:
    key_id: str
    secret: bytes
    created_at: str


def secrets_dir(store: Path) -> Path:
    """``<warehouse dir>/secrets``: the folder of the submissions store."""
    return store.parent / SECRETS_DIR


def key_path(store: Path) -> Path:
    return secrets_dir(store) / KEY_FILE


def _message(format_version: str, province_id: str, agency_id: str, period: str) -> bytes:
    parts = [
        format_version.strip(),
        _norm_id(province_id),
        _norm_id(agency_id),
        _norm_period(period),
    ]
    return DOMAIN + b"".join(b"\x1f" + part.encode("utf-8") for part in parts)


def _norm_id(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().lower()


def _norm_period(text: str) -> str:
    """The canonical period code (``2026-q1`` → ``2026-Q1``); other text as written."""
    text = unicodedata.normalize("NFC", text).strip()
    try:
        return parse_period(text).code
    except PeriodError:
        return text


def _digest(key: Key, message: bytes) -> str:
    mac = hmac.new(key.secret, message, hashlib.sha256).digest()[:CODE_BYTES]
    return base64.b32encode(mac).decode("ascii")


def _grouped(text: str) -> str:
    return "-".join(text[i : i + CODE_GROUP] for i in range(0, len(text), CODE_GROUP))


def parse_code(code: str) -> tuple[str, str] | None:
    """(key id, base32 digest) of a code as typed, or None when it is not shaped like one."""
    cleaned = "".join(unicodedata.normalize("NFKC", code).split()).upper()
    key_id, _, rest = cleaned.partition("-")
    digest = rest.replace("-", "")
    if not key_id or len(digest) != len(_digest_shape()):
        return None
    return key_id, digest


def _digest_shape() -> str:
    return base64.b32encode(bytes(CODE_BYTES)).decode("ascii")


@dataclass(frozen=True)
class KeyRing:
    """The keys of one warehouse, oldest first; the last one signs."""

    keys: tuple[Key, ...]

    @property
    def current(self) -> Key:
        return self.keys[-1]

    def by_id(self, key_id: str) -> Key | None:
        return next((key for key in self.keys if key.key_id == key_id), None)

    def sign(self, format_version: str, province_id: str, agency_id: str, period: str) -> str:
        key = self.current
        digest = _digest(key, _message(format_version, province_id, agency_id, period))
        return f"{key.key_id}-{_grouped(digest)}"

    def verify(
        self, code: str, format_version: str, province_id: str, agency_id: str, period: str
    ) -> str | None:
        """The id of the key that made ``code`` for these four values, or None."""
        parsed = parse_code(code)
        if parsed is None:
            return None
        key = self.by_id(parsed[0])
        if key is None:
            return None
        expected = _digest(key, _message(format_version, province_id, agency_id, period))
        return key.key_id if hmac.compare_digest(expected, parsed[1]) else None


def _parse_key_file(path: Path, text: str) -> KeyRing:
    keys: list[Key] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        try:
            secret = bytes.fromhex(parts[1])
        except (IndexError, ValueError) as error:
            raise KeyFileError(
                f"{path}:{number}: not '<key id> <hex secret> <created at>'"
            ) from error
        keys.append(Key(parts[0].upper(), secret, parts[2] if len(parts) > 2 else ""))
    if not keys:
        raise KeyFileError(f"{path}: holds no key")
    return KeyRing(tuple(keys))


def _render(ring: KeyRing) -> bytes:
    lines = [
        "# nq57 template signing keys: <key id> <hex secret> <created at>; the last one signs.",
        "# Secret: never copy this file into the repository, a receipt or a report.",
        *(f"{key.key_id} {key.secret.hex()} {key.created_at}" for key in ring.keys),
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


def _new_key(number: int) -> Key:
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Key(f"K{number}", secrets.token_bytes(SECRET_BYTES), created)


def _write_new(path: Path, data: bytes, *, replace: bool) -> None:
    """Write ``data`` to a private temporary file, then link it into place (created only if
    absent) or rename it over the old file: no reader ever sees half a key file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=SECRETS_DIR_MODE)
    os.chmod(path.parent, SECRETS_DIR_MODE)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    try:
        os.fchmod(fd, KEY_FILE_MODE)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if replace:
            os.replace(temporary, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load_keys(store: Path, *, create: bool = True) -> KeyRing:
    """The warehouse's keys, making the first one if there is none (and ``create``).

    Raises :class:`KeyFileError` when the file is readable or writable by
    anyone but its owner, or is not a key file.
    """
    path = key_path(store)
    if not path.exists():
        if not create:
            raise KeyFileError(f"{path}: no key file (make a template first, or nq57 keys rotate)")
        _write_new(path, _render(KeyRing((_new_key(1),))), replace=False)
    info = path.stat(follow_symlinks=False)
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{path}: not a regular file")
    if info.st_mode & 0o077:
        raise KeyFileError(
            f"{path}: mode {stat.S_IMODE(info.st_mode):04o} lets others read or change the "
            f"template key; run `chmod 600 {path}`"
        )
    return _parse_key_file(path, path.read_text("ascii"))


def rotate(store: Path) -> KeyRing:
    """Append a new signing key, keeping the old ones for files already sent."""
    ring = load_keys(store)
    numbers = [int(key.key_id[1:]) for key in ring.keys if key.key_id[1:].isdigit()]
    new = KeyRing((*ring.keys, _new_key(max(numbers, default=0) + 1)))
    _write_new(key_path(store), _render(new), replace=True)
    return new

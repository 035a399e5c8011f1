"""Loading the source documents: hash verification, NFC normalization, line numbers.

Every extracted row points back at a document line, so a document is held as a
list of its lines (1-based, as an editor shows them) after NFC normalization.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from dagster_project.config import REPO_ROOT, SOURCE_DIR

__all__ = ["REPO_ROOT", "SOURCE_DIR"]

MANIFEST_NAME = "SHA256SUMS"


class DocumentHashError(ValueError):
    """A source document does not match the hash recorded in the manifest."""


@dataclass(frozen=True)
class Document:
    """One source document, NFC-normalized, with 1-based line access."""

    source_file: str
    lines: tuple[str, ...]

    def line(self, number: int) -> str:
        return self.lines[number - 1]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def numbered(self, start: int = 1, end: int | None = None):
        """Yield (line_number, text) pairs from ``start`` to ``end`` inclusive."""
        stop = len(self.lines) if end is None else min(end, len(self.lines))
        for number in range(start, stop + 1):
            yield number, self.lines[number - 1]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def document_from_text(source_file: str, text: str) -> Document:
    """Build a Document from raw text (used by tests on crafted snippets)."""
    return Document(source_file=source_file, lines=tuple(nfc(text).split("\n")))


def read_manifest(source_dir: Path = SOURCE_DIR) -> dict[str, str]:
    manifest = {}
    for raw in (source_dir / MANIFEST_NAME).read_text(encoding="utf-8").splitlines():
        if raw.strip():
            digest, name = raw.split(maxsplit=1)
            manifest[name.strip().lstrip("*")] = digest
    return manifest


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_document(path: Path, expected_sha256: str | None) -> Document:
    """Read a document, refusing it when its sha256 differs from the manifest."""
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if expected_sha256 is None:
        raise DocumentHashError(
            f"{path.name}: not listed in {MANIFEST_NAME}; add its sha256 there after review"
        )
    if actual != expected_sha256:
        raise DocumentHashError(
            f"{path.name}: sha256 {actual} does not match {expected_sha256} recorded in "
            f"{MANIFEST_NAME}; the document was changed or corrupted"
        )
    text = data.decode("utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    return document_from_text(path.name, text)


def load_documents(source_dir: Path = SOURCE_DIR) -> list[Document]:
    """All documents listed in the manifest, verified, in file-name order."""
    manifest = read_manifest(source_dir)
    present = sorted(p.name for p in source_dir.glob("*.txt"))
    unlisted = [name for name in present if name not in manifest]
    if unlisted:
        raise DocumentHashError(
            f"{', '.join(unlisted)}: not listed in {MANIFEST_NAME}; add its sha256 there after review"
        )
    return [load_document(source_dir / name, manifest[name]) for name in sorted(manifest)]

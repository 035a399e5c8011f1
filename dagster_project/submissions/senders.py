"""Who sent a file: the verify stage of ingestion (between reading and validating).

A file read without error is checked, before any of its rows is trusted:

1. **Agency folder** (optional): a file under ``landing/<agency_id>/`` (the
   folder named after the agency id, e.g. ``nghe-an:so-khcn``) or
   ``landing/<province_id>/<agency slug>/`` (``nghe-an/so-khcn``, for file
   systems without ``:`` in names) must name that agency in its metadata, or
   it is refused (``agency_folder_mismatch``), whatever else it carries. A
   folder is recognised by its name being an agency of the registry; files
   in other folders are not affected.
2. **Verification code** (:mod:`.signing`): recomputed from the file's own
   format version, province, agency and period under the warehouse's keys.
   No code: ``sender_unverified``; a code that does not match (forged,
   edited, made for another agency, period or province, or with a key this
   warehouse never had): ``code_mismatch``.

A file that fails 2. is refused as a whole (nothing loaded, the file kept in
the archive, the receipt says why), unless the operator ingests with
``accept_unverified`` (``nq57 ingest --accept-unverified``, for legacy files
sent before templates were signed): then it is validated and stored like any
file, with ``sender_verified = false`` and the reason in
``sender_reason_code``, and it never supersedes a verified report of the
same province, agency and period (:mod:`.ingest`).

Refused files keep their reason in ``file_reason_code`` and the quarantine
table; the code itself is never stored (only the id of the key that made
it), since a code is a bearer token for one agency and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from . import spec
from .readers import ParsedFile
from .reasons import Issue
from .reference import ReferenceData
from .signing import METHOD_NONE, METHOD_SIGNED, METHOD_SIGNED_FOLDER, KeyRing, parse_code
from .validation import normalize_id


@dataclass(frozen=True)
class SenderPolicy:
    """The keys files are verified with, and whether unverified files are taken in."""

    keys: KeyRing
    accept_unverified: bool = False


@dataclass(frozen=True)
class SenderCheck:
    """What the verify stage found: verified or not, how, with which key, and why not."""

    verified: bool
    method: str
    key_id: str | None = None
    issue: Issue | None = None
    # True when the issue refuses the file even with accept_unverified.
    always_refused: bool = False


def folder_agency(source_path: str, reference: ReferenceData) -> str | None:
    """The agency a file's folder is named after, or None for any other folder."""
    parts = PurePath(source_path).parts[:-1]
    agencies = reference.registry.agencies
    if parts:
        candidate = normalize_id(parts[-1])
        if candidate in agencies:
            return candidate
    if len(parts) >= 2:
        candidate = f"{normalize_id(parts[-2])}:{normalize_id(parts[-1])}"
        if candidate in agencies:
            return candidate
    return None


def _described(metadata: dict[str, str]) -> str:
    return ", ".join(f"{key} {metadata.get(key, '').strip()}" for key in spec.METADATA_KEYS)


def check_sender(
    source_path: str, parsed: ParsedFile, reference: ReferenceData, policy: SenderPolicy
) -> SenderCheck:
    """Check a read file's agency folder and verification code."""
    metadata = parsed.metadata
    agency = normalize_id(metadata.get("agency_id", ""))
    in_folder = folder_agency(source_path, reference)
    if in_folder is not None and agency != in_folder:
        issue = Issue(
            "agency_folder_mismatch",
            column_name="agency_id",
            raw_value=metadata.get("agency_id", ""),
            detail=in_folder,
        )
        return SenderCheck(False, METHOD_NONE, issue=issue, always_refused=True)
    code = parsed.verification_code
    if not code:
        return SenderCheck(False, METHOD_NONE, issue=Issue("sender_unverified"))
    key_id = policy.keys.verify(
        code,
        metadata.get("format_version", ""),
        metadata.get("province_id", ""),
        metadata.get("agency_id", ""),
        metadata.get("period", ""),
    )
    if key_id is None:
        shaped = parse_code(code)
        issue = Issue(
            "code_mismatch",
            column_name=spec.VERIFICATION_CODE_KEY,
            # The key id only: a code valid for another report must not be copied into a mart.
            raw_value=shaped[0] if shaped else "?",
            detail=_described(metadata),
        )
        return SenderCheck(False, METHOD_NONE, issue=issue)
    method = METHOD_SIGNED_FOLDER if in_folder is not None else METHOD_SIGNED
    return SenderCheck(True, method, key_id)

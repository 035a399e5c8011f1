"""Per-document layout overrides: the reviewed file ``seeds/layouts.yml``.

The parser reads a table's layout from its header. Where a document prints a
header the parser cannot place, or an appendix that is not a table, a
maintainer says what the document means here instead of changing code::

    005_1a2b3c4d5e6f7a8b.txt:
      province: gia-lai                  # the issuing province, when the letterhead does not say
      skip_appendices: [III]             # appendices that hold no indicator or task table
      header_roles:                      # what an unknown header word stands for
        Cơ quan thực hiện: lead_agency
      columns:                           # the whole column map of one appendix, as printed
        II: [code, task_name, lead_agency, coordinating_agency, deadline, notes]

Roles: ``code``, ``indicator_name``, ``task_name``, ``unit``,
``target:<year>`` (a target column for that year), ``target`` (year from the
group rows), ``monitoring_agency``, ``lead_agency``, ``coordinating_agency``,
``output``, ``deadline``, ``notes`` and ``ignore`` (a column read and dropped).
Every entry is checked when the file is read; a mistake is an error naming
the document and the key, never a silently ignored override.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .cells import clean_text

LAYOUTS_FILE_NAME = "layouts.yml"
ROLES = frozenset(
    {
        "code",
        "indicator_name",
        "task_name",
        "unit",
        "target",
        "monitoring_agency",
        "lead_agency",
        "coordinating_agency",
        "output",
        "deadline",
        "notes",
        "ignore",
    }
)
TARGET_WITH_YEAR = re.compile(r"^target:(?P<year>20\d{2})$")
APPENDIX_LABEL = re.compile(r"^[IVX]+$")
DOCUMENT_KEYS = frozenset({"province", "skip_appendices", "header_roles", "columns"})


class LayoutError(ValueError):
    """``seeds/layouts.yml`` says something the extractor cannot apply."""


@dataclass(frozen=True)
class ColumnRole:
    """One column as an override names it: its role and, for a target, its year."""

    role: str
    year: int | None = None


@dataclass(frozen=True)
class DocumentLayout:
    province_id: str | None = None
    skip_appendices: frozenset[str] = frozenset()
    header_roles: dict[str, ColumnRole] = field(default_factory=dict)
    columns: dict[str, tuple[ColumnRole, ...]] = field(default_factory=dict)


NO_LAYOUT = DocumentLayout()


def header_key(text: str) -> str:
    """How header words are compared: whitespace collapsed, case-folded, trailing ``.:`` dropped."""
    return clean_text(text).casefold().rstrip(" .:")


def parse_role(value: object, where: str) -> ColumnRole:
    text = str(value).strip()
    if match := TARGET_WITH_YEAR.match(text):
        return ColumnRole("target", int(match["year"]))
    if text not in ROLES:
        raise LayoutError(
            f"{where}: role {text!r} is not one of {', '.join(sorted(ROLES))} or target:<year>"
        )
    return ColumnRole(text)


def _labels(value: object, where: str) -> list[str]:
    labels = [str(v).strip().upper() for v in (value or [])]
    for label in labels:
        if not APPENDIX_LABEL.match(label):
            raise LayoutError(f"{where}: appendix label {label!r} is not a Roman numeral")
    return labels


def parse_document_layout(source_file: str, entry: object) -> DocumentLayout:
    where = f"{LAYOUTS_FILE_NAME} {source_file}"
    if not isinstance(entry, dict):
        raise LayoutError(f"{where}: expected a mapping of {', '.join(sorted(DOCUMENT_KEYS))}")
    unknown = set(entry) - DOCUMENT_KEYS
    if unknown:
        raise LayoutError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    header_roles = {
        header_key(str(text)): parse_role(role, f"{where} header_roles {text!r}")
        for text, role in (entry.get("header_roles") or {}).items()
    }
    columns = {}
    for label, roles in (entry.get("columns") or {}).items():
        [key] = _labels([label], f"{where} columns")
        if not isinstance(roles, list) or not roles:
            raise LayoutError(f"{where} columns {key}: expected a list of roles")
        parsed = tuple(parse_role(role, f"{where} columns {key}") for role in roles)
        if [c.role for c in parsed].count("code") != 1:
            raise LayoutError(f"{where} columns {key}: exactly one column must be the code")
        columns[key] = parsed
    province = entry.get("province")
    return DocumentLayout(
        province_id=str(province).strip() if province else None,
        skip_appendices=frozenset(
            _labels(entry.get("skip_appendices"), f"{where} skip_appendices")
        ),
        header_roles=header_roles,
        columns=columns,
    )


def read_layouts(path: Path) -> dict[str, DocumentLayout]:
    """Every document's layout override; an absent or empty file means none."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise LayoutError(f"{path.name}: not valid YAML: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LayoutError(f"{path.name}: expected a mapping of document file names")
    return {
        str(source_file): parse_document_layout(str(source_file), entry)
        for source_file, entry in data.items()
    }

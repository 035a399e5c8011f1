"""Agency names as printed in the plans: which agency (or group) a cell names,
and who holds an assignment on a given date.

The lead, coordinating and monitoring cells of the appendices name several
bodies in one string, separated by ``;``, ``,``, `` và `` or `` - ``, while
single names contain the same characters (``Sở Văn hóa, Thể thao và Du lịch``,
``Sở Lao động - Thương binh và Xã hội``). The cell is therefore cut where the
hand-maintained alias list (``seeds/reference/agency_aliases.csv`` and
``agency_groups.csv``) says one name ends: the longest run of pieces that is a
known alias wins. Matching is exact after :func:`normalize_agency_name`; there
is no fuzzy matching, because a near miss that silently picks the wrong
department would corrupt every responsibility figure downstream. A name that
is not in the list comes back as :class:`Unmatched` with a reason in
Vietnamese and English; nothing here invents an agency.

Agencies carry effective dates, and :func:`current_agency` follows the 2025
reorganization (department mergers on 2025-03-01, the end of district-level
UBND and the Bắc Kạn - Thái Nguyên merger on 2025-07-01) to the body that holds
an assignment on a given date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from dagster_project.config import SEEDS_DIR
from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.reference_tables import (
    ReferenceDataError,
    normalize_agency_name,
    read_reference_csv,
    reference_tables,
)

__all__ = [
    "ReferenceDataError",
    "normalize_agency_name",
    "read_reference_csv",
]

REFERENCE_DIR = SEEDS_DIR / "reference"

AGENCY_KINDS = frozenset(
    {
        "department",
        "provincial_body",
        "district_ubnd",
        "commune_ubnd",
        "central_branch",
        "enterprise",
        "other",
    }
)

# U+FFFD marks a cell the web copy cut off; such a name cannot be looked up.
REPLACEMENT_CHARACTER = "\ufffd"

_TRAILING_PUNCT = " .,;:"

# Separators between pieces of one ';'-part. A comma may end a name; ' và ' and
# ' - ' usually sit inside one ('Sở Khoa học và Công nghệ'), so an unknown run
# of pieces is only cut at commas when reported as unmatched.
_PIECE_SEPARATOR = re.compile(r"\s*,\s*|\s+và\s+|\s+[-–]\s+")
# 'Các Sở Y tế; Sở Giáo dục...' puts a plural 'Các' before the first of a list of
# named departments. It is dropped only when what follows is one known agency,
# so that 'Các sở, ngành' still reads as a group.
_PLURAL_PREFIX = re.compile(r"(?i)các\s+")


@dataclass(frozen=True)
class Agency:
    agency_id: str
    province_id: str
    agency_name: str
    agency_kind: str
    valid_from: date | None
    valid_to: date | None
    successor_agency_id: str | None
    is_group: bool


@dataclass(frozen=True)
class AliasTarget:
    """What one alias spelling points at: an agency or a group, never both."""

    alias_text: str
    province_id: str | None
    agency_id: str | None = None
    group_id: str | None = None


@dataclass(frozen=True)
class Registry:
    """The reference tables, indexed for lookup. Build it with :func:`load_registry`."""

    provinces: Mapping[str, str]
    agencies: Mapping[str, Agency]
    groups: Mapping[str, str]
    aliases: Mapping[str, tuple[AliasTarget, ...]]

    def lookup(self, text: str, province_id: str | None) -> AliasTarget | None:
        """The target ``text`` names in ``province_id`` (``None``: in any province)."""
        for target in self.aliases.get(normalize_agency_name(text), ()):
            if province_id is None or target.province_id in (None, province_id):
                return target
        return None

    def provinces_with_alias(self, text: str) -> list[str]:
        return sorted(
            {
                t.province_id
                for t in self.aliases.get(normalize_agency_name(text), ())
                if t.province_id is not None
            }
        )


@dataclass(frozen=True)
class Match:
    """A piece of a cell that names one agency or one group."""

    fragment: str
    alias_text: str
    agency_id: str | None = None
    group_id: str | None = None


@dataclass(frozen=True)
class Unmatched:
    """A piece of a cell that names nothing in the reference tables."""

    fragment: str
    reason_code: str
    reason_vi: str
    reason_en: str


def _unmatched(fragment: str, province_id: str | None, registry: Registry) -> Unmatched:
    if REPLACEMENT_CHARACTER in fragment:
        return Unmatched(
            fragment,
            "truncated",
            "Tên bị cắt cụt trong văn bản nguồn (có ký tự �), không thể tra cứu",
            "name is cut off in the source document (contains U+FFFD) and cannot be looked up",
        )
    elsewhere = registry.provinces_with_alias(fragment)
    if elsewhere:
        listed = ", ".join(elsewhere)
        return Unmatched(
            fragment,
            "alias_of_other_province",
            f"Tên này chỉ được khai báo cho tỉnh khác ({listed}), không phải {province_id}",
            f"this name is registered only for other provinces ({listed}), not {province_id}",
        )
    return Unmatched(
        fragment,
        "unknown_name",
        "Không có trong danh sách tên cơ quan (seeds/reference/agency_aliases.csv, "
        "agency_groups.csv); bổ sung qua PR có người duyệt nếu đây là cơ quan có thật",
        "not in the agency alias list (seeds/reference/agency_aliases.csv, "
        "agency_groups.csv); add it through a reviewed PR if it is a real agency",
    )


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    after_comma: bool


def _pieces(part: str) -> list[_Piece]:
    """Spans of the pieces of one ';'-part, trimmed of spaces, empty pieces dropped."""
    bounds = [0]
    commas = [False]
    for separator in _PIECE_SEPARATOR.finditer(part):
        bounds += [separator.start(), separator.end()]
        commas.append("," in separator.group())
    bounds.append(len(part))
    pieces: list[_Piece] = []
    after_comma = False
    for k, comma_before in enumerate(commas):
        start, end = bounds[2 * k], bounds[2 * k + 1]
        after_comma = after_comma or comma_before
        text = part[start:end]
        if not text.strip(_TRAILING_PUNCT):
            continue
        start += len(text) - len(text.lstrip())
        end -= len(text) - len(text.rstrip())
        pieces.append(_Piece(start, end, after_comma))
        after_comma = False
    return pieces


def _longest_alias(
    part: str, pieces: list[_Piece], i: int, province_id: str | None, registry: Registry
) -> tuple[int, Match] | None:
    """The longest run ``pieces[i..j]`` that is one alias, as ``(j, match)``."""
    for j in range(len(pieces) - 1, i - 1, -1):
        fragment = part[pieces[i].start : pieces[j].end]
        target = registry.lookup(fragment, province_id)
        if target is not None:
            return j, Match(fragment, target.alias_text, target.agency_id, target.group_id)
        plural = _PLURAL_PREFIX.match(fragment)
        if plural:
            target = registry.lookup(fragment[plural.end() :], province_id)
            if target is not None and target.agency_id is not None:
                return j, Match(fragment, target.alias_text, target.agency_id, None)
    return None


def _segment_part(
    part: str, province_id: str | None, registry: Registry
) -> list[Match | Unmatched]:
    """Segments of one ';'-part: matches, and the unknown runs between them."""
    segments: list[Match | Unmatched] = []
    pieces = _pieces(part)
    pending: list[_Piece] = []
    i = 0
    while i <= len(pieces):
        found = _longest_alias(part, pieces, i, province_id, registry) if i < len(pieces) else None
        ends_run = found is not None or i == len(pieces) or pieces[i].after_comma
        if pending and ends_run:
            fragment = part[pending[0].start : pending[-1].end]
            segments.append(_unmatched(fragment, province_id, registry))
            pending = []
        if found is not None:
            j, match = found
            segments.append(match)
            i = j + 1
        else:
            if i < len(pieces):
                pending.append(pieces[i])
            i += 1
    return segments


def _segment(text: str, province_id: str | None, registry: Registry) -> list[Match | Unmatched]:
    segments: list[Match | Unmatched] = []
    for part in normalize_cell_text(text).split(";"):
        segments += _segment_part(part, province_id, registry)
    return segments


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry in ``seeds/reference``, read once on first use."""
    return load_registry(REFERENCE_DIR)


def split_agency_cell(
    text: str, registry: Registry | None = None, province_id: str | None = None
) -> list[str]:
    """Cut a cell into the names it lists, as printed.

    >>> split_agency_cell("Sở Văn hóa, Thể thao và Du lịch, Đài PTTH tỉnh; Báo Nghệ An")
    ['Sở Văn hóa, Thể thao và Du lịch', 'Đài PTTH tỉnh', 'Báo Nghệ An']

    Pieces that match no alias are returned as they are, cut at commas.
    """
    registry = registry or default_registry()
    return [segment.fragment for segment in _segment(text, province_id, registry)]


def resolve_agencies(
    cell_text: str, province_id: str, registry: Registry | None = None
) -> tuple[list[Match], list[Unmatched]]:
    """Every agency or group a cell names in ``province_id``, and what is left over.

    An empty cell names nothing and returns two empty lists.
    """
    registry = registry or default_registry()
    if province_id not in registry.provinces:
        raise ValueError(f"unknown province_id {province_id!r}; see provinces.csv")
    segments = _segment(cell_text, province_id, registry)
    matches = [s for s in segments if isinstance(s, Match)]
    unmatched = [s for s in segments if isinstance(s, Unmatched)]
    return matches, unmatched


def current_agency(agency_id: str, as_of: date, registry: Registry | None = None) -> str:
    """The agency that holds ``agency_id``'s assignments on ``as_of``.

    Follows successors while ``as_of`` is after an agency's ``valid_to``; the
    plans themselves say tasks move to the successor after a merger.
    """
    registry = registry or default_registry()
    if agency_id not in registry.agencies:
        raise KeyError(f"unknown agency_id {agency_id!r}; groups have no lineage")
    agency = registry.agencies[agency_id]
    if agency.valid_from is not None and as_of < agency.valid_from:
        raise ValueError(f"{agency_id} did not exist yet on {as_of} (from {agency.valid_from})")
    visited = {agency_id}
    while agency.valid_to is not None and as_of > agency.valid_to:
        if agency.successor_agency_id is None:
            raise LookupError(f"{agency.agency_id} ended on {agency.valid_to} with no successor")
        agency = registry.agencies[agency.successor_agency_id]
        if agency.agency_id in visited:
            raise ReferenceDataError(f"successor cycle through {agency.agency_id}")
        visited.add(agency.agency_id)
    return agency.agency_id


def _date_or_none(value: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ReferenceDataError(f"{where}: {value!r} is not an ISO date") from error


def _index_aliases(targets: Iterable[AliasTarget]) -> dict[str, tuple[AliasTarget, ...]]:
    """Index by normalized spelling; refuse a spelling that could mean two things.

    A province-specific alias and a province-free one with the same spelling
    would both apply in that province, so they must name the same target.
    """
    index: dict[str, list[AliasTarget]] = {}
    for target in targets:
        key = normalize_agency_name(target.alias_text)
        if not key:
            raise ReferenceDataError(f"empty alias for {target.agency_id or target.group_id}")
        for other in index.setdefault(key, []):
            overlapping = (
                other.province_id is None
                or target.province_id is None
                or other.province_id == target.province_id
            )
            same_target = (other.agency_id, other.group_id) == (target.agency_id, target.group_id)
            if overlapping and not same_target:
                raise ReferenceDataError(
                    f"alias {target.alias_text!r} is ambiguous: "
                    f"{other.agency_id or other.group_id} and {target.agency_id or target.group_id}"
                )
        index[key].append(target)
    # Province-specific entries first, so lookup prefers them over generic ones.
    return {
        key: tuple(sorted(entries, key=lambda t: t.province_id is None))
        for key, entries in index.items()
    }


def load_registry(reference_dir: Path = REFERENCE_DIR) -> Registry:
    """Read provinces, agencies, aliases and groups from ``reference_dir``.

    Refuses tables the resolver cannot use safely: unknown kinds, dangling
    ids, ambiguous aliases. The full referential checks over every reference
    table live in ``tests/test_reference_seeds.py``.
    """
    tables = reference_tables(reference_dir)
    provinces = {row["province_id"]: row["province_name"] for row in tables["provinces"]}
    agencies: dict[str, Agency] = {}
    for row in tables["agencies"]:
        where = f"agencies.csv {row['agency_id']}"
        if row["agency_id"] in agencies:
            raise ReferenceDataError(f"{where}: duplicate agency_id")
        if row["province_id"] not in provinces:
            raise ReferenceDataError(f"{where}: unknown province_id {row['province_id']!r}")
        if row["agency_kind"] not in AGENCY_KINDS:
            raise ReferenceDataError(f"{where}: unknown agency_kind {row['agency_kind']!r}")
        if row["is_group"] not in ("true", "false"):
            raise ReferenceDataError(f"{where}: is_group must be true or false")
        agencies[row["agency_id"]] = Agency(
            agency_id=row["agency_id"],
            province_id=row["province_id"],
            agency_name=row["agency_name"],
            agency_kind=row["agency_kind"],
            valid_from=_date_or_none(row["valid_from"], where),
            valid_to=_date_or_none(row["valid_to"], where),
            successor_agency_id=row["successor_agency_id"] or None,
            is_group=row["is_group"] == "true",
        )
    for agency in agencies.values():
        if agency.successor_agency_id and agency.successor_agency_id not in agencies:
            raise ReferenceDataError(
                f"agencies.csv {agency.agency_id}: successor {agency.successor_agency_id!r} does not exist"
            )

    targets: list[AliasTarget] = []
    for row in tables["agency_aliases"]:
        if row["agency_id"] not in agencies:
            raise ReferenceDataError(
                f"agency_aliases.csv {row['alias_text']!r}: agency {row['agency_id']!r} does not exist"
            )
        # Every agency belongs to one province, so a province-free spelling would
        # resolve another province's cells to this province's agency.
        province_id = row["province_id"]
        if province_id != agencies[row["agency_id"]].province_id:
            raise ReferenceDataError(
                f"agency_aliases.csv {row['alias_text']!r}: province {province_id or '(empty)'} "
                f"is not the province of {row['agency_id']}"
            )
        targets.append(AliasTarget(row["alias_text"], province_id, agency_id=row["agency_id"]))

    groups: dict[str, str] = {}
    for row in read_reference_csv(reference_dir / "agency_groups.csv"):
        kind = groups.setdefault(row["group_id"], row["group_kind"])
        if kind != row["group_kind"]:
            raise ReferenceDataError(f"agency_groups.csv {row['group_id']}: two group_kind values")
        province_id = row["province_id"] or None
        if province_id is not None and province_id not in provinces:
            raise ReferenceDataError(
                f"agency_groups.csv {row['group_id']}: unknown province_id {province_id!r}"
            )
        targets.append(AliasTarget(row["group_name_alias"], province_id, group_id=row["group_id"]))

    return Registry(
        provinces=provinces,
        agencies=agencies,
        groups=groups,
        aliases=_index_aliases(targets),
    )

"""The reference tables as the pipeline sees them: hand-curated rows plus the agency template.

Every provincial People's Committee has the same standard bodies (the Sở of
Nghị định 45/2025/NĐ-CP, the provincial police, the State Bank branch...),
spelled the same few ways. Rather than a hand-written row per province,
``seeds/reference/agency_kinds.csv`` lists each kind of body once, with its
dates and successor kind, and ``agency_kind_aliases.csv`` its spellings, with
``{unit}`` (``tỉnh`` or ``thành phố``), ``{name}`` (the province's name) and
``{districts}`` (what its district level is called) left to fill in. The
template is expanded for every province of ``provinces.csv`` that exists on or
after :data:`REGISTRY_START`, so a plan from any province resolves its usual
agencies with no row written for it.

The hand-curated files (``agencies.csv``, ``agency_aliases.csv``,
``agency_lineage.csv``) keep the bodies particular to one province (its
newspaper, university, party boards) and override the template where they
say something else about the same id: a curated agency row replaces the
generated row with its ``agency_id``, a curated lineage row the generated one
with its predecessor, and a curated spelling wins over a generated one in the
same province. Ids are ``<province_id>:<slug>`` with the template's slug, so
the ids already in use (``nghe-an:so-khcn``, ``thai-nguyen:so-khcn``) are
the ones the template produces.

A province that ends (``valid_to``) takes its bodies with it: each ends the
same day and passes to the body of the same kind in the successor province
(Bắc Kạn's Sở Y tế to Thái Nguyên's on 2025-07-01); district-level UBND pass
to the successor's commune-level UBND.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dagster_project.semantics import normalize_cell_text

# The first day a Resolution 57 plan can assign anything (plans run from 2025);
# a province that ended before it (Thừa Thiên Huế, renamed Huế on 2025-01-01)
# gets no generated bodies.
REGISTRY_START = date(2025, 1, 1)

PROVINCE_KINDS = ("province", "city")
UNIT_WORD = {"province": "tỉnh", "city": "thành phố"}
DISTRICTS = {
    "province": "các huyện, thị xã, thành phố",
    "city": "các quận, huyện, thị xã",
}
PROVINCE_MERGER_ACT = "Nghị quyết 202/2025/QH15"
DISTRICT_LEVEL_ACT = "Luật 72/2025/QH15"
DISTRICT_SLUG = "ubnd-cap-huyen"
COMMUNE_SLUG = "ubnd-cap-xa"

TEMPLATE_FILES = ("agency_kinds.csv", "agency_kind_aliases.csv")
EXPANDED_TABLES = ("agencies", "agency_aliases", "agency_lineage")
GENERATED_NOTE = "generated from agency_kinds.csv"


_FOOTNOTE_MARK = re.compile(r"\[\d+\]")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;])")
_NO_SPACE_AFTER_PUNCT = re.compile(r"([,;])(?=\S)")
_TRAILING_PUNCT = " .,;:"


class ReferenceDataError(ValueError):
    """The reference CSVs contradict themselves (dangling id, ambiguous alias...)."""


def normalize_agency_name(text: str) -> str:
    """The key an agency name is compared by.

    NFC, whitespace collapsed (NBSP and line breaks included), casefolded,
    ``đ`` read as ``d`` (the documents mix ``Đ``/``đ`` with ``D`` in
    abbreviations such as ``Sở KH&ĐT``/``Sở KH&DT``), one space after ``,``
    and ``;`` and none before, footnote marks such as ``[1]`` and trailing
    ``.,;:`` dropped (``Sở Tài Chính.``, ``UBND các huyện, thành phố[1]``).
    All other diacritics stay significant: ``Sở Khoa hoc`` is not ``Sở Khoa học``.
    """
    key = normalize_cell_text(_FOOTNOTE_MARK.sub("", text)).casefold().replace("đ", "d")
    key = _SPACE_BEFORE_PUNCT.sub(r"\1", key)
    key = _NO_SPACE_AFTER_PUNCT.sub(r"\1 ", key)
    return key.rstrip(_TRAILING_PUNCT)


def read_reference_csv(path: Path) -> list[dict[str, str]]:
    """Rows of one reference CSV with surrounding whitespace stripped from every value."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _iso(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class _Province:
    province_id: str
    name: str
    kind: str
    valid_from: date | None
    valid_to: date | None
    successor: str | None

    def fill(self, pattern: str) -> str:
        text = pattern.format(
            unit=UNIT_WORD[self.kind], name=self.name, districts=DISTRICTS[self.kind]
        )
        return normalize_cell_text(text)


def _provinces(rows: Iterable[dict[str, str]]) -> dict[str, _Province]:
    provinces = {}
    for row in rows:
        kind = row.get("province_kind", "") or "province"
        if kind not in PROVINCE_KINDS:
            raise ReferenceDataError(
                f"provinces.csv {row['province_id']}: province_kind {kind!r} is not one of "
                f"{', '.join(PROVINCE_KINDS)}"
            )
        provinces[row["province_id"]] = _Province(
            row["province_id"],
            row["province_name"],
            kind,
            _iso(row["valid_from"]),
            _iso(row["valid_to"]),
            row["successor_province_id"] or None,
        )
    return provinces


def _agency_row(province: _Province, kind: dict[str, str]) -> dict[str, str]:
    return {
        "agency_id": f"{province.province_id}:{kind['slug']}",
        "province_id": province.province_id,
        "agency_name": province.fill(kind["name_pattern"]),
        "agency_kind": kind["agency_kind"],
        "valid_from": "",
        "valid_to": "",
        "successor_agency_id": "",
        "is_group": kind["is_group"],
        "source_note": f"{GENERATED_NOTE}: {kind['note']}" if kind["note"] else GENERATED_NOTE,
    }


def _lineage_row(agency: dict[str, str], effective: date, acts: str, note: str) -> dict[str, str]:
    return {
        "predecessor_agency_id": agency["agency_id"],
        "successor_agency_id": agency["successor_agency_id"],
        "effective_date": effective.isoformat(),
        "legal_basis": acts,
        "note": note,
    }


def expand_template(
    province_rows: Iterable[dict[str, str]],
    kinds: Iterable[dict[str, str]],
    kind_aliases: Iterable[dict[str, str]],
) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """(agencies, aliases, lineage) the template gives for every province alive from 2025."""
    provinces = _provinces(province_rows)
    kinds = list(kinds)
    by_slug = {kind["slug"]: kind for kind in kinds}
    aliases_of: dict[str, list[dict[str, str]]] = {}
    for alias in kind_aliases:
        if alias["slug"] not in by_slug:
            raise ReferenceDataError(
                f"agency_kind_aliases.csv {alias['alias_pattern']!r}: no kind {alias['slug']!r}"
            )
        aliases_of.setdefault(alias["slug"], []).append(alias)
    agencies: list[dict[str, str]] = []
    aliases: list[dict[str, str]] = []
    lineage: list[dict[str, str]] = []
    for province in provinces.values():
        if province.valid_to is not None and province.valid_to < REGISTRY_START:
            continue
        successor_province = provinces.get(province.successor) if province.successor else None
        for kind in kinds:
            row = _agency_row(province, kind)
            starts = [d for d in (_iso(kind["valid_from"]), province.valid_from) if d]
            row["valid_from"] = max(starts).isoformat() if starts else ""
            kind_end = _iso(kind["valid_to"])
            if kind_end is not None and (province.valid_to is None or kind_end < province.valid_to):
                # The body ends inside its province: the successor kind takes over there.
                row["valid_to"] = kind_end.isoformat()
                successor_province_id = province.province_id
                acts = kind["legal_basis"]
                if kind["slug"] == DISTRICT_SLUG and province.valid_to == kind_end:
                    successor_province_id = province.successor or province.province_id
                    acts = f"{acts}; {PROVINCE_MERGER_ACT}"
                row["successor_agency_id"] = f"{successor_province_id}:{kind['successor_slug']}"
                note = kind["note"]
            elif province.valid_to is not None:
                # The province ends first: the same kind in its successor takes over.
                if successor_province is None:
                    raise ReferenceDataError(
                        f"provinces.csv {province.province_id}: ends {province.valid_to} "
                        "with no successor province"
                    )
                row["valid_to"] = province.valid_to.isoformat()
                slug = kind["successor_slug"] if kind["slug"] == DISTRICT_SLUG else kind["slug"]
                row["successor_agency_id"] = f"{successor_province.province_id}:{slug}"
                acts = PROVINCE_MERGER_ACT
                if kind["slug"] == DISTRICT_SLUG:
                    acts = f"{kind['legal_basis']}; {PROVINCE_MERGER_ACT}"
                note = f"{province.name} merged into {successor_province.name}"
            else:
                note = ""
            agencies.append(row)
            if row["valid_to"]:
                effective = _iso(row["valid_to"]) + timedelta(days=1)
                lineage.append(_lineage_row(row, effective, acts, note))
            for alias in aliases_of.get(kind["slug"], []):
                if alias["province_kind"] and alias["province_kind"] != province.kind:
                    continue
                aliases.append(
                    {
                        "alias_text": province.fill(alias["alias_pattern"]),
                        "province_id": province.province_id,
                        "agency_id": row["agency_id"],
                        "note": alias["note"] or "generated from agency_kind_aliases.csv",
                    }
                )
    return agencies, aliases, lineage


def _alias_key(row: dict[str, str]) -> tuple[str, str]:
    return normalize_agency_name(row["alias_text"]), row["province_id"]


def merge_curated(
    curated: dict[str, list[dict[str, str]]], generated: dict[str, list[dict[str, str]]]
) -> dict[str, list[dict[str, str]]]:
    """Curated rows first, then the generated rows they do not already say something about."""
    curated_ids = {row["agency_id"] for row in curated["agencies"]}
    curated_steps = {row["predecessor_agency_id"] for row in curated["agency_lineage"]}
    curated_spellings = {_alias_key(row) for row in curated["agency_aliases"]}
    generated_spellings: set[tuple[str, str]] = set()
    aliases = []
    for row in generated["agency_aliases"]:
        key = _alias_key(row)
        if key in curated_spellings or key in generated_spellings:
            continue
        generated_spellings.add(key)
        aliases.append(row)
    return {
        "agencies": curated["agencies"]
        + [row for row in generated["agencies"] if row["agency_id"] not in curated_ids],
        "agency_aliases": curated["agency_aliases"] + aliases,
        "agency_lineage": curated["agency_lineage"]
        + [
            row
            for row in generated["agency_lineage"]
            if row["predecessor_agency_id"] not in curated_steps
            and row["predecessor_agency_id"] not in curated_ids
        ],
    }


def reference_tables(reference_dir: Path) -> dict[str, list[dict[str, str]]]:
    """provinces, agencies, agency_aliases and agency_lineage: curated rows plus the template.

    Without the template files (an older seeds folder) the curated rows alone.
    """
    tables = {
        name: read_reference_csv(reference_dir / f"{name}.csv")
        for name in ("provinces", *EXPANDED_TABLES)
    }
    if not all((reference_dir / name).exists() for name in TEMPLATE_FILES):
        return tables
    agencies, aliases, lineage = expand_template(
        tables["provinces"],
        read_reference_csv(reference_dir / TEMPLATE_FILES[0]),
        read_reference_csv(reference_dir / TEMPLATE_FILES[1]),
    )
    generated = {"agencies": agencies, "agency_aliases": aliases, "agency_lineage": lineage}
    return {"provinces": tables["provinces"], **merge_curated(tables, generated)}


def reference_rows(reference_dir: Path, name: str) -> list[dict[str, str]]:
    """One reference table as the pipeline uses it (expanded for the agency tables)."""
    if name in EXPANDED_TABLES or name == "provinces":
        return reference_tables(reference_dir)[name]
    return read_reference_csv(reference_dir / f"{name}.csv")

"""National reference data: every province of 2025 and before, and the agency template that
gives each of them its standard bodies with no hand-written row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dagster_project.semantics.agencies import (
    REFERENCE_DIR,
    current_agency,
    load_registry,
    resolve_agencies,
)
from dagster_project.semantics.reference_tables import (
    ReferenceDataError,
    expand_template,
    read_reference_csv,
    reference_rows,
)
from dagster_project.simulate.provinces import provinces_2025

IDS_IN_USE = Path(__file__).parent / "fixtures" / "reference" / "agency_ids_in_use.txt"


@pytest.fixture(scope="module")
def registry():
    return load_registry(REFERENCE_DIR)


def _alive(rows, day: date) -> set[str]:
    return {
        row["province_id"]
        for row in rows
        if (not row["valid_from"] or date.fromisoformat(row["valid_from"]) <= day)
        and (not row["valid_to"] or date.fromisoformat(row["valid_to"]) >= day)
    }


def test_there_are_34_provinces_from_july_2025_and_63_before():
    rows = read_reference_csv(REFERENCE_DIR / "provinces.csv")
    assert len(_alive(rows, date(2025, 7, 1))) == 34
    assert len(_alive(rows, date(2024, 12, 31))) == 63
    # The 29 units merged away end the day before the merged provinces start.
    merged = [row for row in rows if row["valid_to"] == "2025-06-30"]
    assert len(merged) == 29
    assert all(row["successor_province_id"] for row in merged)


def test_the_simulator_reads_the_same_provinces():
    rows = read_reference_csv(REFERENCE_DIR / "provinces.csv")
    assert [p.province_id for p in provinces_2025()] == [
        row["province_id"] for row in rows if not row["valid_to"]
    ]
    thai_nguyen = next(p for p in provinces_2025() if p.province_id == "thai-nguyen")
    assert thai_nguyen.formed_from == ("Bắc Kạn", "Thái Nguyên")


def test_the_agency_ids_in_use_are_kept():
    ids = {row["agency_id"] for row in reference_rows(REFERENCE_DIR, "agencies")}
    in_use = [
        line
        for line in IDS_IN_USE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(in_use) == 113
    assert [agency_id for agency_id in in_use if agency_id not in ids] == []


def test_every_province_of_2025_has_the_standard_bodies(registry):
    kinds = [row["slug"] for row in read_reference_csv(REFERENCE_DIR / "agency_kinds.csv")]
    for province in provinces_2025():
        missing = [k for k in kinds if f"{province.province_id}:{k}" not in registry.agencies]
        assert missing == [], province.province_id


@pytest.mark.parametrize(
    ("cell", "province_id", "expected"),
    [
        (
            "Sở KH&CN; Sở Tài chính, UBND các huyện, thị xã, thành phố",
            "quang-tri",
            ["quang-tri:so-khcn", "quang-tri:so-tai-chinh", "quang-tri:ubnd-cap-huyen"],
        ),
        (
            "Công an tỉnh; BCHQS tỉnh",
            "thanh-hoa",
            ["thanh-hoa:cong-an-tinh", "thanh-hoa:bchqs-tinh"],
        ),
        ("Văn phòng UBND thành phố", "da-nang", ["da-nang:van-phong-ubnd"]),
        ("UBND các quận, huyện", "can-tho", ["can-tho:ubnd-cap-huyen"]),
        ("Sở TT&TT", "kon-tum", ["kon-tum:so-tttt"]),
    ],
)
def test_a_province_without_hand_written_rows_resolves_its_usual_agencies(
    cell, province_id, expected, registry
):
    matches, unmatched = resolve_agencies(cell, province_id, registry)
    assert unmatched == []
    assert [m.agency_id for m in matches] == expected


def test_a_city_has_no_provincial_spelling_of_its_district_level(registry):
    matches, unmatched = resolve_agencies("UBND các quận, huyện", "quang-tri", registry)
    assert matches == []
    assert {u.reason_code for u in unmatched} == {"unknown_name"}


def test_bodies_of_a_merged_province_pass_to_the_successor(registry):
    assert current_agency("kon-tum:so-tttt", date(2025, 2, 1), registry) == "kon-tum:so-tttt"
    assert current_agency("kon-tum:so-tttt", date(2025, 4, 1), registry) == "kon-tum:so-khcn"
    assert current_agency("kon-tum:so-tttt", date(2025, 7, 1), registry) == "quang-ngai:so-khcn"
    assert current_agency("kon-tum:ubnd-cap-huyen", date(2025, 7, 1), registry) == (
        "quang-ngai:ubnd-cap-xa"
    )
    assert current_agency("nghe-an:ubnd-cap-huyen", date(2025, 7, 1), registry) == (
        "nghe-an:ubnd-cap-xa"
    )


def test_hue_bodies_start_with_the_city_and_thua_thien_hue_has_none(registry):
    assert registry.agencies["hue:so-khcn"].valid_from == date(2025, 1, 1)
    assert registry.agencies["hue:ubnd-tinh"].agency_name == "Ủy ban nhân dân thành phố Huế"
    assert not [a for a in registry.agencies if a.startswith("thua-thien-hue:")]


def _province(province_id, **values):
    return {
        "province_id": province_id,
        "province_name": province_id.title(),
        "province_kind": "province",
        "valid_from": "",
        "valid_to": "",
        "successor_province_id": "",
        "source_note": "",
        **values,
    }


KIND = {
    "slug": "so-y-te",
    "name_pattern": "Sở Y tế",
    "agency_kind": "department",
    "is_group": "false",
    "valid_from": "",
    "valid_to": "",
    "successor_slug": "",
    "legal_basis": "",
    "note": "",
}


def test_a_province_that_ends_without_a_successor_is_refused():
    with pytest.raises(ReferenceDataError, match="no successor"):
        expand_template([_province("a", valid_to="2025-06-30")], [KIND], [])


def test_an_alias_of_an_unknown_kind_is_refused():
    alias = {"slug": "so-xyz", "alias_pattern": "Sở XYZ", "province_kind": "", "note": ""}
    with pytest.raises(ReferenceDataError, match="no kind"):
        expand_template([_province("a")], [KIND], [alias])


def test_an_unknown_province_kind_is_refused():
    with pytest.raises(ReferenceDataError, match="province_kind"):
        expand_template([_province("a", province_kind="state")], [KIND], [])

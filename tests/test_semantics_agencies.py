"""Agency-name resolution on every agency cell of the plans, and lineage through 2025."""

from __future__ import annotations

import csv
import shutil
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from fixtures.documents import source_documents
from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.extract.appendix import extract_appendices
from dagster_project.semantics.agencies import (
    REFERENCE_DIR,
    Match,
    ReferenceDataError,
    current_agency,
    load_registry,
    normalize_agency_name,
    resolve_agencies,
    split_agency_cell,
)
from dagster_project.warehouse.paths import SEEDS_DIR

NGHE_AN = "002_47b38050f79059a8.txt"
BAC_KAN = "003_9cd07b915d35755a.txt"
TODAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def registry():
    return load_registry(REFERENCE_DIR)


@pytest.fixture(scope="module")
def appendix_cells():
    """(province_id, where, cell text) for every agency cell of both plans' appendices."""
    documents = source_documents()
    cells = []
    for source_file, plan_id, province_id in (
        (NGHE_AN, "nghe-an-348-2025", "nghe-an"),
        (BAC_KAN, "bac-kan-131-2025", "bac-kan"),
    ):
        tables, _ = extract_appendices(documents[source_file], plan_id)
        for row in tables["indicators"]:
            where = f"{plan_id} indicator {row['indicator_code']} (line {row['source_line']})"
            cells.append((province_id, where, row["monitoring_agency_text"]))
        for row in tables["tasks"]:
            where = f"{plan_id} task {row['task_key']} (line {row['source_line']})"
            cells.append((province_id, where + " lead", row["lead_agency_text"]))
            cells.append((province_id, where + " coordinating", row["coordinating_agency_text"]))
    return cells


def _agencies(matches: list[Match]) -> list[str | None]:
    return [m.agency_id or m.group_id for m in matches]


# -- normalization ---------------------------------------------------------------------


def test_normalize_ignores_case_d_stroke_spacing_and_trailing_dot():
    assert normalize_agency_name("Sở Tài Chính.") == normalize_agency_name("sở tài chính")
    assert normalize_agency_name("SỞ KH&ĐT") == normalize_agency_name("Sở KH&DT")
    assert normalize_agency_name("Sở  Văn hóa ,Thể thao\u00a0và\nDu lịch ;") == (
        "sở văn hóa, thể thao và du lịch"
    )


def test_normalize_drops_footnote_marks():
    assert normalize_agency_name("UBND các huyện, thành phố[1]") == "ubnd các huyện, thành phố"


def test_normalize_composes_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Sở Khoa học và Công nghệ")
    assert normalize_agency_name(decomposed) == normalize_agency_name("Sở Khoa học và Công nghệ")


def test_normalize_keeps_other_diacritics_significant():
    assert normalize_agency_name("Sở Khoa hoc") != normalize_agency_name("Sở Khoa học")


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize_agency_name(text)
    assert normalize_agency_name(once) == once


# -- splitting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "pieces"),
    [
        ("Sở Văn hóa, Thể thao và Du lịch", ["Sở Văn hóa, Thể thao và Du lịch"]),
        ("Sở Khoa học, Công nghệ; Sở Tài chính", ["Sở Khoa học, Công nghệ", "Sở Tài chính"]),
        ("Ngân hàng nhà nước, chi nhánh Nghệ An", ["Ngân hàng nhà nước, chi nhánh Nghệ An"]),
        ("Sở Lao động - Thương binh và Xã hội", ["Sở Lao động - Thương binh và Xã hội"]),
        ("Báo Nghệ An - Đài PTTH tỉnh", ["Báo Nghệ An", "Đài PTTH tỉnh"]),
        (
            "Sở Khoa học và Công nghệ và các sở, ngành, địa phương",
            ["Sở Khoa học và Công nghệ", "các sở, ngành, địa phương"],
        ),
        (
            "Các sở, ngành, UBND các huyện, thành phố, doanh nghiệp",
            ["Các sở, ngành", "UBND các huyện, thành phố", "doanh nghiệp"],
        ),
        ("Các Sở Y tế; Sở Giáo dục và Đào tạo", ["Các Sở Y tế", "Sở Giáo dục và Đào tạo"]),
        ("", []),
        (" ; ", []),
    ],
)
def test_split_cuts_only_where_a_known_name_ends(cell, pieces, registry):
    assert split_agency_cell(cell, registry) == pieces


def test_split_keeps_an_unknown_run_together_up_to_the_comma(registry):
    assert split_agency_cell("Sở Foo và Bar, Sở Baz; Sở KH&CN", registry) == [
        "Sở Foo và Bar",
        "Sở Baz",
        "Sở KH&CN",
    ]


@given(
    st.lists(
        st.sampled_from(
            [
                "Sở Văn hóa, Thể thao và Du lịch",
                "Sở Khoa học và Công nghệ",
                "Sở Lao động - Thương binh và Xã hội",
                "Ngân hàng nhà nước, chi nhánh Nghệ An",
                "Các sở, ban, ngành, địa phương",
                "Công an tỉnh",
            ]
        ),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(["; ", ";"]),
)
# The first example loads the default registry (every province's agencies).
@settings(deadline=None)
def test_split_recovers_any_semicolon_list_of_known_names(names, separator):
    # The cached default registry: Hypothesis runs this many times.
    assert split_agency_cell(separator.join(names)) == names


# -- resolving -------------------------------------------------------------------------


def test_every_appendix_agency_cell_resolves_without_leftovers(appendix_cells, registry):
    # 65 + 54*2 Nghệ An cells, 47 + 78*2 Bắc Kạn cells: the extractor found every row.
    assert len(appendix_cells) == (65 + 54 * 2) + (47 + 78 * 2)
    leftovers = []
    for province_id, where, text in appendix_cells:
        matches, unmatched = resolve_agencies(text, province_id, registry)
        if text.strip():
            assert matches, where
        leftovers += [(where, u.fragment) for u in unmatched]
    assert leftovers == []


def test_cell_with_many_agencies_resolves_each_in_order(registry):
    matches, unmatched = resolve_agencies(
        "Sở Văn hóa, Thể thao và Du lịch, Đài Phát thanh và Truyền hình tỉnh; "
        "Báo Bắc Kạn, UBND các huyện, thành phố",
        "bac-kan",
        registry,
    )
    assert unmatched == []
    assert _agencies(matches) == [
        "bac-kan:so-vhttdl",
        "bac-kan:dai-ptth",
        "bac-kan:bao-bac-kan",
        "bac-kan:ubnd-cap-huyen",
    ]


def test_plural_prefix_before_a_named_department_is_dropped(registry):
    matches, unmatched = resolve_agencies(
        "Các Sở Y tế; Sở Giáo dục và Đào tạo; Bảo hiểm xã hội tỉnh; Sở Xây dựng",
        "nghe-an",
        registry,
    )
    assert unmatched == []
    assert matches[0].fragment == "Các Sở Y tế"
    assert _agencies(matches) == [
        "nghe-an:so-y-te",
        "nghe-an:so-gddt",
        "nghe-an:bhxh-tinh",
        "nghe-an:so-xay-dung",
    ]


def test_group_names_resolve_to_groups_not_agencies(registry):
    matches, _ = resolve_agencies("Các sở, ban, ngành, địa phương", "nghe-an", registry)
    assert [(m.agency_id, m.group_id) for m in matches] == [(None, "so-ban-nganh-dia-phuong")]


def test_alias_matching_is_case_and_d_insensitive_but_otherwise_exact(registry):
    for spelling in ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "sở khoa học và công nghệ.", "Sở KH&CN"):
        matches, unmatched = resolve_agencies(spelling, "lang-son", registry)
        assert _agencies(matches) == ["lang-son:so-khcn"], spelling
        assert unmatched == []
    for near_miss in ("Sở Khoa học Công nghệ", "Sở Khoa hoc và Công nghệ", "Sở KH & CN"):
        matches, unmatched = resolve_agencies(near_miss, "lang-son", registry)
        assert matches == [], near_miss
        assert [u.fragment for u in unmatched] == [near_miss]


def test_unknown_name_is_unmatched_with_a_reason_in_both_languages(registry):
    matches, unmatched = resolve_agencies(
        "Sở Khoa học và Công nghệ, Sở Du hành vũ trụ", "nghe-an", registry
    )
    assert _agencies(matches) == ["nghe-an:so-khcn"]
    [leftover] = unmatched
    assert leftover.fragment == "Sở Du hành vũ trụ"
    assert leftover.reason_code == "unknown_name"
    assert "danh sách" in leftover.reason_vi
    assert "alias list" in leftover.reason_en


def test_name_registered_for_another_province_says_so(registry):
    matches, unmatched = resolve_agencies("Báo Bắc Kạn", "nghe-an", registry)
    assert matches == []
    assert unmatched[0].reason_code == "alias_of_other_province"
    assert "bac-kan" in unmatched[0].reason_en


def test_cut_off_name_is_reported_as_truncated(registry):
    _, unmatched = resolve_agencies(
        "Sở Khoa học và Công nghệ, Sở Tài ch\ufffd", "bac-kan", registry
    )
    assert [(u.fragment, u.reason_code) for u in unmatched] == [("Sở Tài ch\ufffd", "truncated")]


def test_unknown_province_is_refused(registry):
    with pytest.raises(ValueError, match="unknown province_id"):
        resolve_agencies("Sở Y tế", "atlantis", registry)


# Where each plan's "Tổ chức thực hiện" section starts and ends. Lạng Sơn 145 lost
# the heading in its web copy; its section follows the pointer to Phụ lục II.
TO_CHUC_THUC_HIEN = {
    "000_19fe45472b84c257.txt": ("(Chi tiết tại Phụ lục II kèm theo)", "TM. ỦY BAN NHÂN DÂN"),
    "001_7938fe19b7ad8c15.txt": ("IV. TỔ CHỨC THỰC HIỆN", "Nơi nhận"),
    NGHE_AN: ("V. TỔ CHỨC THỰC HIỆN", "Nơi nhận"),
    BAC_KAN: ("IV. TỔ CHỨC THỰC HIỆN", "Nơi nhận"),
}


@pytest.mark.parametrize(
    ("source_file", "province_id", "printed", "expected"),
    [
        (
            "000_19fe45472b84c257.txt",
            "lang-son",
            "Các sở, ban, ngành; UBND các huyện, thành phố[1]",
            ["so-ban-nganh", "lang-son:ubnd-cap-huyen"],
        ),
        (
            "000_19fe45472b84c257.txt",
            "lang-son",
            "Sở Văn hóa, Thể thao và Du lịch",
            ["lang-son:so-vhttdl"],
        ),
        (
            "000_19fe45472b84c257.txt",
            "lang-son",
            "Các doanh nghiệp, đơn vị kinh tế trên địa bàn",
            ["doanh-nghiep"],
        ),
        (
            "000_19fe45472b84c257.txt",
            "lang-son",
            "Ban Chỉ đạo phát triển khoa học công nghệ, đổi mới sáng tạo, chuyển đổi số và Đề án 06",
            ["lang-son:ban-chi-dao-khcn-dmst-cds"],
        ),
        (
            "001_7938fe19b7ad8c15.txt",
            "lai-chau",
            "Các sở, ngành, địa phương",
            ["so-ban-nganh-dia-phuong"],
        ),
        (
            "001_7938fe19b7ad8c15.txt",
            "lai-chau",
            "Các sở, ban, ngành, UBND cấp huyện",
            ["so-ban-nganh", "lai-chau:ubnd-cap-huyen"],
        ),
        (
            "001_7938fe19b7ad8c15.txt",
            "lai-chau",
            "Ban Chấp hành Đảng bộ tỉnh",
            ["lai-chau:ban-chap-hanh-dang-bo-tinh"],
        ),
        (
            "001_7938fe19b7ad8c15.txt",
            "lai-chau",
            "Ban thường vụ Tỉnh ủy",
            ["lai-chau:ban-thuong-vu-tinh-uy"],
        ),
        ("001_7938fe19b7ad8c15.txt", "lai-chau", "Sở Tài chính", ["lai-chau:so-tai-chinh"]),
        (
            NGHE_AN,
            "nghe-an",
            "Các sở, ban, ngành và UBND các cấp",
            ["so-ban-nganh", "ubnd-cac-cap"],
        ),
        (
            NGHE_AN,
            "nghe-an",
            "Các Viện nghiên cứu, trường Đại học, Cao đẳng, tổ chức khoa học và công nghệ trên địa bàn tỉnh",
            ["vien-truong"],
        ),
        (NGHE_AN, "nghe-an", "HĐND tỉnh", ["nghe-an:hdnd-tinh"]),
        (
            BAC_KAN,
            "bac-kan",
            "Các sở, ban, ngành, Ủy ban nhân dân các huyện, thành phố:",
            ["so-ban-nganh", "bac-kan:ubnd-cap-huyen"],
        ),
        (BAC_KAN, "bac-kan", "Hội đồng nhân dân tỉnh", ["bac-kan:hdnd-tinh"]),
        (BAC_KAN, "bac-kan", "Ban Thường vụ Tỉnh ủy", ["bac-kan:ban-thuong-vu-tinh-uy"]),
        (BAC_KAN, "bac-kan", "Sở Khoa học và Công nghệ", ["bac-kan:so-khcn"]),
    ],
)
def test_agencies_named_in_to_chuc_thuc_hien_resolve(
    source_file, province_id, printed, expected, registry
):
    text = source_documents()[source_file].text
    start, end = TO_CHUC_THUC_HIEN[source_file]
    section = text[text.index(start) : text.index(end, text.index(start))]
    assert printed in section
    matches, unmatched = resolve_agencies(printed, province_id, registry)
    assert unmatched == []
    assert _agencies(matches) == expected


def _seed_rows(name: str) -> list[dict[str, str]]:
    path = SEEDS_DIR / f"{name}.csv"
    if not path.exists():
        pytest.skip(f"seeds/{name}.csv not written yet (run `nq57 extract`)")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _province_of_plan(plan_id: str, registry) -> str:
    return max((p for p in registry.provinces if plan_id.startswith(p + "-")), key=len)


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("tasks", ("lead_agency_text", "coordinating_agency_text")),
        ("indicators", ("monitoring_agency_text",)),
    ],
)
def test_every_agency_cell_in_the_extracted_seeds_resolves(table, columns, registry):
    rows = _seed_rows(table)
    assert rows, f"seeds/{table}.csv is empty"
    leftovers = []
    for row in rows:
        province_id = _province_of_plan(row["plan_id"], registry)
        for column in columns:
            _, unmatched = resolve_agencies(row[column], province_id, registry)
            leftovers += [
                (row["plan_id"], row["source_line"], column, u.fragment) for u in unmatched
            ]
    assert leftovers == []


# -- lineage ---------------------------------------------------------------------------


def test_task_for_so_thong_tin_truyen_thong_is_held_by_so_khcn_today(registry):
    matches, _ = resolve_agencies("Sở Thông tin và Truyền thông", "lang-son", registry)
    assert current_agency(matches[0].agency_id, TODAY, registry) == "lang-son:so-khcn"
    assert current_agency(matches[0].agency_id, date(2025, 2, 28), registry) == "lang-son:so-tttt"


def test_bac_kan_task_for_so_tttt_is_held_by_thai_nguyen_so_khcn_today(registry):
    # 131/KH-UBND Phụ lục II task 39 names Sở Thông tin và Truyền thông as lead.
    matches, _ = resolve_agencies("Sở Thông tin và Truyền thông", "bac-kan", registry)
    agency_id = matches[0].agency_id
    assert current_agency(agency_id, date(2025, 3, 1), registry) == "bac-kan:so-khcn"
    assert current_agency(agency_id, TODAY, registry) == "thai-nguyen:so-khcn"


def test_bac_kan_agency_passes_to_thai_nguyen_on_1_july_2025(registry):
    assert current_agency("bac-kan:so-y-te", date(2025, 6, 30), registry) == "bac-kan:so-y-te"
    assert current_agency("bac-kan:so-y-te", date(2025, 7, 1), registry) == "thai-nguyen:so-y-te"
    assert registry.agencies[
        current_agency("bac-kan:cong-an-tinh", TODAY, registry)
    ].province_id == ("thai-nguyen")


def test_every_bac_kan_agency_is_a_thai_nguyen_agency_today(registry):
    bac_kan = [a for a in registry.agencies.values() if a.province_id == "bac-kan"]
    assert len(bac_kan) > 20
    for agency in bac_kan:
        holder = registry.agencies[current_agency(agency.agency_id, TODAY, registry)]
        assert holder.province_id == "thai-nguyen", agency.agency_id
        assert holder.valid_to is None


def test_district_ubnd_duties_pass_to_commune_ubnd(registry):
    assert current_agency("nghe-an:ubnd-cap-huyen", date(2025, 6, 30), registry) == (
        "nghe-an:ubnd-cap-huyen"
    )
    assert current_agency("nghe-an:ubnd-cap-huyen", TODAY, registry) == "nghe-an:ubnd-cap-xa"
    assert current_agency("bac-kan:ubnd-cap-huyen", TODAY, registry) == "thai-nguyen:ubnd-cap-xa"


def test_merged_departments_reach_their_successor(registry):
    expected = {
        "nghe-an:so-khdt": "nghe-an:so-tai-chinh",
        "nghe-an:so-nnptnt": "nghe-an:so-nnmt",
        "nghe-an:so-tnmt": "nghe-an:so-nnmt",
        "nghe-an:so-gtvt": "nghe-an:so-xay-dung",
        "nghe-an:so-ldtbxh": "nghe-an:so-noi-vu",
    }
    assert {a: current_agency(a, TODAY, registry) for a in expected} == expected


def test_current_agency_refuses_dates_before_the_agency_existed(registry):
    with pytest.raises(ValueError, match="did not exist yet"):
        current_agency("nghe-an:so-nnmt", date(2025, 2, 1), registry)


def test_current_agency_refuses_unknown_ids_and_groups(registry):
    with pytest.raises(KeyError):
        current_agency("so-ban-nganh-dia-phuong", TODAY, registry)


# -- loading ---------------------------------------------------------------------------


def _copy_reference(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@pytest.mark.parametrize(
    ("table", "line", "error"),
    [
        pytest.param(
            "agency_aliases", "Sở Ma,nghe-an,nghe-an:so-ma,", "does not exist", id="missing-agency"
        ),
        pytest.param(
            "agency_aliases",
            "Báo Nghệ An,nghe-an,nghe-an:dai-ptth,",
            "ambiguous",
            id="spelling-of-two-agencies",
        ),
        pytest.param(
            "agency_groups",
            "so-ban-nganh,,Sở Y tế,departments,",
            "ambiguous",
            id="spelling-of-agency-and-group",
        ),
        pytest.param(
            "agency_aliases",
            "Sở Y tế tỉnh,,nghe-an:so-y-te,",
            "is not the province",
            id="province-free-agency-alias",
        ),
        pytest.param(
            "agencies",
            "nghe-an:so-ma,nghe-an,Sở Ma,department,,2025-02-28,nghe-an:so-khong-co,false,crafted",
            "successor",
            id="dangling-successor",
        ),
    ],
)
def test_loader_refuses_a_reference_row_that_breaks_a_rule(tmp_path, table, line, error):
    reference = _copy_reference(tmp_path)
    _append(reference / f"{table}.csv", line)
    with pytest.raises(ReferenceDataError, match=error):
        load_registry(reference)


def test_a_curated_spelling_overrides_the_template_in_its_province(tmp_path):
    reference = _copy_reference(tmp_path)
    _append(reference / "agency_aliases.csv", "Sở KHCN,nghe-an,nghe-an:so-tai-chinh,")
    registry = load_registry(reference)
    assert registry.lookup("Sở KHCN", "nghe-an").agency_id == "nghe-an:so-tai-chinh"
    assert registry.lookup("Sở KHCN", "lai-chau").agency_id == "lai-chau:so-khcn"

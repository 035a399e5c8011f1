"""Plan metadata and appendix references, on the real documents and on crafted pages."""

from __future__ import annotations

import pytest
from fixtures.documents import source_documents

from dagster_project.extract.body_targets import extract_appendix_references, roman_label
from dagster_project.extract.documents import document_from_text
from dagster_project.extract.parsed import add_parsed_values
from dagster_project.extract.plans import extract_plan, make_plan_id, slugify
from dagster_project.extract.schema import SEED_TABLES

LANG_SON_145 = "000_19fe45472b84c257.txt"
LAI_CHAU = "001_7938fe19b7ad8c15.txt"
NGHE_AN = "002_47b38050f79059a8.txt"
BAC_KAN = "003_9cd07b915d35755a.txt"
LANG_SON_234 = "004_c38ba8cad11c4ac1.txt"

EXPECTED_PLANS = {
    LANG_SON_145: {
        "plan_id": "lang-son-145-2025",
        "province_name": "Lạng Sơn",
        "document_number": "145/KH-UBND",
        "issue_date_text": "28/05/2025",
        "issue_date": "2025-05-28",
        "signer_name": "Dương Xuân Huyên",
        "legal_basis": "71/NQ-CP",
        "plan_kind": "implementation_plan",
        "title": (
            "Kế hoạch 145/KH-UBND năm 2025 thực hiện Nghị quyết 71/NQ-CP và Kế hoạch hành động "
            "238-KH/TU thực hiện Nghị quyết 57-NQ/TW về đột phá phát triển khoa học, công nghệ, "
            "đổi mới sáng tạo và chuyển đổi số quốc gia trên địa bàn tỉnh Lạng Sơn"
        ),
        "flags": (
            "title_from_page_title: no 'KẾ HOẠCH' heading; title taken from the web page "
            "title at line 1"
        ),
        "source_file": LANG_SON_145,
        "source_line": 2,
    },
    LAI_CHAU: {
        "plan_id": "lai-chau-khong-so-2025",
        "province_name": "Lai Châu",
        "document_number": "/KH-UBND",
        "issue_date_text": "ngày 14 tháng 02 năm 2025",
        "issue_date": "2025-02-14",
        "signer_name": "Tổng Thanh Hải",
        "legal_basis": "03/NQ-CP",
        "plan_kind": "implementation_plan",
        "title": (
            "KẾ HOẠCH Thực hiện Nghị quyết số 03/NQ-CP ngày 09/01/2025 của Chính phủ thực hiện "
            "Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị về đột phá phát "
            "triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia"
        ),
        "flags": "missing_document_number: the number is blank (line 3 prints 'Số: /KH-UBND')",
        "source_file": LAI_CHAU,
        "source_line": 3,
    },
    NGHE_AN: {
        "plan_id": "nghe-an-348-2025",
        "province_name": "Nghệ An",
        "document_number": "348/KH-UBND",
        "issue_date_text": "14/05/2025",
        "issue_date": "2025-05-14",
        "signer_name": "Bùi Đình Long",
        "legal_basis": "71/NQ-CP",
        "plan_kind": "implementation_plan",
        "title": (
            "KẾ HOẠCH TRIỂN KHAI THỰC HIỆN NGHỊ QUYẾT SỐ 71/NQ-CP NGÀY 01/4/2025 CỦA CHÍNH PHỦ VÀ "
            "KẾ HOẠCH HÀNH ĐỘNG SỐ 328-KH/TU, NGÀY 24/04/2025 CỦA BAN CHẤP HÀNH ĐẢNG BỘ TỈNH VỀ "
            "THỰC HIỆN NGHỊ QUYẾT SỐ 57-NQ/TW, NGÀY 22/12/2024 CỦA BỘ CHÍNH TRỊ VỀ ĐỘT PHÁ PHÁT "
            "TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ QUỐC GIA TRÊN ĐỊA BÀN "
            "TỈNH NGHỆ AN"
        ),
        "flags": "",
        "source_file": NGHE_AN,
        "source_line": 2,
    },
    BAC_KAN: {
        "plan_id": "bac-kan-131-2025",
        "province_name": "Bắc Kạn",
        "document_number": "131/KH-UBND",
        "issue_date_text": "ngày 28 tháng 02 năm 2025",
        "issue_date": "2025-02-28",
        "signer_name": "Nguyễn Đăng Bình",
        "legal_basis": "03/NQ-CP",
        "plan_kind": "implementation_plan",
        "title": (
            "KẾ HOẠCH TRIỂN KHAI THỰC HIỆN NGHỊ QUYẾT SỐ 03/NQ-CP NGÀY 09/01/2025 CỦA CHÍNH PHỦ VÀ "
            "CHƯƠNG TRÌNH HÀNH ĐỘNG SỐ 35-CTR/TU NGÀY 14/02/2025 CỦA BAN THƯỜNG VỤ TỈNH ỦY BẮC KẠN "
            "THỰC HIỆN NGHỊ QUYẾT SỐ 57-NQ/TW NGÀY 22/12/2024 CỦA BỘ CHÍNH TRỊ VỀ ĐỘT PHÁ PHÁT "
            "TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ QUỐC GIA"
        ),
        "flags": "",
        "source_file": BAC_KAN,
        "source_line": 13,
    },
    LANG_SON_234: {
        "plan_id": "lang-son-234-2025",
        "province_name": "Lạng Sơn",
        "document_number": "234/KH-UBND",
        "issue_date_text": "05/09/2025",
        "issue_date": "2025-09-05",
        "signer_name": "Dương Xuân Huyên",
        "legal_basis": "Công văn số 11112/BTC-KTN",
        "plan_kind": "budget_plan",
        "title": (
            "KẾ HOẠCH KHOA HỌC CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO, CHUYỂN ĐỔI SỐ VÀ DỰ TOÁN NGÂN SÁCH "
            "KHOA HỌC VÀ CÔNG NGHỆ TỈNH LẠNG SƠN NĂM 2026"
        ),
        "flags": "",
        "source_file": LANG_SON_234,
        "source_line": 247,
    },
}


def _appendix(plan_id, source_file, label, kind, status, line, flags=""):
    return {
        "plan_id": plan_id,
        "appendix_label": label,
        "appendix_kind": kind,
        "status": status,
        "flags": flags,
        "source_file": source_file,
        "source_line": line,
    }


LANG_SON_145_II_FLAG = (
    "appendix_kind_inferred: the wording does not say what Phụ lục II holds; 'tasks' taken "
    "from the usual plan layout"
)
EXPECTED_APPENDICES = {
    LANG_SON_145: [
        _appendix("lang-son-145-2025", LANG_SON_145, "I", "indicators", "referenced_absent", 32),
        _appendix(
            "lang-son-145-2025",
            LANG_SON_145,
            "II",
            "tasks",
            "referenced_absent",
            153,
            LANG_SON_145_II_FLAG,
        ),
    ],
    LAI_CHAU: [
        _appendix("lai-chau-khong-so-2025", LAI_CHAU, "I", "indicators", "referenced_absent", 37),
        _appendix("lai-chau-khong-so-2025", LAI_CHAU, "II", "tasks", "referenced_absent", 217),
    ],
    NGHE_AN: [
        _appendix("nghe-an-348-2025", NGHE_AN, "I", "indicators", "present", 217),
        _appendix("nghe-an-348-2025", NGHE_AN, "II", "tasks", "present", 864),
    ],
    BAC_KAN: [
        _appendix("bac-kan-131-2025", BAC_KAN, "I", "indicators", "present", 226),
        _appendix("bac-kan-131-2025", BAC_KAN, "II", "tasks", "present", 733),
    ],
    LANG_SON_234: [
        _appendix("lang-son-234-2025", LANG_SON_234, "I", "other", "referenced_absent", 10),
    ],
}


# --- the five real documents -------------------------------------------------------------


@pytest.mark.parametrize("source_file", sorted(EXPECTED_PLANS))
def test_plan_row_of_each_source_document(source_file):
    row = extract_plan(source_documents()[source_file])
    add_parsed_values({"plans": [row]})
    assert row == EXPECTED_PLANS[source_file]


@pytest.mark.parametrize("source_file", sorted(EXPECTED_PLANS))
def test_plan_row_points_at_the_printed_document_number(source_file):
    row = extract_plan(source_documents()[source_file])
    assert row["document_number"] in source_documents()[source_file].line(row["source_line"])


def test_plan_rows_have_exactly_the_seed_columns():
    for doc in source_documents().values():
        assert tuple(extract_plan(doc)) == SEED_TABLES["plans"]


def test_plan_ids_are_unique_across_documents():
    ids = [extract_plan(doc)["plan_id"] for doc in source_documents().values()]
    assert len(ids) == len(set(ids)) == 5


@pytest.mark.parametrize("source_file", sorted(EXPECTED_APPENDICES))
def test_appendix_rows_of_each_source_document(source_file):
    plan_id = EXPECTED_PLANS[source_file]["plan_id"]
    rows = extract_appendix_references(source_documents()[source_file], plan_id)
    assert rows == EXPECTED_APPENDICES[source_file]


def test_present_appendix_rows_point_at_their_heading():
    for source_file in (NGHE_AN, BAC_KAN):
        doc = source_documents()[source_file]
        for row in extract_appendix_references(doc, "p"):
            assert doc.line(row["source_line"]).strip().upper().startswith("PHỤ LỤC")


# --- crafted pages -----------------------------------------------------------------------

METADATA_PAGE = """Kế hoạch 12/KH-UBND năm 2025 thực hiện Nghị quyết 71/NQ-CP
| Số hiệu | 12/KH-UBND |
| Ngày ban hành | 03/06/2025 |
| Cơ quan ban hành | Tỉnh Đắk Lắk |
| Người ký | Nguyễn Văn An |
|
ỦY BAN NHÂN DÂN
|
Số: {letterhead_number} |
Đắk Lắk, ngày {letterhead_day} tháng 6 năm 2025 |
KẾ HOẠCH
TRIỂN KHAI THỰC HIỆN NGHỊ QUYẾT SỐ 71/NQ-CP
CỦA CHÍNH PHỦ
Thực hiện Nghị quyết số 71/NQ-CP ngày 01/4/2025 của Chính phủ.
I. MỤC TIÊU
2. Mục tiêu cụ thể (chi tiết tại Phụ lục I kèm theo)
II. NHIỆM VỤ
(Danh mục nhiệm vụ theo Phụ lục 2 kèm theo)
TM. ỦY BAN NHÂN DÂN |
"""

LETTERHEAD_PAGE = """ỦY BAN NHÂN DÂN
TỈNH THỪA THIÊN HUẾ
-------

Số: 7/KH-UBND

Huế, ngày 05 tháng 3 năm 2025

KẾ HOẠCH

Thực hiện Nghị quyết số 03/NQ-CP ngày 09/01/2025 của Chính phủ

Thực hiện Nghị quyết số 03/NQ-CP ngày 09/01/2025 của Chính phủ, UBND tỉnh ban hành Kế hoạch.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH



Lê Thị Bình
"""


def _metadata_page(number="12/KH-UBND", day="03"):
    return document_from_text(
        "crafted.txt", METADATA_PAGE.format(letterhead_number=number, letterhead_day=day)
    )


def test_metadata_table_layout_is_read_from_the_table():
    row = extract_plan(_metadata_page())
    add_parsed_values({"plans": [row]})
    assert row == {
        "plan_id": "dak-lak-12-2025",
        "province_name": "Đắk Lắk",
        "document_number": "12/KH-UBND",
        "issue_date_text": "03/06/2025",
        "issue_date": "2025-06-03",
        "signer_name": "Nguyễn Văn An",
        "legal_basis": "71/NQ-CP",
        "plan_kind": "implementation_plan",
        "title": "KẾ HOẠCH TRIỂN KHAI THỰC HIỆN NGHỊ QUYẾT SỐ 71/NQ-CP CỦA CHÍNH PHỦ",
        "flags": "",
        "source_file": "crafted.txt",
        "source_line": 2,
    }


def test_letterhead_only_layout_reads_letterhead_and_signature():
    row = extract_plan(document_from_text("crafted.txt", LETTERHEAD_PAGE))
    add_parsed_values({"plans": [row]})
    assert row == {
        "plan_id": "thua-thien-hue-7-2025",
        "province_name": "Thừa Thiên Huế",
        "document_number": "7/KH-UBND",
        "issue_date_text": "ngày 05 tháng 3 năm 2025",
        "issue_date": "2025-03-05",
        "signer_name": "Lê Thị Bình",
        "legal_basis": "03/NQ-CP",
        "plan_kind": "implementation_plan",
        "title": "KẾ HOẠCH Thực hiện Nghị quyết số 03/NQ-CP ngày 09/01/2025 của Chính phủ",
        "flags": "",
        "source_file": "crafted.txt",
        "source_line": 5,
    }


# (printed, printed instead, what is read, the flag): a blank document number gives a
# "khong-so" id, a signature matches no name, the basis is no Government resolution.
@pytest.mark.parametrize(
    ("printed", "instead", "read", "flag"),
    [
        (
            "Số: 7/KH-UBND",
            "Số:      /KH-UBND",
            {"plan_id": "thua-thien-hue-khong-so-2025", "document_number": "/KH-UBND"},
            "missing_document_number",
        ),
        ("Lê Thị Bình", "Đăng xuất", {"signer_name": ""}, "signer_missing"),
        (
            "Nghị quyết số 03/NQ-CP",
            "Công văn số 5/UBND-KT",
            {"legal_basis": "Công văn số 5/UBND-KT"},
            "legal_basis_not_government_programme",
        ),
    ],
    ids=["blank_document_number", "signer_missing", "basis_not_government_resolution"],
)
def test_letterhead_oddity_is_read_as_printed_and_flagged(printed, instead, read, flag):
    text = LETTERHEAD_PAGE.replace(printed, instead)
    row = extract_plan(document_from_text("crafted.txt", text))
    assert {column: row[column] for column in read} == read
    assert row["flags"].startswith(f"{flag}: ")


def test_letterhead_disagreeing_with_metadata_is_flagged_and_metadata_wins():
    row = extract_plan(_metadata_page(number="21/KH-UBND", day="30"))
    assert row["document_number"] == "12/KH-UBND"
    assert row["issue_date_text"] == "03/06/2025"
    flags = row["flags"].split(" | ")
    assert [flag.split(":")[0] for flag in flags] == [
        "document_number_mismatch",
        "issue_date_mismatch",
    ]
    assert "'21/KH-UBND' printed at line 9" in flags[0]


def test_same_date_in_two_spellings_is_not_a_disagreement():
    row = extract_plan(_metadata_page(day="3"))
    assert row["flags"] == ""


def test_budget_plan_is_recognized_from_its_title_and_cites_its_basis():
    text = (
        "Số: 9/KH-UBND | Cao Bằng, ngày 01 tháng 8 năm 2025 |\n"
        "KẾ HOẠCH\n"
        "KHOA HỌC VÀ CÔNG NGHỆ VÀ DỰ TOÁN NGÂN SÁCH NĂM 2026\n"
        "Thực hiện Công văn số 11112/BTC-KTN ngày 21/7/2025 của Bộ Tài chính.\n"
        "TM. ỦY BAN NHÂN DÂN\n"
        "CHỦ TỊCH\n"
        "Hoàng Văn Cường\n"
    )
    row = extract_plan(document_from_text("crafted.txt", text))
    assert row["plan_kind"] == "budget_plan"
    assert row["legal_basis"] == "Công văn số 11112/BTC-KTN"
    assert row["plan_id"] == "cao-bang-9-2025"
    assert row["flags"] == ""


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Lạng Sơn", "lang-son"), ("Đắk Lắk", "dak-lak"), ("Bà Rịa - Vũng Tàu", "ba-ria-vung-tau")],
)
def test_slug_is_ascii_with_d_for_dj(name, slug):
    assert slugify(name) == slug


def test_plan_id_uses_leading_digits_and_issue_year():
    assert make_plan_id("Nghệ An", "348/KH-UBND", "14/05/2025") == "nghe-an-348-2025"
    assert make_plan_id("Lai Châu", "/KH-UBND", "ngày 14 tháng 02 năm 2025") == (
        "lai-chau-khong-so-2025"
    )


@pytest.mark.parametrize(("printed", "label"), [("1", "I"), ("2", "II"), ("ii", "II")])
def test_appendix_labels_are_roman(printed, label):
    assert roman_label(printed) == label


def test_crafted_references_to_absent_appendices_take_their_kind_from_the_wording():
    rows = extract_appendix_references(_metadata_page(), "p")
    assert [
        (r["appendix_label"], r["appendix_kind"], r["status"], r["source_line"]) for r in rows
    ] == [
        ("I", "indicators", "referenced_absent", 16),
        ("II", "tasks", "referenced_absent", 18),
    ]
    assert all(r["flags"] == "" for r in rows)


def test_printed_appendix_is_present_and_its_heading_decides_the_kind():
    text = (
        "2. Mục tiêu cụ thể (chi tiết tại Phụ lục 1 kèm theo)\n"
        "Nơi nhận:\n"
        "PHỤ LỤC 1\n"
        "DANH MỤC CÁC CHỈ TIÊU\n"
        "(Kèm theo Kế hoạch số 1/KH-UBND)\n"
        "| TT | Chỉ tiêu |\n"
        "PHỤ LỤC 2\n"
        "DANH MỤC CÁC NHIỆM VỤ\n"
        "(Kèm theo Kế hoạch số 1/KH-UBND)\n"
    )
    rows = extract_appendix_references(document_from_text("crafted.txt", text), "p")
    assert [
        (r["appendix_label"], r["appendix_kind"], r["status"], r["source_line"]) for r in rows
    ] == [
        ("I", "indicators", "present", 3),
        ("II", "tasks", "present", 7),
    ]
    assert rows[0]["flags"] == ""
    assert rows[1]["flags"].startswith("appendix_unreferenced: ")


def test_appendix_of_issued_documents_is_other():
    text = "Tỉnh đã ban hành nhiều văn bản quan trọng (Chi tiết tại Phụ lục I kèm theo).\n"
    rows = extract_appendix_references(document_from_text("crafted.txt", text), "p")
    assert [(r["appendix_kind"], r["flags"]) for r in rows] == [("other", "")]


def test_appendix_whose_wording_names_nothing_is_flagged_as_inferred():
    text = "- Triển khai các đề án.\n(Chi tiết tại Phụ lục II kèm theo)\n"
    rows = extract_appendix_references(document_from_text("crafted.txt", text), "p")
    assert rows[0]["appendix_kind"] == "tasks"
    assert rows[0]["flags"].startswith("appendix_kind_inferred: ")


def test_page_without_appendices_has_no_appendix_rows():
    assert (
        extract_appendix_references(document_from_text("crafted.txt", LETTERHEAD_PAGE), "p") == []
    )

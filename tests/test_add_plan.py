"""``nq57 add-plan`` and ``nq57 apply-review`` on a copy of seeds/, as a user runs them."""

from __future__ import annotations

import hashlib
import shutil
import unicodedata
from pathlib import Path

import pytest
from fixtures.plans.scoring import PLANS_DIR
from openpyxl import load_workbook

from dagster_project.cli import main as cli_main
from dagster_project.extract.documents import MANIFEST_NAME, read_manifest
from dagster_project.extract.review import ReviewItem, write_workbook
from dagster_project.extract.runner import diff_seeds, render_all
from dagster_project.semantics.agencies import REFERENCE_DIR, load_registry
from dagster_project.warehouse.paths import SEEDS_DIR

QUANG_BINH = PLANS_DIR / "quang_binh_52" / "plan.txt"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, target)
    return target


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _add(seeds: Path, tmp_path: Path, *args: str) -> int:
    return cli_main(
        ["add-plan", *args, "--seeds", str(seeds), "--review-dir", str(tmp_path / "review")]
    )


def test_a_plan_is_added_extracted_and_the_seeds_match_a_fresh_extraction(seeds, tmp_path, capsys):
    before = (SEEDS_DIR / "plans.csv").read_text(encoding="utf-8").splitlines()
    assert _add(seeds, tmp_path, str(QUANG_BINH)) == 0
    out = capsys.readouterr().out
    assert "found: 25 indicators, 25 targets, 28 tasks" in out
    assert "agency names: 95 of 98 resolved" in out
    assert "'Ban Quản lý Khu kinh tế tỉnh' (monitoring agency of indicator 20)" in out
    [name] = [n for n in read_manifest(seeds / "source_documents") if n.startswith("005_")]
    assert name == f"005_{hashlib.sha256(QUANG_BINH.read_bytes()).hexdigest()[:16]}.txt"
    assert f"{name}:305  target 20/2030" in out
    # The committed seed rows of the five documents are unchanged, the new plan follows.
    plans = (seeds / "plans.csv").read_text(encoding="utf-8").splitlines()
    assert plans[: len(before)] == before and plans[-1].startswith("quang-binh-52-2025,")
    rendered = render_all(
        seeds / "source_documents", seeds / "corrections.csv", seeds / "layouts.yml"
    )
    assert diff_seeds(rendered, seeds) == []
    assert (tmp_path / "review" / "quang-binh-52-2025.xlsx").is_file()


def test_adding_the_same_file_again_changes_nothing(seeds, tmp_path, capsys):
    assert _add(seeds, tmp_path, str(QUANG_BINH)) == 0
    before = _fingerprint(seeds)
    assert _add(seeds, tmp_path, str(QUANG_BINH)) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert _fingerprint(seeds) == before


def test_another_file_of_the_same_plan_is_refused_unless_replace(seeds, tmp_path, capsys):
    assert _add(seeds, tmp_path, str(QUANG_BINH)) == 0
    revised = tmp_path / "revised.txt"
    revised.write_text(
        QUANG_BINH.read_text(encoding="utf-8").replace("Hoàng Xuân Tân", "Trần Phong"),
        encoding="utf-8",
    )
    before = _fingerprint(seeds)
    assert _add(seeds, tmp_path, str(revised)) == 2
    assert "Quảng Bình 52/KH-UBND is already 005_" in capsys.readouterr().err
    assert _fingerprint(seeds) == before
    assert _add(seeds, tmp_path, str(revised), "--replace") == 0
    assert "replaced 005_" in capsys.readouterr().out
    names = read_manifest(seeds / "source_documents")
    assert [n for n in names if n.startswith("005_")] == []
    assert len([n for n in names if n.startswith("006_")]) == 1
    assert sorted(p.name for p in (seeds / "source_documents").glob("00[56]_*")) == [
        n for n in names if n.startswith("006_")
    ]
    assert "Trần Phong" in (seeds / "plans.csv").read_text(encoding="utf-8")


def test_a_province_the_letterhead_does_not_name_comes_from_province(seeds, tmp_path, capsys):
    anonymous = tmp_path / "plan.txt"
    anonymous.write_text(
        QUANG_BINH.read_text(encoding="utf-8")
        .replace("TỈNH QUẢNG BÌNH\n", "")
        .replace("Quảng Bình, ngày", "Đồng Hới, ngày"),
        encoding="utf-8",
    )
    assert _add(seeds, tmp_path, str(anonymous)) == 2
    assert "prints 'Đồng Hới', not a province" in capsys.readouterr().err
    assert _add(seeds, tmp_path, str(anonymous), "--province", "quang-binh") == 0
    layouts = (seeds / "layouts.yml").read_text(encoding="utf-8")
    assert "province: quang-binh" in layouts
    assert "quang-binh-52-2025,Quảng Bình," in (seeds / "plans.csv").read_text(encoding="utf-8")
    assert _add(seeds, tmp_path, str(QUANG_BINH), "--province", "atlantis") == 2
    assert "--province atlantis" in capsys.readouterr().err


def _bad_files(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    text = QUANG_BINH.read_text(encoding="utf-8")
    return {
        "empty.txt": (b"", "the file is empty"),
        "blank.txt": (b"\n  \n", "the file is empty"),
        "plan.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF"),
        "plan.docx": (b"PK\x03\x04\x14\x00\x06\x00", "a Word or Excel file"),
        "utf16.txt": (text[:2000].encode("utf-16"), "UTF-16 text"),
        # Windows Vietnamese writes tone marks as combining characters.
        "cp1258.txt": (
            unicodedata.normalize("NFD", text[:2000]).encode("cp1258", errors="replace"),
            "Windows-1258 (cp1258)",
        ),
        "binary.bin": (bytes(range(256)) * 4, "a binary file"),
        "notes.txt": ("Ghi chú cuộc họp\nkhông có số hiệu\n".encode(), "not the text of a plan"),
    }


@pytest.mark.parametrize("name", list(_bad_files(Path())))
def test_a_file_that_is_not_a_plan_gets_one_line_a_non_zero_exit_and_changes_nothing(
    seeds, tmp_path, capsys, name
):
    data, message = _bad_files(tmp_path)[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = _fingerprint(seeds)
    assert _add(seeds, tmp_path, str(path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"nq57 add-plan: {path}: ")
    assert message in err
    assert _fingerprint(seeds) == before
    assert not (tmp_path / "review").exists()


def test_a_dry_run_writes_nothing(seeds, tmp_path, capsys):
    before = _fingerprint(seeds)
    assert _add(seeds, tmp_path, str(QUANG_BINH), "--dry-run") == 0
    assert "dry run:" in capsys.readouterr().out
    assert _fingerprint(seeds) == before


def test_a_plan_whose_agencies_are_all_unknown_names_every_one_with_its_line(
    seeds, tmp_path, capsys
):
    text = QUANG_BINH.read_text(encoding="utf-8")
    rows = []
    for line in text.split("\n"):
        if line.startswith(
            (
                "Sở ",
                "Văn phòng UBND",
                "Công an",
                "BCHQS",
                "BHXH",
                "Ngân hàng",
                "UBND các",
                "Các ",
                "Bộ Chỉ huy",
                "Ban ",
            )
        ):
            line = "Phòng " + line.split(";")[0].split(",")[0].replace("Sở ", "")
        rows.append(line)
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("\n".join(rows), encoding="utf-8")
    assert _add(seeds, tmp_path, str(unknown)) == 0
    out = capsys.readouterr().out
    resolved, total = out.split("agency names: ", 1)[1].split(" resolved", 1)[0].split(" of ")
    assert resolved == "0" and int(total) > 40
    assert out.count("'Phòng ") == int(total)
    assert all(".txt:" in line for line in out.splitlines() if "'Phòng " in line)


def test_a_review_workbook_writes_every_text_as_text(tmp_path):
    item = ReviewItem("f.txt:3", "target 1/2030", "=1+1", "ambiguous", "t", "k", "c", "=1+1", "")
    path = write_workbook(tmp_path / "r.xlsx", [item], load_registry(REFERENCE_DIR))
    sheet = load_workbook(path)["review"]
    assert sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"


# --- the review round trip -----------------------------------------------------------


def _fill(path: Path, fills: dict[str, dict[int, str]]) -> None:
    workbook = load_workbook(path)
    sheet = workbook["review"]
    for row in sheet.iter_rows(min_row=2):
        for prefix, cells in fills.items():
            if str(row[1].value).startswith(prefix) or prefix in str(row[4].value or ""):
                for index, value in cells.items():
                    row[index].value = value
    workbook.save(path)


def test_filled_rows_become_reviewed_corrections_that_survive_extraction(seeds, tmp_path, capsys):
    assert _add(seeds, tmp_path, str(QUANG_BINH)) == 0
    workbook = tmp_path / "review" / "quang-binh-52-2025.xlsx"
    _fill(
        workbook,
        {
            "deadline VI.28": {5: "Tháng 11/2025", 8: "năm bị cắt trong bản web"},
            "Hiệp hội doanh nghiệp tỉnh": {
                5: "Các doanh nghiệp",
                8: "hiệp hội thay mặt doanh nghiệp",
            },
        },
    )
    capsys.readouterr()
    args = ["apply-review", str(workbook), "--seeds", str(seeds)]
    assert cli_main([*args]) == 2
    assert "fill the reviewer and the reason" in capsys.readouterr().err
    assert cli_main([*args, "--reviewer", "Nguyễn Văn A"]) == 0
    assert "added 2 correction(s)" in capsys.readouterr().out
    corrections = (seeds / "corrections.csv").read_text(encoding="utf-8").splitlines()
    assert len(corrections) == 3
    assert corrections[1].startswith(
        "set,tasks,plan_id=quang-binh-52-2025;task_key=VI.28,deadline_text,Tháng 11/202,Tháng 11/2025,"
    )
    assert ",Nguyễn Văn A," in corrections[1]
    tasks = (seeds / "tasks.csv").read_text(encoding="utf-8")
    assert "Sở Công Thương; Các doanh nghiệp" in tasks
    assert "corrected: deadline_text was 'Tháng 11/202'" in tasks
    # A later extraction applies them again; the same workbook adds nothing twice.
    rendered = render_all(
        seeds / "source_documents", seeds / "corrections.csv", seeds / "layouts.yml"
    )
    assert diff_seeds(rendered, seeds) == []
    assert cli_main([*args, "--reviewer", "Nguyễn Văn A"]) == 0
    assert "added 0 correction(s)" in capsys.readouterr().out


def test_a_correction_that_does_not_apply_names_the_workbook_row_and_writes_nothing(
    seeds, tmp_path, capsys
):
    assert _add(seeds, tmp_path, str(QUANG_BINH)) == 0
    workbook = tmp_path / "review" / "quang-binh-52-2025.xlsx"
    # The reviewer edited the hidden cell the correction guards.
    _fill(workbook, {"deadline VI.28": {5: "Tháng 11/2025", 8: "cắt", 7: "A", 12: "Tháng 10/202"}})
    before = _fingerprint(seeds)
    assert cli_main(["apply-review", str(workbook), "--seeds", str(seeds)]) == 2
    err = capsys.readouterr().err
    assert "quang-binh-52-2025.xlsx row " in err and "no longer applies" in err
    assert _fingerprint(seeds) == before


def test_a_file_that_is_not_a_review_workbook_is_refused(tmp_path, capsys):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a zip")
    assert cli_main(["apply-review", str(path)]) == 2
    assert "not an .xlsx review workbook" in capsys.readouterr().err


def test_the_manifest_lists_every_added_document(seeds, tmp_path):
    assert _add(seeds, tmp_path, str(QUANG_BINH)) == 0
    manifest = (seeds / "source_documents" / MANIFEST_NAME).read_text(encoding="utf-8")
    assert manifest.endswith("\n") and manifest.count("\n") == 6

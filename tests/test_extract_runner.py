"""``nq57 extract``: hash refusal, corrections, and the --check gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.documents import source_documents

from dagster_project.cli import main as cli_main
from dagster_project.extract.documents import (
    MANIFEST_NAME,
    SOURCE_DIR,
    DocumentHashError,
    load_documents,
)
from dagster_project.extract.parsed import add_parsed_values
from dagster_project.extract.runner import (
    CORRECTION_COLUMNS,
    Correction,
    CorrectionError,
    apply_corrections,
    diff_seeds,
    read_corrections,
    render_all,
)


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    target = tmp_path / "source_documents"
    shutil.copytree(SOURCE_DIR, target)
    return target


def test_a_changed_document_is_refused_with_its_name(source_copy: Path):
    doc = source_copy / "002_47b38050f79059a8.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("≥ 50%.", "≥ 55%."), encoding="utf-8")
    with pytest.raises(
        DocumentHashError, match="002_47b38050f79059a8.txt: sha256 .* does not match"
    ):
        load_documents(source_copy)


def test_an_unlisted_document_is_refused(source_copy: Path):
    (source_copy / "999_new.txt").write_text("KẾ HOẠCH", encoding="utf-8")
    with pytest.raises(DocumentHashError, match=f"999_new.txt: not listed in {MANIFEST_NAME}"):
        load_documents(source_copy)


def _tables():
    return {
        "tasks": [
            {
                "plan_id": "p",
                "task_key": "I.1",
                "deadline_text": "Tháng 11/202",
                "flags": "",
            }
        ]
    }


def test_a_drop_removes_the_row_it_guards():
    tables = _tables()
    apply_corrections(tables, [_fix(action="drop", corrected_value="")])
    assert tables["tasks"] == []


def test_an_add_appends_the_row_with_its_key_lineage_and_a_flag():
    tables = _tables()
    values = '{"task_name": "Nhiệm vụ bị sót", "deadline_text": "2026", "source_file": "x.txt", "source_line": 12}'
    apply_corrections(
        tables, [_fix(action="add", row_key="plan_id=p;task_key=I.2", corrected_value=values)]
    )
    added = tables["tasks"][1]
    assert (added["task_key"], added["task_name"], added["source_line"]) == (
        "I.2",
        "Nhiệm vụ bị sót",
        12,
    )
    assert added["flags"].startswith("added: by review (cut-off year; reviewed by reviewer)")


@pytest.mark.parametrize(
    ("row_key", "values", "message"),
    [
        (
            "plan_id=p;task_key=I.1",
            '{"source_file": "x.txt", "source_line": 1}',
            "already extracted",
        ),
        ("plan_id=p;task_key=I.2", '{"task_name": "x"}', "says where it is printed"),
        (
            "plan_id=p;task_key=I.2",
            '{"colour": "x", "source_file": "x", "source_line": 1}',
            "no column",
        ),
        ("plan_id=p", '{"source_file": "x.txt", "source_line": 1}', "must name plan_id, task_key"),
        ("plan_id=p;task_key=I.2", "[1, 2]", "not a JSON object"),
    ],
)
def test_an_add_that_cannot_be_placed_is_refused(row_key, values, message):
    with pytest.raises(CorrectionError, match=message):
        apply_corrections(_tables(), [_fix(action="add", row_key=row_key, corrected_value=values)])


def _fix(**overrides) -> Correction:
    values = dict(
        line=2,
        action="set",
        table="tasks",
        row_key="plan_id=p;task_key=I.1",
        column="deadline_text",
        expected_value="Tháng 11/202",
        corrected_value="Tháng 11/2025",
        reason="cut-off year",
        reviewed_by="reviewer",
        review_date="2026-11-30",
    )
    values.update(overrides)
    return Correction(**values)


def test_a_correction_replaces_the_value_and_records_the_old_one():
    tables = _tables()
    apply_corrections(tables, [_fix()])
    row = tables["tasks"][0]
    assert row["deadline_text"] == "Tháng 11/2025"
    assert "corrected: deadline_text was 'Tháng 11/202'" in row["flags"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"action": "drop", "expected_value": "Tháng 12/2025"},
            "no longer applies",
            id="drop-no-longer-applies",
        ),
        pytest.param(
            {"expected_value": "Tháng 10/202"},
            "line 2: .*expected 'Tháng 10/202'; the correction no longer applies",
            id="set-no-longer-applies",
        ),
        pytest.param({"reviewed_by": ""}, "reviewed_by and reason are required", id="no-reviewer"),
        pytest.param({"action": "replace"}, "action 'replace'", id="unknown-action"),
        pytest.param({"row_key": "plan_id=p;task_key=IX.9"}, "matched 0 rows", id="missing-row"),
        pytest.param({"column": "task_key"}, "cannot be corrected", id="row-key-column"),
    ],
)
def test_a_correction_that_cannot_apply_is_refused(changes, message):
    with pytest.raises(CorrectionError, match=message):
        apply_corrections(_tables(), [_fix(**changes)])


def test_corrections_file_with_a_wrong_header_is_refused(tmp_path: Path):
    path = tmp_path / "corrections.csv"
    path.write_text("table,key\n", encoding="utf-8")
    with pytest.raises(CorrectionError, match="header is"):
        read_corrections(path)


def test_committed_corrections_file_has_the_documented_header():
    from dagster_project.extract.runner import CORRECTIONS_FILE

    header = CORRECTIONS_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert tuple(header.split(",")) == CORRECTION_COLUMNS


@pytest.fixture(scope="module")
def rendered():
    return render_all()


def test_check_passes_on_fresh_seeds_and_fails_on_an_edited_csv(tmp_path: Path, rendered, capsys):
    for table, text in rendered.items():
        (tmp_path / f"{table}.csv").write_text(text, encoding="utf-8")
    assert diff_seeds(rendered, tmp_path) == []
    assert cli_main(["extract", "--check", "--seed-dir", str(tmp_path)]) == 0

    tasks = tmp_path / "tasks.csv"
    tasks.write_text(
        tasks.read_text(encoding="utf-8").replace("Tháng 11/202,", "Tháng 11/2025,"),
        encoding="utf-8",
    )
    assert cli_main(["extract", "--check", "--seed-dir", str(tmp_path)]) == 1
    assert "tasks.csv: differs from a fresh extraction" in capsys.readouterr().err


def test_extraction_is_deterministic(rendered):
    assert render_all() == rendered


def test_every_seed_row_names_its_source_file_and_line(rendered):
    import csv
    import io

    docs = source_documents()
    for table, text in rendered.items():
        for row in csv.DictReader(io.StringIO(text)):
            assert row["source_file"] in docs, table
            line = int(row["source_line"])
            assert 1 <= line <= len(docs[row["source_file"]].lines), (table, row)


AMOUNT_FIX = dict(
    table="budget_lines",
    row_key="budget_line_id=b;stage=estimate",
    column="amount_text",
    expected_value="384.17",
    corrected_value="384.172",
)


def _budget_tables() -> dict:
    row = {"budget_line_id": "b", "stage": "estimate", "amount_text": "384.17", "flags": ""}
    return {"budget_lines": [{**row, "amount_in_unit": "", "amount_unit": "triệu đồng"}]}


def test_a_corrected_text_carries_to_its_parsed_value():
    tables = _budget_tables()
    apply_corrections(tables, [_fix(**AMOUNT_FIX)])
    add_parsed_values(tables)
    assert tables["budget_lines"][0]["amount_in_unit"] == "384172"


@pytest.mark.parametrize(
    "changes",
    [
        {"column": "amount_in_unit", "expected_value": ""},
        {
            "action": "add",
            "row_key": "budget_line_id=c;stage=estimate",
            "corrected_value": '{"amount_in_unit": "5", "source_file": "x.txt", "source_line": 3}',
        },
    ],
    ids=["set", "add"],
)
def test_a_parsed_value_cannot_be_corrected_only_its_text(changes):
    with pytest.raises(CorrectionError, match="parsed from the printed text; correct the text"):
        apply_corrections(_budget_tables(), [_fix(**{**AMOUNT_FIX, **changes})])

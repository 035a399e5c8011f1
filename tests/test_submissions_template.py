"""The prefilled template: the right tasks and indicators, a status dropdown, and a
round trip through ingestion."""

from __future__ import annotations

import argparse

import pytest
from fixtures.submissions.builders import TEST_KEYS, ingest_files, real_reference, store_rows
from openpyxl import load_workbook

from dagster_project.submissions import ingest_cli, spec, template_cli
from dagster_project.submissions.template import TemplateError, write_template


@pytest.fixture(scope="module")
def reference():
    return real_reference()


@pytest.fixture(scope="module")
def nghe_an_template(reference, tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    path, content, _ = write_template(
        reference, "nghe-an", "nghe-an:so-khcn", "2026-Q1", out, TEST_KEYS
    )
    return path, content


def column(sheet, name: str) -> list[str]:
    header = [cell.value for cell in sheet[1]]
    index = header.index(name)
    return [
        row[index] for row in sheet.iter_rows(min_row=3, values_only=True) if row[index] is not None
    ]


def test_template_for_nghe_an_science_department_lists_its_tasks_and_indicators(nghe_an_template):
    path, _ = nghe_an_template
    assert path.name == "nq57_nghe-an_so-khcn_2026-Q1.xlsx"
    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        "README",
        "task_progress",
        "indicator_values",
        "budget_execution",
    ]
    tasks = workbook["task_progress"]
    keys = column(tasks, "task_key")
    # I.2: led by Sở Khoa học và Công nghệ by name; I.1: led by the group
    # "Các sở, ban, ngành, địa phương" it belongs to; I.5: coordinated by name.
    assert {"I.2", "I.1", "I.5"} <= set(keys)
    assert len(keys) == len(set(keys))
    assert set(column(tasks, "plan_id")) == {"nghe-an-348-2025"}
    names = dict(zip(keys, column(tasks, "task_name")))
    assert names["I.2"].startswith("Thành lập Hội đồng tư vấn cấp tỉnh")

    indicators = workbook["indicator_values"]
    codes = column(indicators, "indicator_code")
    assert "1" in codes  # Tỷ lệ phủ sóng 5G: monitored by Sở Khoa học và Công nghệ
    assert "3" not in codes  # monitored by Công an tỉnh
    assert [c.value for c in workbook["budget_execution"][1]] == list(
        spec.column_names("budget_execution")
    )


def test_template_has_the_status_dropdown(nghe_an_template):
    path, content = nghe_an_template
    tasks = load_workbook(path)["task_progress"]
    lists = [dv for dv in tasks.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"Chưa thực hiện,Đang thực hiện,Hoàn thành"'
    status_letter = "F"
    assert tasks[f"{status_letter}1"].value == "status"
    last_row = 2 + len(content.tasks)
    assert f"{status_letter}3:{status_letter}" in str(lists[0].sqref)
    assert any(
        r.min_row <= 3 and r.max_row >= last_row and r.min_col == r.max_col == 6
        for r in lists[0].sqref.ranges
    )


def test_template_readme_holds_the_metadata(nghe_an_template):
    path, _ = nghe_an_template
    readme = load_workbook(path)["README"]
    metadata = {
        row[0]: row[1] for row in readme.iter_rows(values_only=True) if row[0] in spec.METADATA_KEYS
    }
    assert metadata == {
        "format_version": "1",
        "province_id": "nghe-an",
        "agency_id": "nghe-an:so-khcn",
        "period": "2026-Q1",
    }
    text = " ".join(str(v) for row in readme.iter_rows(values_only=True) for v in row if v)
    assert "HƯỚNG DẪN" in text and "INSTRUCTIONS" in text


def test_untouched_template_is_rejected_as_empty_and_filled_template_is_accepted(
    nghe_an_template, tmp_path, reference
):
    path, content = nghe_an_template
    store = tmp_path / "store" / "submissions.duckdb"
    [blank] = ingest_files(store, reference, path)
    assert (blank.status, blank.reason_code) == ("rejected", "no_data")
    assert blank.rows_not_reported == len(content.tasks) + len(content.indicators)

    workbook = load_workbook(path)
    tasks = workbook["task_progress"]
    tasks["F3"], tasks["G3"] = "Đang thực hiện", 30
    tasks["F4"], tasks["G4"], tasks["I4"] = "Hoàn thành", 100, "20/03/2026"
    indicators = workbook["indicator_values"]
    indicators["E3"], indicators["F3"] = "62,5", "31/03/2026"
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    [outcome] = ingest_files(store, reference, filled)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("accepted", 3, 0)
    assert outcome.rows_not_reported == len(content.tasks) + len(content.indicators) - 3
    statuses = store_rows(
        store,
        "select parsed_status from raw.submission_rows where sheet = 'task_progress' order by row_number",
    )
    assert statuses == [("dang_thuc_hien",), ("hoan_thanh",)]


def test_group_coordinated_tasks_are_left_out_but_named_ones_kept(reference, tmp_path):
    _, health, _ = write_template(
        reference, "nghe-an", "nghe-an:so-y-te", "2026-Q1", tmp_path, TEST_KEYS
    )
    keys = {task.task_key for task, _, _ in health.tasks}
    assert "I.2" not in keys  # Sở KH&CN leads, Sở Nội vụ coordinates
    assert "I.1" in keys  # led by "Các sở, ban, ngành, địa phương"
    assert all(not (role == "coordinating" and holder.group_id) for _, role, holder in health.tasks)


def test_thai_nguyen_template_follows_bac_kan_lineage(reference, tmp_path):
    # Bắc Kạn IV.39 is led by Sở Thông tin và Truyền thông: merged into Sở KH&CN
    # Bắc Kạn on 2025-03-01, which passed to Thái Nguyên on 2025-07-01.
    _, content, _ = write_template(
        reference, "thai-nguyen", "thai-nguyen:so-khcn", "2026-Q1", tmp_path, TEST_KEYS
    )
    keys = {(task.plan_id, task.task_key) for task, _, _ in content.tasks}
    assert ("bac-kan-131-2025", "IV.39") in keys
    _, february, _ = write_template(
        reference, "bac-kan", "bac-kan:so-tttt", "2025-02", tmp_path, TEST_KEYS
    )
    assert ("bac-kan-131-2025", "IV.39") in {(t.plan_id, t.task_key) for t, _, _ in february.tasks}


def test_template_refuses_merged_agency_and_names_successor(reference, tmp_path):
    with pytest.raises(TemplateError, match="successor is 'nghe-an:so-khcn'"):
        write_template(reference, "nghe-an", "nghe-an:so-tttt", "2026-Q1", tmp_path, TEST_KEYS)
    with pytest.raises(TemplateError, match="report as province 'thai-nguyen'"):
        write_template(reference, "bac-kan", "bac-kan:so-khcn", "2026-Q1", tmp_path, TEST_KEYS)


def parse(module, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def test_cli_template_then_ingest(tmp_path, capsys, monkeypatch, reference):
    monkeypatch.setenv("NQ57_WAREHOUSE", str(tmp_path / "wh" / "nq57.duckdb"))
    out = tmp_path / "templates"
    args = parse(
        template_cli,
        [
            "--province",
            "nghe-an",
            "--agency",
            "nghe-an:so-noi-vu",
            "--period",
            "2026-Q1",
            "--out",
            str(out),
        ],
    )
    assert template_cli.main(args) == 0
    template = out / "nq57_nghe-an_so-noi-vu_2026-Q1.xlsx"
    assert str(template) in capsys.readouterr().out

    workbook = load_workbook(template)
    workbook["task_progress"]["F3"] = "Chưa thực hiện"
    landing = tmp_path / "landing"
    landing.mkdir()
    workbook.save(landing / "report.xlsx")
    monkeypatch.setenv("NQ57_LANDING", str(landing))
    assert ingest_cli.main(parse(ingest_cli, [])) == 0
    first = capsys.readouterr().out
    assert "report.xlsx: accepted" in first
    assert str(tmp_path / "wh" / "receipts") in first
    assert (tmp_path / "wh" / "submissions.duckdb").exists()
    assert ingest_cli.main(parse(ingest_cli, [])) == 0
    assert "already ingested" in capsys.readouterr().out


def test_cli_reports_bad_arguments(tmp_path, capsys):
    args = parse(
        template_cli,
        ["--province", "atlantis", "--agency", "x", "--period", "2026-Q1", "--out", str(tmp_path)],
    )
    assert template_cli.main(args) == 2
    assert "Province id 'atlantis' is not in the registry" in capsys.readouterr().err
    assert ingest_cli.main(parse(ingest_cli, [str(tmp_path / "missing")])) == 2
    assert "no such file or folder" in capsys.readouterr().err

"""The periodic report and the public site, on a warehouse built the README's way.

simulate -> ingest -> the real Lạng Sơn 234 figures -> nq57 build (the run's simulated
warehouse, shared with test_simulate_warehouse.py), then reports
and the site are read back with real renderers: python-docx opens the .docx,
pdftoppm rasterises the .pdf, headless Chromium loads the .html and the site
(zero console errors, a screenshot kept under test-artifacts/).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date
from pathlib import Path

import duckdb
import pytest
from fixtures.browser import Browser, chromium_path, require, save_artifact

from dagster_project.cli import main as nq57
from dagster_project.reporting.figures import ReportInputError
from dagster_project.reporting.report import make_report
from dagster_project.reporting.site import write_site
from dagster_project.semantics.display import MISSING

REPORT_DAY = date(2025, 9, 8)
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?https?:""", re.I
)


@pytest.fixture(scope="module")
def warehouse(simulated_warehouse) -> Path:
    """The run's simulated warehouse (conftest.simulated_warehouse): agencies' reports from
    July 2025 to January 2026 and the real Lạng Sơn figures, built; read, never written."""
    return simulated_warehouse["published"]


def one(published: Path, sql: str, params: list | None = None):
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql, params or []).fetchone()


@pytest.fixture(scope="module")
def lang_son(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("lang-son-report")
    return make_report(warehouse, "lang-son", "2025-Q3", out, ("html", "docx"), REPORT_DAY)


@pytest.fixture(scope="module")
def nghe_an(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("nghe-an-report")
    return make_report(warehouse, "nghe-an", "2025-Q3", out, ("html", "docx"), REPORT_DAY)


def figures_by_key(result) -> dict[str, object]:
    return {f.row_key: f for f in result.data.figures}


def test_the_2026_budget_and_its_two_parts_are_the_marts_figures_with_their_lines(
    warehouse, lang_son
):
    figures = figures_by_key(lang_son)
    for line_id in ("fy2026-total", "fy2026-investment", "fy2026-recurrent"):
        full = f"lang-son-234-2025-{line_id}"
        amount, source_file, source_line = one(
            warehouse,
            "select amount_million_vnd, source_file, source_line from marts.fct_budget_lines "
            "where budget_line_id = ? and stage = 'estimate'",
            [full],
        )
        figure = figures[f"{full} / estimate"]
        assert figure.value == amount
        assert figure.source == f"{source_file}:{source_line}"
    total = figures["lang-son-234-2025-fy2026-total / estimate"]
    assert (total.text, total.source) == ("384.172", "004_c38ba8cad11c4ac1.txt:172")
    html = lang_son.paths["html"].read_text(encoding="utf-8")
    assert f"384.172 {total.ref} triệu đồng = 60.100" in html
    assert "324.072" in html


def test_the_online_dossier_share_is_the_national_comparison_row(warehouse, lang_son):
    [figure] = [f for f in lang_son.data.figures if f.mart == "mart_actuals_vs_national"]
    value_text, source_file, source_row = one(
        warehouse,
        "select value_text, source_file, source_row from marts.mart_actuals_vs_national "
        "where figure_id = 'lang-son-234-2025-fig-111'",
    )
    assert figure.text == value_text == "84,03%"
    assert figure.source.startswith(f"{source_file}, dòng {source_row}")
    assert figure.source.endswith("tài liệu 004_c38ba8cad11c4ac1.txt:101")
    html = lang_son.paths["html"].read_text(encoding="utf-8")
    assert f"84,03% {figure.ref}" in html


def test_every_figure_has_its_appendix_row(lang_son, nghe_an):
    for result in (lang_son, nghe_an):
        html = result.paths["html"].read_text(encoding="utf-8")
        appendix = html[html.index("Phụ lục. Nguồn") :]
        assert result.data.figures
        for figure in result.data.figures:
            row = f"<td>{figure.ref}</td>"
            assert row in appendix, figure
            assert f"marts.{figure.mart}" in appendix
            assert figure.source and figure.source != "chưa có nguồn", figure


def test_the_demo_province_figures_equal_independent_queries_on_the_marts(warehouse, nghe_an):
    data = nghe_an.data
    files = one(
        warehouse,
        "select count(*) from marts.fct_submission_files where province_id = 'nghe-an' "
        "and period in ('2025-07', '2025-08', '2025-09', '2025-Q3')",
    )[0]
    assert data.files["files"] == files > 0
    tasks = one(
        warehouse,
        "select count(distinct (plan_id, task_key, reporting_agency_id)) from marts.fct_task_status "
        "where province_id = 'nghe-an' and is_latest and period_end <= date '2025-09-30'",
    )[0]
    assert len(data.task_status) == tasks > 0
    figures = {f.label: f for f in data.figures}
    assert figures["Số nhiệm vụ có báo cáo tình trạng"].value == tasks
    assert (
        sum(
            figures[f"Số nhiệm vụ {s}"].value
            for s in (
                "hoàn thành đúng hạn",
                "hoàn thành quá hạn",
                "chưa hoàn thành, còn trong hạn",
                "chưa hoàn thành, quá hạn",
            )
        )
        + sum(r["derived_status"] == "deadline_unknown" for r in data.task_status)
        == tasks
    )
    expected, received = one(
        warehouse,
        "select count(*) filter (where is_expected), count(*) filter (where is_expected and "
        "is_received) from marts.mart_reporting_compliance where province_id = 'nghe-an' "
        "and period = '2025-Q3'",
    )
    assert figures["Số báo cáo phải gửi"].value == expected > 0
    assert figures["Số báo cáo đã nhận"].value == received
    rows_in, loaded, quarantined = one(
        warehouse,
        "select sum(rows_in), sum(rows_loaded), sum(rows_quarantined) from marts.fct_submission_files "
        "where province_id = 'nghe-an' and period in ('2025-07', '2025-08', '2025-09', '2025-Q3')",
    )
    assert (figures["Số dòng đọc vào"].value, figures["Số dòng đã nạp"].value) == (rows_in, loaded)
    assert figures["Số dòng cách ly"].value == quarantined
    assert rows_in == loaded + quarantined


def test_the_html_is_self_contained_with_at_least_five_inline_svg_charts(lang_son, nghe_an):
    for result in (lang_son, nghe_an):
        html = result.paths["html"].read_text(encoding="utf-8")
        assert html.count("<figure") >= 5 and html.count("<svg") >= 5
        assert not EXTERNAL.search(html), EXTERNAL.search(html)
        assert "<script" not in html and "<img" not in html
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Nơi nhận" in html


def test_the_docx_opens_with_python_docx_with_the_layout_figures_and_charts(lang_son):
    from docx import Document

    word = Document(str(lang_son.paths["docx"]))
    text = "\n".join(p.text for p in word.paragraphs)
    cells = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Độc lập - Tự do - Hạnh phúc" in cells
    assert "Số: ....../BC-SKHCN" in cells and "Lạng Sơn, ngày 08 tháng 09 năm 2025" in cells
    assert "Nơi nhận:" in cells
    assert "384.172" in text and "84,03%" in cells
    assert "I. TỔNG QUAN" in text and "IV. KINH PHÍ THỰC HIỆN" in text
    assert len(word.inline_shapes) >= 5


def test_the_pdf_renders_to_a_page_that_is_not_blank(warehouse, tmp_path):
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils)")
    try:
        import weasyprint  # noqa: F401
    except OSError:
        require(False, "Pango (for WeasyPrint)")
    from PIL import Image

    result = make_report(warehouse, "lang-son", "2025-Q3", tmp_path, ("pdf",), REPORT_DAY)
    pdf = result.paths["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    [png] = sorted(tmp_path.glob("page*.png"))
    save_artifact("report_lang-son_2025-Q3_page1.png", png.read_bytes())
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height, "the first page is blank"


def test_a_province_with_no_submissions_says_so_and_shows_no_zeros(warehouse, tmp_path):
    result = make_report(warehouse, "lai-chau", "2025-Q3", tmp_path, ("html",), REPORT_DAY)
    assert not result.data.has_submissions and not result.data.task_status
    html = result.paths["html"].read_text(encoding="utf-8")
    assert "chưa nhận được báo cáo nào" in html
    assert f"Tình trạng nhiệm vụ đến hết quý III năm 2025: {MISSING}" in html
    assert {f.mart for f in result.data.figures} <= {"fct_tasks", "fct_budget_lines"}


def test_a_period_with_no_data_is_missing_not_zero(warehouse, tmp_path):
    result = make_report(warehouse, "nghe-an", "2024-01", tmp_path, ("html",), REPORT_DAY)
    html = result.paths["html"].read_text(encoding="utf-8")
    assert not result.data.has_submissions and not result.data.budget_execution
    assert f"Phân bổ và giải ngân đến hết kỳ: {MISSING}" in html
    assert f"Tiến độ các chỉ tiêu: {MISSING}" in html


def test_unknown_province_and_malformed_period_are_clear_errors(warehouse, tmp_path, capsys):
    base = ["report", "--warehouse", str(warehouse), "--out", str(tmp_path)]
    assert nq57([*base, "--province", "atlantis", "--period", "2025-Q3"]) == 2
    error = capsys.readouterr().err
    assert "unknown province 'atlantis'" in error and "lang-son" in error
    assert nq57([*base, "--province", "lang-son", "--period", "2025-Q5"]) == 2
    assert "'2025-Q5' is not a period" in capsys.readouterr().err
    assert nq57([*base, "--province", "lang-son", "--period", "2025-Q3", "--format", "odt"]) == 2
    assert "--format 'odt'" in capsys.readouterr().err
    with pytest.raises(ReportInputError, match="no published warehouse"):
        make_report(tmp_path / "none.duckdb", "lang-son", "2025-Q3", tmp_path)
    assert not list(tmp_path.iterdir())


def test_the_cli_writes_all_three_formats_by_default(warehouse, tmp_path, capsys):
    try:
        import weasyprint  # noqa: F401
    except OSError:
        require(False, "Pango (for WeasyPrint)")
    code = nq57(
        [
            "report",
            "--warehouse",
            str(warehouse),
            "--province",
            "lang-son",
            "--period",
            "2025-q3",
            "--out",
            str(tmp_path),
            "--date",
            "2025-09-08",
        ]
    )
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"bao-cao_lang-son_2025-Q3.{ext}" for ext in ("docx", "html", "pdf")]
    assert "7 charts" in capsys.readouterr().out


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    require(executable is not None, "chromium")
    instance = Browser(executable)
    yield instance
    instance.close()


def test_the_report_html_loads_in_chromium_with_no_console_error(browser, lang_son, nghe_an):
    for result in (lang_son, nghe_an):
        page = browser.load(result.paths["html"].as_uri())
        save_artifact(f"{result.paths['html'].stem}.png", page.screenshot)
        assert page.errors == [], page.errors
        assert page.title.startswith("BÁO CÁO")
        assert len(page.screenshot) > 10_000


@pytest.fixture(scope="module")
def site(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    return write_site(warehouse, out)


def test_the_site_has_every_province_and_the_plans_figures(site, warehouse):
    assert site.provinces == 34
    assert site.dbt_docs is not None and site.dbt_docs.is_file()
    index = (site.out / "index.html").read_text(encoding="utf-8")
    assert index.count('href="tinh/') == 34
    lang_son = (site.out / "tinh" / "lang-son.html").read_text(encoding="utf-8")
    assert "384.172" in lang_son and "004_c38ba8cad11c4ac1.txt:172" in lang_son
    assert "dbt-docs/index.html#!/model/model.nq57.fct_budget_lines" in lang_son
    indicators = one(warehouse, "select count(*) from marts.dim_indicators")[0]
    assert site.indicators == indicators == len(list((site.out / "chi-tieu").glob("*.html")))
    for page in site.out.rglob("*.html"):
        if page.parent.name != "dbt-docs":
            text = page.read_text(encoding="utf-8")
            assert not EXTERNAL.search(text), (page, EXTERNAL.search(text))
            assert "<script" not in text


def test_the_site_and_its_dbt_docs_load_offline_in_chromium_with_no_error(browser, site):
    indicator = sorted((site.out / "chi-tieu").glob("nghe-an-*.html"))[0]
    pages = {
        "site_index": site.out / "index.html",
        "site_nghe-an": site.out / "tinh" / "nghe-an.html",
        "site_lai-chau": site.out / "tinh" / "lai-chau.html",
        "site_indicator": indicator,
    }
    for name, path in pages.items():
        page = browser.load(path.as_uri())
        save_artifact(f"{name}.png", page.screenshot)
        assert page.errors == [], (name, page.errors)
    docs = browser.load(site.dbt_docs.as_uri() + "#!/model/model.nq57.fct_budget_lines")
    save_artifact("site_dbt-docs.png", docs.screenshot)
    assert docs.errors == [], docs.errors
    assert docs.title == "dbt Docs"


def test_the_dagster_asset_writes_one_partition_and_the_schedule_follows_the_calendar(
    warehouse, tmp_path
):
    from dagster import MultiPartitionKey, build_schedule_context, materialize

    from dagster_project.reporting.assets import (
        PublishedReports,
        due_reports,
        periodic_report,
        reports_schedule,
    )

    key = MultiPartitionKey({"province": "lang-son", "period": "2025-Q3"})
    result = materialize(
        [periodic_report],
        partition_key=key,
        resources={
            "report_files": PublishedReports(
                warehouse=str(warehouse), out_dir=str(tmp_path), formats="html"
            )
        },
    )
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["html_path"].value == str(
        tmp_path / "lang-son" / "bao-cao_lang-son_2025-Q3.html"
    )
    assert Path(metadata["html_path"].value).is_file()
    # Quarterly reports are due before the 10th of the quarter's last month (Lạng Sơn 145,
    # Nghệ An 348); the schedule asks for them two days ahead.
    assert due_reports(date(2025, 9, 8)) == [("lang-son", "2025-Q3"), ("nghe-an", "2025-Q3")]
    assert ("thai-nguyen", "2025-H1") in due_reports(date(2025, 5, 30))
    assert due_reports(date(2025, 9, 9)) == []
    from datetime import datetime

    context = build_schedule_context(
        scheduled_execution_time=datetime(2025, 9, 7, 23, 0, tzinfo=UTC)
    )
    requests = list(reports_schedule(context))
    assert [r.partition_key.keys_by_dimension for r in requests] == [
        {"province": "lang-son", "period": "2025-Q3"},
        {"province": "nghe-an", "period": "2025-Q3"},
    ]

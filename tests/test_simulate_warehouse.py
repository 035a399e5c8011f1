"""End to end: simulate -> ingest -> nq57 build into a temporary warehouse, then one new month
and an incremental build. The submission marts fill, a resubmission supersedes the report
it corrects, the real Lạng Sơn figures reach fct_budget_execution.

The warehouse is made once per run (conftest.simulated_warehouse): the rebuilds from it,
whose fct_task_status must equal a build from scratch, are in
test_simulate_warehouse_rebuilds.py, so that ``make test`` runs them on another worker, and
test_reports.py writes its reports and site from it.
"""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from fixtures.marts import SUBMISSION_MARTS
from fixtures.submissions.builders import real_reference

from dagster_project.commands.build import run_build
from dagster_project.simulate.generator import SimulationConfig, Simulator
from dagster_project.simulate.ingest import ingest_as_sent
from dagster_project.simulate.real_figures import write_real_figures
from dagster_project.submissions.signing import load_keys
from dagster_project.warehouse.build import BuildFailedError
from dagster_project.warehouse.paths import SEEDS_DIR

TASK_STATUS_KEY = "file_sha256, source_row, is_latest, derived_status, percent_complete"


def simulate_and_ingest(root: Path, start: date, end: date, store: Path, name: str) -> None:
    reference = real_reference()
    out = root / name
    config = SimulationConfig(
        out_dir=out, start=start, end=end, defect_rate=0.1, resubmit_rate=0.3, signing_store=store
    )
    Simulator(config, reference).run(progress=lambda line: None)
    ingest_as_sent([out], store=store, reference=reference, progress=lambda line: None)


def build(published: Path, reports: Path, seeds: Path | None = None) -> None:
    """``nq57 build``'s in-process runner, with an in-memory Dagster instance.

    Test runs stay out of a developer's Dagster run history, as in the other
    build tests; and the per-worker home ``make test`` sets would keep the run's
    events in SQLite, one write at a time: seconds of every build here.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DAGSTER_HOME", raising=False)
        run_build(published=published, seeds_dir=seeds, report_dir=reports, out=io.StringIO())


def rows(published: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql).fetchall()


def make_warehouse(root: Path) -> dict:
    published = root / "warehouse" / "nq57.duckdb"
    store = published.parent / "submissions.duckdb"
    # From July: test_reports.py reports on 2025-Q3.
    simulate_and_ingest(root, date(2025, 7, 1), date(2025, 12, 31), store, "history")
    real = write_real_figures(SEEDS_DIR, root / "real", load_keys(store))
    ingest_as_sent([real], store=store, reference=real_reference(), progress=lambda line: None)
    build(published, root / "reports")
    full_counts = {
        mart: rows(published, f"select count(*) from marts.{mart}")[0][0]
        for mart in SUBMISSION_MARTS
    }
    simulate_and_ingest(root, date(2026, 1, 1), date(2026, 1, 31), store, "new-month")
    build(published, root / "reports")
    return {"root": root, "published": published, "store": store, "full_counts": full_counts}


@pytest.fixture(scope="session")
def warehouse(simulated_warehouse) -> dict:
    """The simulated warehouse after its full and incremental builds; tests copy, never write it."""
    return simulated_warehouse


def test_every_submission_mart_has_rows(warehouse):
    assert all(count > 0 for count in warehouse["full_counts"].values()), warehouse["full_counts"]


def test_a_resubmission_supersedes_the_earlier_rows_in_fct_task_status(warehouse):
    superseded = rows(
        warehouse["published"],
        """
        select earlier.file_sha256, later.file_sha256
        from marts.fct_task_status as earlier
        inner join marts.fct_task_status as later
            on earlier.reporting_agency_id = later.reporting_agency_id
            and earlier.period = later.period
            and earlier.ingest_seq < later.ingest_seq
        where later.is_latest
        group by all
        """,
    )
    assert superseded
    flags = dict(
        rows(
            warehouse["published"],
            "select file_sha256, bool_or(is_latest) from marts.fct_task_status group by 1",
        )
    )
    assert all(not flags[earlier] and flags[later] for earlier, later in superseded)


def test_the_real_lang_son_disbursement_reaches_fct_budget_execution(warehouse):
    real = rows(
        warehouse["published"],
        """
        select budget_line_id, allocated_million_vnd, disbursed_million_vnd, as_of_date, note
        from marts.fct_budget_execution
        where reporting_agency_id = 'lang-son:so-khcn'
        order by budget_line_id
        """,
    )
    assert len(real) == 5
    line_id, allocated, disbursed, as_of, note = real[0]
    assert line_id == "lang-son-234-2025-fy2025-investment-1"
    assert (float(allocated), float(disbursed)) == (195662.0, 155673.2)
    assert as_of == date(2025, 6, 30)
    assert "004_c38ba8cad11c4ac1.txt:124 (disbursed)" in note


def test_the_real_lang_son_figures_are_actuals_and_one_meets_the_national_floor(warehouse):
    kinds = dict(
        rows(
            warehouse["published"],
            """
            select item_kind, count(*) from marts.fct_indicator_actuals
            where plan_id = 'lang-son-234-2025' group by 1
            """,
        )
    )
    assert kinds == {"reported_figure": 117}
    traced = rows(
        warehouse["published"],
        """
        select actuals.value_text, figures.source_file, figures.source_line
        from marts.fct_indicator_actuals as actuals
        inner join marts.fct_reported_figures as figures using (figure_id)
        where actuals.figure_id = 'lang-son-234-2025-fig-111'
        """,
    )
    assert traced == [("84,03%", "004_c38ba8cad11c4ac1.txt", 101)]
    national = rows(
        warehouse["published"],
        """
        select national_indicator_id, value, national_comparator, national_target_value,
            meets_national_target, link_source, as_of_date
        from marts.mart_actuals_vs_national
        where province_id = 'lang-son'
        """,
    )
    assert [
        (n, float(v), c, float(t), m, link, as_of) for n, v, c, t, m, link, as_of in national
    ] == [
        (
            "online-public-service-use-2030",
            84.03,
            ">",
            80.0,
            True,
            "figure_crosswalk",
            date(2025, 3, 31),
        )
    ]


def test_every_file_and_refusal_of_the_store_is_in_the_warehouse(warehouse):
    with duckdb.connect(str(warehouse["store"]), read_only=True) as store:
        files = store.execute(
            "select file_sha256, status, rows_in, rows_loaded, rows_quarantined "
            "from raw.submission_files order by 1"
        ).fetchall()
        refusals = store.execute(
            "select file_sha256, sheet, row_number, column_name, reason_code "
            "from raw.submission_quarantine order by all"
        ).fetchall()
    published = warehouse["published"]
    assert files == rows(
        published,
        "select file_sha256, status, rows_in, rows_loaded, rows_quarantined "
        "from marts.fct_submission_files order by 1",
    )
    assert refusals == rows(
        published,
        "select file_sha256, sheet, source_row, column_name, reason_code "
        "from marts.fct_submission_quarantine order by all",
    )
    # The simulated defects reach the auditors: some files rejected whole, some rows refused.
    statuses = {status for _, status, *_ in files}
    assert {"accepted", "partially_accepted", "rejected"} <= statuses
    whole, by_row = rows(
        published,
        "select count(*) filter (where is_whole_file), count(*) filter (where not is_whole_file) "
        "from marts.fct_submission_quarantine",
    )[0]
    assert whole > 0 and by_row > 0
    # And the gate ran its checks on them (rows in = loaded + quarantined among them): all passed.
    report = sorted((warehouse["root"] / "reports").glob("*/summary.html"))[-1]
    # Checks table: run, passed, blocking, warnings, skipped.
    checked = re.search(
        r"<tr><td>marts.fct_submission_files</td>" + r'<td class="num">(\d+)</td>' * 5 + "</tr>",
        report.read_text(encoding="utf-8"),
    )
    assert checked, "no checks row for marts.fct_submission_files in the report"
    run, passed, blocking, warnings, skipped = map(int, checked.groups())
    # Three counts not negative, rows in = loaded + quarantined, senders verified (the file key
    # and not-null columns are dbt tests, which passed for the build to reach the gate).
    assert run == passed == 5 and blocking == warnings == skipped == 0


def test_derived_status_follows_due_and_completion_dates(warehouse):
    wrong = rows(
        warehouse["published"],
        """
        select count(*) from marts.fct_task_status
        where (derived_status = 'completed_on_time' and completion_date > due_date)
            or (derived_status = 'completed_late' and completion_date <= due_date)
            or (derived_status = 'not_done_overdue' and received_date <= due_date)
            or (derived_status like 'completed%' and reported_status <> 'hoan_thanh')
        """,
    )[0][0]
    statuses = {
        status
        for (status,) in rows(
            warehouse["published"], "select distinct derived_status from marts.fct_task_status"
        )
    }
    assert wrong == 0
    assert {"completed_on_time", "completed_late", "not_done_within_deadline"} <= statuses


def test_reporting_compliance_tells_late_from_on_time(warehouse):
    counts = dict(
        rows(
            warehouse["published"],
            """
            select coalesce(cast(is_on_time as varchar), 'none'), count(*)
            from marts.mart_reporting_compliance where is_expected group by 1
            """,
        )
    )
    assert counts.get("true", 0) > counts.get("false", 0) > 0


def test_a_warehouse_built_from_another_store_is_not_published(warehouse, tmp_path):
    """Incremental rows from an earlier store never mix with a new one: the build fails."""
    published = tmp_path / "warehouse" / "nq57.duckdb"
    published.parent.mkdir()
    shutil.copyfile(warehouse["published"], published)
    before = published.read_bytes()
    # No submissions.duckdb beside it: the build reads an empty store.
    with pytest.raises(BuildFailedError, match="relationships_fct_task_status_file_sha256"):
        build(published, tmp_path / "reports")
    assert published.read_bytes() == before

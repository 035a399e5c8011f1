"""A province's plan from text file to published marts, as a user does it, in a copy of the repo.

``nq57 add-plan`` for three plans from provinces outside the seeds (one in the
Bắc Kạn layout, two in layouts of their own), then ``nq57 build``: the
warehouse publishes with their rows, each traced to its document line. Then a
plan whose agencies are all unknown: the build refuses to publish, says which
rule failed on which lines and what to do, and leaves its report.

The builds run as ``nq57 build`` in a subprocess in a copy of the working tree,
so the repository's own seeds and warehouse are never touched. ``nq57 add-plan``
runs in this process with the copy's folders given (``--seeds``,
``--review-dir``, the folders it would take from its working copy): the same
command on the same files, without starting Python anew for each plan. The copy holds no
build outputs but dbt's last parse of the models (dbt/target's manifest, as
any working tree has after a build): its first build installs the dbt packages
and reads that parse, as a build in the repository does, instead of parsing
the unchanged models again (seconds of every run of this file).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from fixtures.processes import run_here

REPO = Path(__file__).resolve().parents[1]
PLANS = REPO / "tests" / "fixtures" / "plans"
# What a working copy holds besides the sources, at its top level and anywhere: never copied.
TOP_LEVEL_OUTPUTS = {
    ".git",
    ".venv",
    ".venv-tools",
    ".dagster_home",
    "warehouse",
    "reports",
    "landing",
    "demo",
}
BUILD_OUTPUTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
DBT_OUTPUTS = {"target", "logs", "dbt_packages"}


def not_copied(directory: str, names: list[str]) -> set[str]:
    here = Path(directory)
    skipped = set(names) & BUILD_OUTPUTS
    if here == REPO:
        skipped |= set(names) & TOP_LEVEL_OUTPUTS
    if here == REPO / "dbt":
        skipped |= set(names) & DBT_OUTPUTS
    return skipped


def nq57(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("NQ57_WAREHOUSE", "DAGSTER_HOME")}
    env["PYTHONPATH"] = str(repo)
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def add_plan(repo: Path, plan: Path) -> int:
    """``nq57 add-plan plan`` for the copy's seeds, in this process; its output is shown on failure."""
    added = run_here(
        ["add-plan", str(plan), "--seeds", str(repo / "seeds")]
        + ["--review-dir", str(repo / "reports" / "review")],
        dict(os.environ),
    )
    assert added.returncode == 0, added.stdout + added.stderr
    return added.returncode


# dbt's parse and the stamp saying what it was made for (see dbt_project.prepare_manifest).
PARSE_FILES = ("manifest.json", "partial_parse.msgpack", "manifest.stamp")


def copy_dbt_parse(copy: Path) -> None:
    """The repository's current dbt parse into ``copy`` (parsed now if it is not current).

    Under the parse lock, so no build in another worker rewrites it meanwhile.
    The stamp holds the code's hash and the environment, so a copy whose models
    or settings differ parses again. The times are copied too: the stamp holds them.
    """
    from dagster_project.warehouse import dbt_project

    target = Path(dbt_project.DBT_PROJECT.manifest_path).parent
    (copy / "dbt" / "target").mkdir()
    with dbt_project._parse_lock():
        # The build file name of `nq57 build` in the copy: the warehouse's default.
        dbt_project._prepared(REPO / "warehouse" / "nq57.duckdb")
        for name in PARSE_FILES:
            shutil.copy2(target / name, copy / "dbt" / "target" / name)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("onboarding") / "nq57"
    shutil.copytree(REPO, copy, ignore=not_copied)
    copy_dbt_parse(copy)
    for fixture in ("quang_binh_52", "ha_tinh_168", "gia_lai_1205"):
        add_plan(copy, PLANS / fixture / "plan.txt")
    return copy


@pytest.fixture(scope="module")
def published(repo) -> Path:
    built = nq57(repo, "build")
    assert built.returncode == 0, built.stderr[-4000:]
    assert "published " in built.stdout
    return repo / "warehouse" / "nq57.duckdb"


def query(warehouse: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_the_three_plans_are_published_with_the_five_seed_documents(published):
    plans = {row[0] for row in query(published, "select plan_id from marts.dim_plans")}
    assert {"quang-binh-52-2025", "ha-tinh-168-2025", "gia-lai-1205-2025"} < plans
    assert len(plans) == 8
    (provinces,) = query(published, "select count(*) from marts.dim_provinces")[0]
    assert provinces == 64


def test_every_new_row_points_at_the_document_line_that_prints_it(published):
    counts = query(
        published,
        "select count(*), count(*) filter (where holds) from parsed.seed_lineage",
    )[0]
    assert counts[0] > 900 and counts[0] == counts[1]
    rows = query(
        published,
        "select source_file, source_line from marts.fct_tasks where plan_id = 'ha-tinh-168-2025'",
    )
    assert len(rows) == 15 and all(f.startswith("00") and line > 0 for f, line in rows)


def test_a_task_of_a_merged_province_is_held_by_the_successor(published):
    # Quảng Bình merged into Quảng Trị on 2025-07-01; its Sở TT&TT into Sở KH&CN on 2025-03-01.
    (holder,) = query(
        published,
        "select current_lead_agency_id from marts.fct_tasks "
        "where plan_id = 'quang-binh-52-2025' and task_key = 'I.1'",
    )[0]
    assert holder == "quang-tri:so-khcn"


def test_a_period_total_is_published_as_a_period(published):
    rows = query(
        published,
        "select fiscal_year, period_start_year, period_end_year, amount_million_vnd "
        "from marts.fct_budget_lines where plan_id = 'ha-tinh-168-2025' and line_name = 'Tổng cộng' "
        "order by period_end_year",
    )
    assert rows == [
        (2026, 2026, 2026, Decimal("250000.000")),
        (None, 2026, 2030, Decimal("1500000.000")),
    ]


def test_the_published_targets_match_the_answer_key(published):
    with (PLANS / "gia_lai_1205" / "expected_targets.csv").open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    read = {
        (code, str(year)): (status, comparator, low, kind)
        for code, year, status, comparator, low, kind in query(
            published,
            "select indicator_code, target_year, parse_status, comparator, target_low, target_kind "
            "from marts.fct_indicator_targets where plan_id = 'gia-lai-1205-2025'",
        )
    }
    right = 0
    for row in expected:
        status, comparator, low, kind = read[(row["indicator_code"], row["target_year"])]
        low_matches = (low is None and not row["target_low"]) or (
            low is not None and row["target_low"] and low == Decimal(row["target_low"])
        )
        right += (
            status == row["parse_status"]
            and (comparator or "") == row["comparator"]
            and (kind or "") == row["target_kind"]
            and low_matches
        )
    assert right / len(expected) >= 0.95


def test_a_plan_whose_agencies_are_unknown_is_refused_with_what_to_do(repo, published):
    text = (PLANS / "quang_binh_52" / "plan.txt").read_text(encoding="utf-8")
    text = text.replace("52/KH-UBND", "53/KH-UBND").replace(
        "Sở Thông tin và Truyền thông\n", "Phòng Truyền thông số\n"
    )
    lines = [
        "Trung tâm Điều hành số" if line in ("Sở KH&CN", "Sở TT&TT", "Sở Nội vụ") else line
        for line in text.split("\n")
    ]
    plan = repo / "unknown.txt"
    plan.write_text("\n".join(lines), encoding="utf-8")
    assert add_plan(repo, plan) == 0
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    refused = nq57(repo, "build")
    assert refused.returncode == 1
    err = refused.stderr
    assert "fct_tasks.every_task_has_a_lead" in err
    assert "rule: Every task has at least one lead agency" in err
    assert "e.g. 008_" in err and ".txt:" in err
    assert "what to do: A name the registry does not know" in err
    report = next(
        line.split(":", 1)[1].strip()
        for line in err.splitlines()
        if line.startswith("quality report:")
    )
    assert Path(report).is_file()
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before

"""National scale: SYNTHETIC plans for the provinces without seeds, marked as such and kept
out of seeds/, and every kind of broken file, each quarantined with its own reason."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from fixtures.submissions.builders import missing_reasons, real_reference

from dagster_project.config import SOURCE_DIR
from dagster_project.extract.documents import load_documents
from dagster_project.extract.schema import SEED_TABLES
from dagster_project.plans.lineage import CALENDAR_TABLE, seed_lineage
from dagster_project.simulate.calendar import CALENDAR_FILE, calendar_file, load_calendar
from dagster_project.simulate.defects import DEFECT_KINDS, UNREACHABLE
from dagster_project.simulate.generator import (
    MANIFEST_NAME,
    STATE_DIR_NAME,
    SimulationConfig,
    Simulator,
)
from dagster_project.simulate.ingest import ingest_as_sent
from dagster_project.simulate.synthetic import SYNTHETIC_PREFIX, write_national_seeds
from dagster_project.submissions.readers import Limits
from dagster_project.submissions.reasons import REASONS
from dagster_project.submissions.reference import load_reference
from dagster_project.warehouse.loading import read_seed_csv
from dagster_project.warehouse.paths import SEEDS_DIR

MAX_BYTES = 400_000
# Thái Nguyên (holds Bắc Kạn's plan), Lạng Sơn (a budget plan issued after its first
# plan), Nghệ An, and Sơn La (synthetic, with two implementation plans).
PROVINCES = ("thai-nguyen", "lang-son", "nghe-an", "son-la")


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    real_reference()
    root = tmp_path_factory.mktemp("national")
    seeds = write_national_seeds(SEEDS_DIR, root / "out" / STATE_DIR_NAME / "seeds", 57)
    reference = load_reference(seeds.seeds_dir)
    config = SimulationConfig(
        out_dir=root / "out",
        seeds_dir=seeds.seeds_dir,
        calendar_path=seeds.calendar_path,
        start=date(2025, 10, 1),
        # Two months: a kind that fits none of one month's last reports (a merged
        # department exists in Nghệ An, not in Thái Nguyên) gets a second pass.
        end=date(2025, 11, 30),
        period_kind="month",
        provinces=PROVINCES,
        defect_rate=1.0,
        max_bytes=MAX_BYTES,
        signing_store=root / "store" / "submissions.duckdb",
    )
    Simulator(config, reference).run(progress=lambda line: None)
    store = root / "store" / "submissions.duckdb"
    ingest_as_sent(
        [root / "out"],
        store=store,
        reference=reference,
        limits=Limits(max_bytes=MAX_BYTES),
        progress=lambda line: None,
    )
    with (root / "out" / STATE_DIR_NAME / MANIFEST_NAME).open(encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle))
    return {"seeds": seeds, "manifest": manifest, "store": store}


def test_the_catalogue_covers_every_reason_ingestion_knows():
    assert set(DEFECT_KINDS) | set(UNREACHABLE) == set(REASONS)
    assert not set(DEFECT_KINDS) & set(UNREACHABLE)


def test_every_defect_kind_appears_and_is_quarantined_with_its_reason(national):
    broken = [line for line in national["manifest"] if line["defect_kind"]]
    assert {line["defect_kind"] for line in broken} == set(DEFECT_KINDS)
    assert missing_reasons(national["store"], broken) == []


def test_synthetic_plans_are_marked_and_the_real_seeds_kept(national):
    seeds = national["seeds"]
    assert len(seeds.synthetic_provinces) == 30
    assert "son-la" in seeds.two_plan_provinces
    with (seeds.seeds_dir / "plans.csv").open(encoding="utf-8") as handle:
        plans = list(csv.DictReader(handle))
    with (SEEDS_DIR / "plans.csv").open(encoding="utf-8") as handle:
        real = list(csv.DictReader(handle))
    assert plans[: len(real)] == real
    synthetic = plans[len(real) :]
    assert synthetic and all(
        row["plan_id"].startswith(SYNTHETIC_PREFIX)
        and row["title"].startswith("[SYNTHETIC]")
        and row["flags"].startswith("synthetic: cloned from ")
        and row["document_number"] == "(synthetic)"
        for row in synthetic
    )
    with (seeds.seeds_dir / "reference" / "agencies.csv").open(encoding="utf-8") as handle:
        agencies = list(csv.DictReader(handle))
    cloned = [row for row in agencies if row["province_id"] in seeds.synthetic_provinces]
    assert cloned and all(row["source_note"].startswith("SYNTHETIC") for row in cloned)


def test_synthetic_plans_get_their_templates_calendar_in_the_seeds_folder(national):
    # The calendar is a reference seed: a warehouse built from the folder reads the same rows.
    seeds = national["seeds"]
    assert seeds.calendar_path == calendar_file(seeds.seeds_dir)
    real = CALENDAR_FILE.read_text(encoding="utf-8")
    assert seeds.calendar_path.read_text(encoding="utf-8").startswith(real)
    rules = load_calendar(seeds.calendar_path).rules
    with (seeds.seeds_dir / "plans.csv").open(encoding="utf-8") as handle:
        plans = {row["plan_id"]: row for row in csv.DictReader(handle)}
    synthetic = [p for p in plans if p.startswith(SYNTHETIC_PREFIX) and p in rules]
    assert synthetic
    for plan_id in synthetic:
        template = plans[plan_id]["flags"].removeprefix("synthetic: cloned from ").split()[0]
        assert [(r.period_kind, r.period_part, r.due_month, r.due_day) for r in rules[plan_id]] == [
            (r.period_kind, r.period_part, r.due_month, r.due_day) for r in rules[template]
        ]
    implementation = [p for p, row in plans.items() if row["plan_kind"] == "implementation_plan"]
    assert set(implementation) <= set(rules)


def test_synthetic_seeds_never_touch_the_real_seeds_folder(national):
    assert not any(
        SYNTHETIC_PREFIX in line
        for line in (SEEDS_DIR / "plans.csv").read_text(encoding="utf-8").splitlines()
    )
    assert Path(national["seeds"].seeds_dir).resolve() != SEEDS_DIR.resolve()


def _seed_frames(seeds_dir: Path, calendar_path: Path) -> dict[str, pd.DataFrame]:
    frames = {table: read_seed_csv(seeds_dir / f"{table}.csv", table) for table in SEED_TABLES}
    frames[CALENDAR_TABLE] = pd.read_csv(
        calendar_path, dtype=str, keep_default_na=False, encoding="utf-8"
    )
    return frames


def test_synthetic_clones_hold_their_templates_lineage_and_fail_off_it(national):
    # A national build is gated by parsed_seed_lineage.line_holds_the_claimed_text: a
    # clone's line must print what the real row it was cloned from claims there.
    seeds = national["seeds"]
    frames = _seed_frames(seeds.seeds_dir, seeds.calendar_path)
    documents = {doc.source_file: doc for doc in load_documents(SOURCE_DIR)}
    lineage = seed_lineage(frames, documents)
    synthetic = lineage["row_key"].str.contains(f"plan_id={SYNTHETIC_PREFIX}")
    assert synthetic.sum() > 1000
    assert lineage["holds"].all(), lineage.loc[~lineage["holds"], ["row_key", "reason"]].head()

    budget = frames["budget_lines"]
    clone = budget.index[budget["plan_id"].str.startswith(SYNTHETIC_PREFIX)][0]
    budget.at[clone, "source_line"] = 1
    moved = seed_lineage(frames, documents)
    failed = moved.loc[~moved["holds"]]
    assert len(failed) == 1
    assert failed.iloc[0]["reason"].startswith("synthetic clone points at ")
    assert f"budget_line_id={budget.at[clone, 'budget_line_id']}" in failed.iloc[0]["row_key"]

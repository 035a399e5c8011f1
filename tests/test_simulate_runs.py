"""A seeded-scale simulation, ingested for real: deterministic files, every broken file
quarantined for its own reason, every sound file accepted, lateness and corrections
visible in the store, and every file marked synthetic."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from fixtures.submissions.builders import missing_reasons, real_reference

from dagster_project.simulate.generator import (
    MANIFEST_NAME,
    STATE_DIR_NAME,
    SimulationConfig,
    Simulator,
)
from dagster_project.simulate.ingest import ingest_as_sent
from dagster_project.submissions.marking import synthetic_marker
from dagster_project.submissions.readers import Limits

MAX_BYTES = 400_000


def simulate(out: Path, seed: int, reference, **overrides) -> list[dict[str, str]]:
    config = SimulationConfig(
        out_dir=out,
        seed=seed,
        start=date(2025, 6, 1),
        end=date(2025, 11, 30),
        defect_rate=0.25,
        late_rate=0.3,
        resubmit_rate=0.3,
        max_bytes=MAX_BYTES,
        **overrides,
    )
    Simulator(config, reference).run(progress=lambda line: None)
    with (out / STATE_DIR_NAME / MANIFEST_NAME).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    reference = real_reference()
    root = tmp_path_factory.mktemp("simulated")
    store = root / "store" / "submissions.duckdb"
    manifest = simulate(root / "out", 57, reference, signing_store=store)
    counts = ingest_as_sent(
        [root / "out"],
        store=store,
        reference=reference,
        limits=Limits(max_bytes=MAX_BYTES),
        progress=lambda line: None,
    )
    return {"root": root, "manifest": manifest, "store": store, "counts": counts}


def files(manifest: list[dict[str, str]]) -> list[dict[str, str]]:
    return [line for line in manifest if line["file_path"]]


def tree_hashes(out: Path) -> dict[str, str]:
    import hashlib

    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_byte_identical_files(run, tmp_path):
    reference = real_reference()
    again = tmp_path / "again"
    simulate(again, 57, reference, signing_store=run["store"])
    first = tree_hashes(run["root"] / "out")
    assert len(first) > 100
    assert tree_hashes(again) == first


def test_another_seed_gives_other_files(run, tmp_path):
    """The first files of seeds 57 and 58, signed with the same keys: only the seed differs."""

    def first_files(seed: int) -> dict[str, str]:
        out = tmp_path / f"seed-{seed}"
        simulate(out, seed, real_reference(), max_files=40, signing_store=run["store"])
        hashes = tree_hashes(out)
        return {name: sha for name, sha in hashes.items() if not name.startswith(STATE_DIR_NAME)}

    ours, theirs = first_files(57), first_files(58)
    assert len(ours) == len(theirs) == 40
    assert set(ours.values()) != set(theirs.values())


def test_rows_balance_and_the_mix_of_outcomes_is_realistic(run):
    counts = run["counts"]
    assert counts.rows_in == counts.rows_loaded + counts.rows_quarantined
    assert counts.statuses["accepted"] > counts.statuses["rejected"] > 0
    assert counts.statuses["partially_accepted"] > 0
    roles = {line["role"] for line in run["manifest"]}
    assert roles == {"original", "defect", "correction", "resubmission", "not_submitted"}
    formats = {(line["file_format"], line["csv_encoding"]) for line in files(run["manifest"])}
    assert {fmt for fmt, _ in formats} == {"xlsx", "csv"}
    assert {"utf-8", "utf-8-sig", "utf-16", "cp1258"} <= {enc for _, enc in formats}


def test_every_sound_file_is_accepted(run):
    with duckdb.connect(str(run["store"]), read_only=True) as con:
        for line in files(run["manifest"]):
            if line["defect_kind"]:
                continue
            status, reason = con.execute(
                "select status, file_reason_code from raw.submission_files where file_sha256 = ?",
                [line["sha256"]],
            ).fetchone()
            assert (line["file_name"], status, reason) == (line["file_name"], "accepted", None)


def test_every_broken_file_is_quarantined_with_its_reason(run):
    broken = [line for line in files(run["manifest"]) if line["defect_kind"]]
    assert len({line["defect_kind"] for line in broken}) >= 40
    assert missing_reasons(run["store"], broken) == []


def test_received_at_is_the_simulated_sending_time_and_lateness_shows(run):
    late = on_time = 0
    with duckdb.connect(str(run["store"]), read_only=True) as con:
        for line in files(run["manifest"]):
            (received_at,) = con.execute(
                "select received_at from raw.submission_files where file_sha256 = ?",
                [line["sha256"]],
            ).fetchone()
            sent = datetime.strptime(line["submitted_at"], "%Y-%m-%dT%H:%M:%SZ")
            if line["role"] == "defect" and line["defect_kind"] == "empty_file":
                continue  # every empty file has the same sha256: only the first is recorded
            assert received_at == sent
            received_on = (received_at + timedelta(hours=7)).date()
            is_late = received_on >= date.fromisoformat(line["due_before"])
            assert str(is_late).lower() == line["is_late"]
            late += is_late
            on_time += not is_late
    assert late > 0 and on_time > late


def test_a_resubmission_supersedes_the_report_it_corrects(run):
    resubmitted = [
        line
        for line in files(run["manifest"])
        if line["role"] == "resubmission" and line["file_format"] == "xlsx"
    ]
    assert resubmitted
    superseded = 0
    with duckdb.connect(str(run["store"]), read_only=True) as con:
        for line in resubmitted:
            supersedes, sheets = con.execute(
                "select supersedes_file_sha256, sheets from raw.submission_files "
                "where file_sha256 = ?",
                [line["sha256"]],
            ).fetchone()
            # The report it corrects: the agency's latest accepted file for the period before it.
            earlier = con.execute(
                """
                select earlier.file_sha256
                from raw.submission_files as earlier
                inner join raw.submission_files as this on this.file_sha256 = ?
                where earlier.agency_id = this.agency_id
                    and earlier.period = this.period
                    and earlier.ingest_seq < this.ingest_seq
                    and earlier.status in ('accepted', 'partially_accepted')
                    and list_has_any(earlier.sheets, this.sheets)
                order by earlier.ingest_seq desc
                limit 1
                """,
                [line["sha256"]],
            ).fetchone()
            assert supersedes == (earlier[0] if earlier else None)
            superseded += supersedes is not None
            latest = {
                sha
                for (sha,) in con.execute(
                    "select distinct file_sha256 from raw.submission_latest "
                    "where agency_id = ? and period = ?",
                    [line["agency_id"], line["period"]],
                ).fetchall()
            }
            assert latest == {line["sha256"]}, (line["file_name"], sheets)
    assert superseded > 0


def test_every_readable_simulated_file_is_marked_synthetic(run):
    out = run["root"] / "out"
    for line in files(run["manifest"]):
        marker = synthetic_marker(out / line["file_path"], Limits(max_bytes=MAX_BYTES))
        if not line["defect_kind"]:
            assert marker is not None, line["file_name"]
        assert line["file_name"].startswith("synthetic_")
    with duckdb.connect(str(run["store"]), read_only=True) as con:
        extras = con.execute(
            """
            select rows.extra_columns
            from raw.submission_rows as rows
            inner join raw.submission_files as files using (file_sha256)
            where files.detected_format = 'csv'
            """
        ).fetchall()
    assert extras and all(json.loads(extra)["synthetic"] == "true" for (extra,) in extras)

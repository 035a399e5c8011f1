"""Who may report for whom: signed templates, verification at ingest, agency folders,
--accept-unverified, key rotation and the audit columns of the store."""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import pytest
from fixtures.submissions.builders import (
    GOOD_TASK,
    NGHE_AN_KHCN,
    code_for,
    csv_text,
    real_reference,
    received_at,
    write_csv,
    write_xlsx,
)
from openpyxl import load_workbook

from dagster_project.submissions import keys_cli, spec
from dagster_project.submissions.ingest import ingest_paths
from dagster_project.submissions.readers import read_submission
from dagster_project.submissions.signing import (
    KeyFileError,
    key_path,
    load_keys,
    parse_code,
    rotate,
)
from dagster_project.submissions.store import open_store
from dagster_project.submissions.template import write_template

PERIOD = NGHE_AN_KHCN["period"]


@pytest.fixture(scope="module")
def reference():
    return real_reference()


@pytest.fixture
def store(tmp_path) -> Path:
    return tmp_path / "warehouse" / "submissions.duckdb"


def ingest(store: Path, reference, *paths: Path, **options):
    return ingest_paths(
        list(paths),
        store=store,
        reference=reference,
        now=received_at,
        progress=lambda _: None,
        **options,
    )


def manifest(store: Path) -> list[dict[str, object]]:
    with duckdb.connect(str(store), read_only=True) as con:
        cursor = con.execute(
            """
            select file_name, status, file_reason_code, rows_loaded, sender_verified,
                sender_method, sender_key_id, sender_reason_code, supersedes_file_sha256,
                file_sha256, archived_path, receipt_path
            from raw.submission_files order by ingest_seq
            """
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def latest_files(store: Path) -> set[str]:
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            """
            select distinct files.file_name
            from raw.submission_latest as latest
            inner join raw.submission_files as files using (file_sha256)
            """
        ).fetchall()
    return {row[0] for row in rows}


def filled_template(reference, store: Path, folder: Path, agency: str = "nghe-an:so-khcn") -> Path:
    """``nq57 template`` for the agency, filled in by it (one task completed)."""
    path, content, _ = write_template(
        reference, "nghe-an", agency, PERIOD, folder / "templates", load_keys(store)
    )
    workbook = load_workbook(path)
    sheet = workbook[spec.TASK_PROGRESS]
    header = [cell.value for cell in sheet[1]]
    # The first prefilled task, reported completed.
    for name in ("status", "percent_complete", "completion_date"):
        sheet.cell(row=3, column=header.index(name) + 1, value=GOOD_TASK[name])
    filled = folder / "landing" / path.name
    filled.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(filled)
    return filled


def set_readme(path: Path, key: str, value: str, out: Path) -> Path:
    workbook = load_workbook(path)
    readme = workbook[spec.README_SHEET]
    for row in range(1, spec.README_SCAN_ROWS):
        if readme.cell(row=row, column=1).value == key:
            readme.cell(row=row, column=2, value=value)
    workbook.save(out)
    return out


def test_a_filled_template_is_verified_and_its_edited_copy_is_refused(tmp_path, store, reference):
    good = filled_template(reference, store, tmp_path)
    [accepted] = ingest(store, reference, good)
    assert (accepted.status, accepted.sender_verified) == ("accepted", True)
    # The same file with another agency written into its README (a department of the
    # same province that leads the same task): refused whole, nothing loaded.
    forged = set_readme(
        good, "agency_id", "nghe-an:so-tai-chinh", tmp_path / "landing" / "forged.xlsx"
    )
    [refused] = ingest(store, reference, forged)
    assert (refused.status, refused.reason_code, refused.rows_loaded) == (
        "rejected",
        "code_mismatch",
        0,
    )
    first, second = manifest(store)
    assert first["sender_method"] == "signed_template"
    assert first["sender_key_id"] == "K1"
    assert (second["sender_verified"], second["sender_reason_code"]) == (False, "code_mismatch")
    assert Path(second["archived_path"]).exists()
    receipt = Path(second["receipt_path"]).read_text(encoding="utf-8")
    assert "không khớp" in receipt and "does not match" in receipt
    # The agency's latest report is the verified one; no report of so-tai-chinh appeared.
    assert latest_files(store) == {good.name}
    with duckdb.connect(str(store), read_only=True) as con:
        [(vi, en, value)] = con.execute(
            "select reason_vi, reason_en, raw_value from raw.submission_quarantine"
        ).fetchall()
    assert "nghe-an:so-tai-chinh" in en and "Mã xác thực" in vi
    # The quarantine keeps the key id, never the code (a bearer token for so-khcn's report).
    assert value == "K1"


@pytest.mark.parametrize(
    "other",
    [
        {"agency_id": "nghe-an:so-tai-chinh"},
        {"period": "2025-Q4"},
        {"province_id": "lang-son", "agency_id": "lang-son:so-khcn"},
        {"format_version": "2"},
    ],
    ids=["another-agency", "another-period", "another-province", "another-version"],
)
def test_a_code_made_for_another_report_is_refused(tmp_path, store, reference, other):
    keys = load_keys(store)
    replayed = code_for({**NGHE_AN_KHCN, **other}, keys)
    path = write_xlsx(tmp_path / "replayed.xlsx", tasks=[GOOD_TASK], code=replayed)
    [outcome] = ingest(store, reference, path)
    assert (outcome.status, outcome.reason_code, outcome.rows_loaded) == (
        "rejected",
        "code_mismatch",
        0,
    )


def test_a_forged_or_foreign_code_is_refused(tmp_path, store, reference):
    keys = load_keys(store)
    real = code_for(NGHE_AN_KHCN, keys)
    flipped = real[:-1] + ("A" if real[-1] != "A" else "B")
    forged = write_xlsx(tmp_path / "forged.xlsx", tasks=[GOOD_TASK], code=flipped)
    # Made with a key of another warehouse (the tests' fixed key): not this one's.
    foreign = write_xlsx(tmp_path / "foreign.xlsx", tasks=[GOOD_TASK])
    garbage = write_xlsx(tmp_path / "garbage.xlsx", tasks=[GOOD_TASK], code="trust me")
    outcomes = ingest(store, reference, forged, foreign, garbage)
    assert [(o.status, o.reason_code) for o in outcomes] == [("rejected", "code_mismatch")] * 3
    assert latest_files(store) == set()


def test_a_file_without_code_is_refused_and_kept(tmp_path, store, reference):
    path = write_xlsx(tmp_path / "by-hand.xlsx", tasks=[GOOD_TASK], sign=False)
    [outcome] = ingest(store, reference, path)
    assert (outcome.status, outcome.reason_code, outcome.rows_loaded) == (
        "rejected",
        "sender_unverified",
        0,
    )
    [row] = manifest(store)
    assert Path(row["archived_path"]).read_bytes() == path.read_bytes()
    receipt = Path(row["receipt_path"]).read_text(encoding="utf-8")
    assert "sender_unverified" in receipt and "mã xác thực" in receipt
    assert path.exists()


def test_accept_unverified_takes_legacy_files_without_replacing_a_verified_report(
    tmp_path, store, reference
):
    verified = filled_template(reference, store, tmp_path)
    legacy = write_xlsx(
        tmp_path / "legacy.xlsx",
        tasks=[
            {
                **GOOD_TASK,
                "status": "Đang thực hiện",
                "percent_complete": "5",
                "completion_date": "",
            }
        ],
        sign=False,
    )
    first = ingest(store, reference, verified)
    [late] = ingest(store, reference, legacy, accept_unverified=True)
    assert first[0].sender_verified is True
    assert (late.status, late.sender_verified) == ("accepted", False)
    assert late.supersedes_file_sha256 is None
    assert late.kept_behind_sha256 == first[0].file_sha256
    rows = manifest(store)
    assert (rows[1]["sender_verified"], rows[1]["sender_reason_code"]) == (
        False,
        "sender_unverified",
    )
    assert latest_files(store) == {verified.name}
    receipt = Path(rows[1]["receipt_path"]).read_text(encoding="utf-8")
    assert "chưa xác thực" in receipt and "stays the current one" in receipt
    # A verified correction later supersedes the verified one, not the legacy file.
    correction = write_xlsx(
        tmp_path / "correction.xlsx",
        tasks=[GOOD_TASK],
        code=code_for(NGHE_AN_KHCN, load_keys(store)),
    )
    [corrected] = ingest(store, reference, correction)
    assert corrected.supersedes_file_sha256 == first[0].file_sha256
    assert latest_files(store) == {"correction.xlsx"}


def test_a_verified_report_supersedes_an_unverified_one(tmp_path, store, reference):
    legacy = write_xlsx(tmp_path / "legacy.xlsx", tasks=[GOOD_TASK], sign=False)
    [taken] = ingest(store, reference, legacy, accept_unverified=True)
    verified = filled_template(reference, store, tmp_path)
    [outcome] = ingest(store, reference, verified)
    assert outcome.supersedes_file_sha256 == taken.file_sha256
    assert latest_files(store) == {verified.name}


def test_agency_folder_mismatch_is_refused_even_when_accepting_unverified(
    tmp_path, store, reference
):
    keys = load_keys(store)
    landing = tmp_path / "landing"
    other = write_xlsx(
        landing / "nghe-an:so-tai-chinh" / "report.xlsx",
        tasks=[GOOD_TASK],
        code=code_for(NGHE_AN_KHCN, keys),
    )
    own = write_xlsx(
        landing / "nghe-an" / "so-khcn" / "report.xlsx",
        tasks=[{**GOOD_TASK, "difficulties": "Không"}],
        code=code_for(NGHE_AN_KHCN, keys),
    )
    refused, accepted = ingest(store, reference, other, own, accept_unverified=True)
    assert (refused.status, refused.reason_code) == ("rejected", "agency_folder_mismatch")
    assert (accepted.status, accepted.sender_verified) == ("accepted", True)
    assert [row["sender_method"] for row in manifest(store)] == [
        "none",
        "signed_template+agency_folder",
    ]


def test_key_rotation_keeps_old_files_verifiable(tmp_path, store, reference):
    before = filled_template(reference, store, tmp_path / "before")
    assert parse_code(code_for(NGHE_AN_KHCN, load_keys(store)))[0] == "K1"
    ring = rotate(store)
    assert [key.key_id for key in ring.keys] == ["K1", "K2"]
    after = filled_template(reference, store, tmp_path / "after", agency="nghe-an:so-tai-chinh")
    outcomes = ingest(store, reference, before, after)
    assert [(o.status, o.sender_verified) for o in outcomes] == [("accepted", True)] * 2
    assert [row["sender_key_id"] for row in manifest(store)] == ["K1", "K2"]


def test_the_key_file_is_private_and_never_copied(tmp_path, store, reference, capsys):
    good = filled_template(reference, store, tmp_path)
    ingest(store, reference, good)
    path = key_path(store)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    secret = load_keys(store).current.secret.hex()
    receipts = list((store.parent / "receipts").iterdir())
    assert receipts and all(secret not in r.read_text(encoding="utf-8") for r in receipts)
    parser = __import__("argparse").ArgumentParser()
    keys_cli.add_arguments(parser)
    assert keys_cli.main(parser.parse_args(["list", "--store", str(store)])) == 0
    listed = capsys.readouterr().out
    assert "K1" in listed and secret not in listed
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_keys(store)


def test_csv_code_in_a_column_or_a_first_line_comment(tmp_path, store, reference):
    keys = load_keys(store)
    code = code_for(NGHE_AN_KHCN, keys)
    unsigned = csv_text(spec.TASK_PROGRESS, [GOOD_TASK], sign=False)
    in_comment = tmp_path / "comment.csv"
    in_comment.write_text(f"# verification_code: {code}\r\n{unsigned}", encoding="utf-8")
    in_column = tmp_path / "column.csv"
    column_text = csv_text(spec.TASK_PROGRESS, [GOOD_TASK], sign=False).splitlines()
    column_text[0] += ",verification_code"
    column_text[1] += f",{code.lower()}"
    in_column.write_text("\r\n".join(column_text) + "\r\n", encoding="utf-8")
    without = write_csv(tmp_path / "without.csv", spec.TASK_PROGRESS, [GOOD_TASK], sign=False)
    parsed = read_submission(in_comment)
    assert parsed.verification_code == code
    assert [row.row_number for row in parsed.rows] == [3]
    outcomes = ingest(store, reference, in_comment, in_column, without)
    assert [(o.status, o.reason_code) for o in outcomes] == [
        ("accepted", None),
        ("accepted", None),
        ("rejected", "sender_unverified"),
    ]
    with duckdb.connect(str(store), read_only=True) as con:
        extras = con.execute("select extra_columns from raw.submission_rows").fetchall()
    assert extras == [(None,), (None,)]


def test_an_older_store_gains_the_sender_columns_with_null_for_its_files(
    tmp_path, store, reference
):
    good = filled_template(reference, store, tmp_path)
    ingest(store, reference, good)
    with duckdb.connect(str(store)) as con:
        for name in ("sender_verified", "sender_method", "sender_key_id", "sender_reason_code"):
            con.execute(f"alter table raw.submission_files drop column {name}")
        con.execute("checkpoint")
    with open_store(store) as con:
        [(verified, method)] = con.execute(
            "select sender_verified, sender_method from raw.submission_files"
        ).fetchall()
    assert (verified, method) == (None, None)


def test_the_gate_warns_on_unverified_files_and_blocks_only_when_set(monkeypatch):
    from expectations.base import expectation_severity
    from expectations.fct_submission_files import BLOCK_SETTING, build_sender_suite

    monkeypatch.delenv(BLOCK_SETTING, raising=False)
    [expectation] = build_sender_suite().expectations
    assert expectation_severity(expectation) == "warn"
    monkeypatch.setenv(BLOCK_SETTING, "1")
    [expectation] = build_sender_suite().expectations
    assert expectation_severity(expectation) == "error"


def test_the_auditor_summary_lists_unverified_files_apart():
    from datetime import UTC, datetime

    import pandas as pd

    from dagster_project.quality.report import ReportInputs, render_summary
    from dagster_project.quality.results import GateResult

    files = pd.DataFrame(
        [
            (
                "a" * 64,
                1,
                "good.xlsx",
                "nghe-an",
                "nghe-an:so-khcn",
                "2026-Q1",
                "accepted",
                True,
                "signed_template",
                None,
                3,
            ),
            (
                "b" * 64,
                2,
                "legacy.xlsx",
                "nghe-an",
                "nghe-an:so-khcn",
                "2026-Q1",
                "accepted",
                False,
                "none",
                "sender_unverified",
                2,
            ),
            (
                "c" * 64,
                3,
                "forged.xlsx",
                "nghe-an",
                "nghe-an:so-tai-chinh",
                "2026-Q1",
                "rejected",
                False,
                "none",
                "code_mismatch",
                0,
            ),
        ],
        columns=[
            "file_sha256",
            "ingest_seq",
            "source_file",
            "province_id",
            "reporting_agency_id",
            "period",
            "status",
            "sender_verified",
            "sender_method",
            "sender_reason_code",
            "rows_loaded",
        ],
    )
    files["rows_in"] = files["rows_quarantined"] = 0
    files["file_reason_code"] = files["reason_codes"] = None
    result = GateResult(
        warehouse_path=Path("nq57.duckdb"),
        checked_at=datetime(2026, 4, 5, tzinfo=UTC),
        duration_seconds=0.1,
        row_counts={},
        results=(),
    )
    html = render_summary(result, ReportInputs(frames={"marts.fct_submission_files": files}))
    section = html[html.index("Senders") :]
    assert "Unverified files with rows in the marts (1)" in section
    assert "legacy.xlsx" in section
    assert "forged.xlsx" not in section.split("Unverified files")[1]

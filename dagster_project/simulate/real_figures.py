"""The real figures of Lạng Sơn 234/KH-UBND as a format v1 report.

Plan 234/KH-UBND (05/09/2025) reports what Lạng Sơn achieved up to mid-2025:
project capital allocated and disbursed as of 30/6/2025, online public
service counts, DTI ranks, the share of dossiers received online, and so on.
``nq57 extract`` keeps them in ``seeds/budget_lines.csv`` and
``seeds/reported_figures.csv``. This module writes them into one .xlsx
report of Sở Khoa học và Công nghệ Lạng Sơn (the plan's reporting body), to
be ingested like any agency's file:

- ``budget_execution``: one row per project line with both a capital
  allocated to date and a disbursed amount (the recurrent lines state no
  disbursement and are left out), as of the date printed on the disbursed
  line ("đến hết 30/6/2025");
- ``indicator_values``: one row per reported figure that is a result (the
  figures the text states as a goal, flagged ``target:``, are left out).
  Lạng Sơn's plans print no indicator list (Phụ lục I is not in the text), so
  each row is keyed by the figure's ``figure_id``, which validation accepts as
  a plan item reported by the province's Sở KH&CN
  (:mod:`dagster_project.submissions.reference`). The rows land in
  ``marts.fct_indicator_actuals`` as ``reported_figure`` rows, and a figure
  that ``seeds/reference/figure_crosswalk.csv`` matches to the national
  catalog (the share of dossiers received online) also appears in
  ``marts.mart_actuals_vs_national``.

Every row's ``note`` names its seed row and source line (``figure_id=...;
source=004_...txt:101``). Values are the printed text; a rank printed
``05/63`` is reported as ``5`` with the printed form in the note. The period
is 2025-Q3, the quarter the document was issued in (a period ending before
05/09/2025 would be refused as ending before plan 234), and the file is
dated 05/09/2025 08:00 in Vietnam, the document's date.

The file is real data: it carries no synthetic marker.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dagster_project.semantics.dates import NUMERIC_DATE, date_of
from dagster_project.semantics.numbers import format_vn_number
from dagster_project.submissions import spec
from dagster_project.submissions.periods import format_date, parse_period
from dagster_project.submissions.reference import load_reference
from dagster_project.submissions.signing import KeyRing
from dagster_project.submissions.template import TemplateContent

from .files import Draft, render, sign_draft, write_file

PLAN_ID = "lang-son-234-2025"
PROVINCE_ID = "lang-son"
AGENCY_ID = "lang-son:so-khcn"
PERIOD = "2025-Q3"
DOCUMENT_DATE = date(2025, 9, 5)
# 08:00 in Vietnam (UTC+7) on the document's date.
SENT_AT = datetime(2025, 9, 5, 1, 0)
FILE_NAME = "nq57_lang-son_so-khcn_2025-Q3_so-lieu-234-KH-UBND.xlsx"
MILLION = Decimal(1_000_000)
_AS_OF_IN_LINE = re.compile(rf"(?:đến hết|đến ngày)\s+{NUMERIC_DATE.pattern}")
_MONTH = re.compile(r"(?i)tháng\s+(\d{1,2})/(\d{4})")
_QUARTER = re.compile(r"(?i)quý\s+(I{1,3}|IV)/(\d{4})")
_YEAR = re.compile(r"(\d{4})\s*$")
_RANK = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class FigureRow:
    values: dict[str, str]
    source: str


def _month_end(year: int, month: int) -> date:
    return (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def figure_as_of(period_text: str) -> tuple[date, str]:
    """The date a figure holds on, from its period text, and how it was read."""
    text = period_text.strip()
    if (match := list(NUMERIC_DATE.finditer(text))) and "-" not in text[match[-1].end() :]:
        return _printed_date(match[-1]), "date printed"
    if match := list(_MONTH.finditer(text)):
        month, year = (int(g) for g in match[-1].groups())
        return _month_end(year, month), "end of the month printed"
    if match := list(_QUARTER.finditer(text)):
        quarter = ("I", "II", "III", "IV").index(match[-1].group(1).upper()) + 1
        return _month_end(int(match[-1].group(2)), 3 * quarter), "end of the quarter printed"
    if (match := _YEAR.search(text)) and int(match.group(1)) < DOCUMENT_DATE.year:
        return date(int(match.group(1)), 12, 31), "end of the year printed"
    return DOCUMENT_DATE, "document date (the text says 'to date' or names the current year)"


def _printed_date(match: re.Match) -> date:
    """The date a NUMERIC_DATE match prints; an impossible one is an error in the document."""
    printed = date_of(int(match["day"]), int(match["month"]), int(match["year"]))
    if printed is None:
        raise ValueError(f"'{match[0]}' is not a calendar date")
    return printed


def _million_text(row: dict[str, str]) -> str:
    """A budget seed row's amount as printed, or in million VND when printed in đồng."""
    if row["amount_unit"].strip().casefold() != "đồng" or not row["amount_in_unit"]:
        return row["amount_text"]
    return format_vn_number(Decimal(row["amount_in_unit"]) / MILLION)


def budget_rows(seeds_dir: Path) -> list[dict[str, str]]:
    with (seeds_dir / "budget_lines.csv").open(encoding="utf-8", newline="") as handle:
        lines = [row for row in csv.DictReader(handle) if row["plan_id"] == PLAN_ID]
    by_line: dict[str, dict[str, dict[str, str]]] = {}
    for row in lines:
        by_line.setdefault(row["budget_line_id"], {})[row["stage"]] = row
    out = []
    for line_id, stages in by_line.items():
        allocated, disbursed = stages.get("allocated_to_date"), stages.get("disbursed")
        if allocated is None or disbursed is None:
            continue
        source_text = _source_line(seeds_dir, disbursed["source_file"], disbursed["source_line"])
        if match := _AS_OF_IN_LINE.search(source_text):
            as_of, how = _printed_date(match), "as of the date printed on the disbursed line"
        else:
            as_of, how = DOCUMENT_DATE, "the disbursed line prints no date; document date"
        total = stages.get("total_investment")
        note = [
            f"budget_line_id={line_id}",
            f"source={allocated['source_file']}:{allocated['source_line']} (allocated to date), "
            f"{disbursed['source_file']}:{disbursed['source_line']} (disbursed)",
            f"as_of: {how}",
        ]
        if total is not None:
            note.append(
                f"total investment {total['amount_text']} {total['amount_unit']} "
                f"(line {total['source_line']})"
            )
        out.append(
            {
                "budget_line_id": line_id,
                "project_name": allocated["line_name"],
                "allocated_million_vnd": _million_text(allocated),
                "disbursed_million_vnd": _million_text(disbursed),
                "as_of_date": format_date(as_of),
                "note": "; ".join(note),
            }
        )
    return out


def _source_line(seeds_dir: Path, source_file: str, line: str) -> str:
    path = seeds_dir / "source_documents" / source_file
    if not path.exists() or not line.isdigit():
        return ""
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if number == int(line):
                return text
    return ""


def indicator_rows(seeds_dir: Path) -> list[dict[str, str]]:
    with (seeds_dir / "reported_figures.csv").open(encoding="utf-8", newline="") as handle:
        figures = [row for row in csv.DictReader(handle) if row["plan_id"] == PLAN_ID]
    out = []
    for row in figures:
        if "target:" in row["flags"]:
            continue
        value = row["value_text"].strip()
        note = [
            f"figure_id={row['figure_id']}",
            f"source={row['source_file']}:{row['source_line']}",
            f"period_text={row['period_text']}",
        ]
        if (rank := _RANK.fullmatch(value)) and row["unit"] == "thứ hạng":
            note.append(f"rank printed {value}")
            value = str(int(rank.group(1)))
        as_of, how = figure_as_of(row["period_text"])
        note.append(f"as_of: {how}")
        if row["flags"]:
            note.append(f"flags: {row['flags']}")
        out.append(
            {
                "plan_id": PLAN_ID,
                "indicator_code": row["figure_id"],
                "indicator_name": row["metric"],
                "unit_text": row["unit"],
                "value_text": value,
                "as_of_date": format_date(as_of),
                "note": "; ".join(note),
            }
        )
    return out


def real_figures_draft(seeds_dir: Path) -> Draft:
    content = TemplateContent(PROVINCE_ID, AGENCY_ID, parse_period(PERIOD), [], [])
    return Draft(
        fmt="xlsx",
        metadata={
            "format_version": spec.FORMAT_VERSION,
            "province_id": PROVINCE_ID,
            "agency_id": AGENCY_ID,
            "period": PERIOD,
        },
        rows={
            spec.TASK_PROGRESS: [],
            spec.INDICATOR_VALUES: indicator_rows(seeds_dir),
            spec.BUDGET_EXECUTION: budget_rows(seeds_dir),
        },
        content=content,
        submitted_at=SENT_AT,
        generated_at=SENT_AT,
        synthetic=False,
    )


def write_real_figures(seeds_dir: Path, out_dir: Path, keys: KeyRing) -> Path:
    """Write the report into ``out_dir``, dated (mtime) when the document was issued, signed
    with ``keys`` like the template Sở KH&CN Lạng Sơn would have filled."""
    reference = load_reference(seeds_dir)
    path = out_dir / FILE_NAME
    draft = real_figures_draft(seeds_dir)
    sign_draft(draft, keys)
    write_file(path, render(draft, reference), SENT_AT)
    return path

"""The review workbook: every cell the parser would not vouch for, for a person to correct.

``nq57 add-plan`` and ``nq57 extract`` write it (``reports/review/``); a
reviewer fills the "corrected value" of the rows they can settle, and
``nq57 apply-review`` turns those rows into reviewed entries of
``seeds/corrections.csv``, which every later extraction applies.

One row per item, each with ``file:line``, the text as printed and what was
read:

- a target or deadline read as ``ambiguous`` or ``invalid``;
- a target read with a number inside text it did not score (a rider, words
  after the value, an approximate value): the number may not be what it seems;
- an agency name in a lead, coordinating or monitoring cell that the registry
  does not resolve (the corrected value replaces that name in the cell; the
  dropdown lists the province's agencies and groups).

The columns a correction needs (table, row key, column, the cell as extracted)
are in the sheet, hidden, so a filled row says exactly which cell it changes.
Every text is written as text, never as a formula.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.agencies import Registry, resolve_agencies
from dagster_project.semantics.dates import parse_vn_date
from dagster_project.semantics.deadlines import parse_deadline
from dagster_project.semantics.targets import parse_target

SHEET = "review"
LISTS_SHEET = "lists"
ACTIONS = ("set", "drop")
# (key, Vietnamese / English heading, width, hidden)
COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("where", "Vị trí / file:line", 28, False),
    ("item", "Loại / item", 22, False),
    ("text", "Văn bản gốc / text as printed", 50, False),
    ("read", "Đọc được / what was read", 50, False),
    ("replaces", "Thay cho / replaces", 30, False),
    ("corrected_value", "Giá trị sửa / corrected value", 40, False),
    ("action", "Hành động / action (set, drop)", 14, False),
    ("reviewed_by", "Người duyệt / reviewer", 20, False),
    ("reason", "Lý do / reason", 40, False),
    ("table", "table", 10, True),
    ("row_key", "row_key", 10, True),
    ("column", "column", 10, True),
    ("expected_value", "expected_value", 10, True),
    ("province_id", "province_id", 10, True),
)
KEYS = tuple(key for key, _, _, _ in COLUMNS)
REVIEWABLE_NOTES = (
    "text after the value not scored",
    "qualitative rider not scored",
    "approximate value",
)
MAX_WORKBOOK_BYTES = 20_000_000


class ReviewError(ValueError):
    """A review workbook that cannot be read or applied."""


@dataclass(frozen=True)
class ReviewItem:
    where: str
    item: str
    text: str
    read: str
    table: str
    row_key: str
    column: str
    expected_value: str
    province_id: str
    replaces: str = ""


def province_ids(plans: Iterable[dict], registry: Registry) -> dict[str, str | None]:
    by_name = {
        normalize_cell_text(name).casefold(): pid for pid, name in registry.provinces.items()
    }
    return {
        plan["plan_id"]: by_name.get(normalize_cell_text(plan["province_name"]).casefold())
        for plan in plans
    }


def _where(row: dict) -> str:
    return f"{row['source_file']}:{row['source_line']}"


def review_items(
    tables: dict[str, list[dict]], registry: Registry, plan_ids: set[str] | None = None
) -> list[ReviewItem]:
    """Every cell of ``plan_ids`` (all plans when None) a person should look at."""
    plans = [p for p in tables["plans"] if plan_ids is None or p["plan_id"] in plan_ids]
    chosen = {p["plan_id"] for p in plans}
    provinces = province_ids(plans, registry)
    plan_year = {
        p["plan_id"]: (d.year if (d := parse_vn_date(p["issue_date_text"])) else None)
        for p in plans
    }
    indicators = {
        (r["plan_id"], r["indicator_code"]): r
        for r in tables["indicators"]
        if r["plan_id"] in chosen
    }
    items: list[ReviewItem] = []
    for row in tables["indicator_targets"]:
        if row["plan_id"] not in chosen:
            continue
        indicator = indicators.get((row["plan_id"], row["indicator_code"]), {})
        read = parse_target(
            row["target_text"], indicator.get("unit_text", ""), indicator.get("indicator_name", "")
        )
        doubtful = read.parse_status in ("ambiguous", "invalid") or (
            read.parse_status == "parsed"
            and any(note in read.parse_note for note in REVIEWABLE_NOTES)
        )
        if doubtful:
            items.append(
                ReviewItem(
                    _where(row),
                    f"target {row['indicator_code']}/{row['target_year']}",
                    row["target_text"],
                    f"{read.parse_status}: {read.parse_note}",
                    "indicator_targets",
                    f"plan_id={row['plan_id']};indicator_code={row['indicator_code']};"
                    f"target_year={row['target_year']}",
                    "target_text",
                    row["target_text"],
                    provinces.get(row["plan_id"]) or "",
                )
            )
    for row in tables["tasks"]:
        if row["plan_id"] not in chosen:
            continue
        read = parse_deadline(row["deadline_text"], plan_year.get(row["plan_id"]))
        if read.parse_status in ("ambiguous", "invalid"):
            items.append(
                ReviewItem(
                    _where(row),
                    f"deadline {row['task_key']}",
                    row["deadline_text"],
                    f"{read.parse_status}: {read.parse_note}",
                    "tasks",
                    f"plan_id={row['plan_id']};task_key={row['task_key']}",
                    "deadline_text",
                    row["deadline_text"],
                    provinces.get(row["plan_id"]) or "",
                )
            )
    cells = [
        (
            "tasks",
            r,
            f"plan_id={r['plan_id']};task_key={r['task_key']}",
            column,
            f"task {r['task_key']}",
        )
        for r in tables["tasks"]
        for column in ("lead_agency_text", "coordinating_agency_text")
    ] + [
        (
            "indicators",
            r,
            f"plan_id={r['plan_id']};indicator_code={r['indicator_code']}",
            "monitoring_agency_text",
            f"indicator {r['indicator_code']}",
        )
        for r in tables["indicators"]
    ]
    for table, row, key, column, owner in cells:
        province_id = provinces.get(row["plan_id"])
        if row["plan_id"] not in chosen or province_id is None or not row[column].strip():
            continue
        _, unmatched = resolve_agencies(row[column], province_id, registry)
        for miss in unmatched:
            items.append(
                ReviewItem(
                    _where(row),
                    f"{column.removesuffix('_agency_text')} agency of {owner}",
                    row[column],
                    f"unmatched '{miss.fragment}': {miss.reason_en}",
                    table,
                    key,
                    column,
                    row[column],
                    province_id,
                    replaces=miss.fragment,
                )
            )
    return items


def _text_cell(sheet, row: int, column: int, value: str) -> None:
    """A cell holding ``value`` as text: a leading '=' stays text, never a formula."""
    cell = sheet.cell(row=row, column=column, value=value)
    cell.data_type = "s"


def write_workbook(
    path: Path, items: list[ReviewItem], registry: Registry, unreadable: Iterable[str] = ()
) -> Path:
    """Write the review workbook; the unreadable appendices go on a sheet of their own."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    for index, (_, heading, width, hidden) in enumerate(COLUMNS, start=1):
        _text_cell(sheet, 1, index, heading)
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = width
        dimension.hidden = hidden
    sheet.freeze_panes = "A2"
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_column: dict[str, str] = {}
    for province_id in sorted({item.province_id for item in items if item.province_id}):
        names = sorted(
            {a.agency_name for a in registry.agencies.values() if a.province_id == province_id}
            | {t.alias_text for ts in registry.aliases.values() for t in ts if t.group_id}
        )
        column = get_column_letter(len(list_column) + 1)
        list_column[province_id] = column
        _text_cell(lists, 1, len(list_column), province_id)
        for offset, name in enumerate(names, start=2):
            _text_cell(lists, offset, len(list_column), name)
        list_column[province_id] = f"{LISTS_SHEET}!${column}$2:${column}${len(names) + 1}"
    action_check = DataValidation(type="list", formula1='"set,drop"', allow_blank=True)
    sheet.add_data_validation(action_check)
    corrected = KEYS.index("corrected_value") + 1
    for number, item in enumerate(items, start=2):
        values = {key: getattr(item, key, "") for key in KEYS}
        for index, key in enumerate(KEYS, start=1):
            _text_cell(sheet, number, index, values[key])
        action_check.add(f"{get_column_letter(KEYS.index('action') + 1)}{number}")
        if item.replaces and item.province_id in list_column:
            # A list to pick from, but any spelling may be typed.
            agencies = DataValidation(
                type="list",
                formula1=list_column[item.province_id],
                allow_blank=True,
                showErrorMessage=False,
            )
            sheet.add_data_validation(agencies)
            agencies.add(f"{get_column_letter(corrected)}{number}")
    notes = workbook.create_sheet("unreadable")
    _text_cell(notes, 1, 1, "Phần không đọc được / set aside (fix in seeds/layouts.yml)")
    for number, line in enumerate(unreadable, start=2):
        _text_cell(notes, number, 1, line)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


@dataclass(frozen=True)
class FilledRow:
    """A row of a returned workbook that asks for a correction."""

    sheet_row: int
    action: str
    table: str
    row_key: str
    column: str
    expected_value: str
    corrected_value: str
    reviewed_by: str
    reason: str


def read_filled_rows(path: Path, reviewer: str | None = None) -> list[FilledRow]:
    """The rows a reviewer filled (a corrected value, or the action ``drop``)."""
    if not path.is_file():
        raise ReviewError(f"{path}: no such file")
    if path.stat().st_size > MAX_WORKBOOK_BYTES:
        raise ReviewError(f"{path}: larger than {MAX_WORKBOOK_BYTES} bytes, not a review workbook")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        # openpyxl raises many kinds on a file that is not a workbook.
        raise ReviewError(f"{path}: not an .xlsx review workbook ({error})") from error
    if SHEET not in workbook.sheetnames:
        raise ReviewError(f"{path}: no '{SHEET}' sheet; write one with nq57 add-plan or extract")
    rows = list(workbook[SHEET].iter_rows(values_only=True))
    workbook.close()
    header = tuple(str(v or "") for v in rows[0]) if rows else ()
    if header[: len(COLUMNS)] != tuple(heading for _, heading, _, _ in COLUMNS):
        raise ReviewError(f"{path}: the '{SHEET}' sheet's header is not the review workbook's")
    filled = []
    for number, values in enumerate(rows[1:], start=2):
        cells = {key: "" if v is None else str(v).strip() for key, v in zip(KEYS, values)}
        action = (cells["action"] or ("set" if cells["corrected_value"] else "")).lower()
        if not action:
            continue
        where = f"{path.name} row {number} ({cells['where']})"
        if action not in ACTIONS:
            raise ReviewError(f"{where}: action {action!r} is not one of {', '.join(ACTIONS)}")
        if action == "set" and not cells["corrected_value"]:
            raise ReviewError(f"{where}: action set with no corrected value")
        who = cells["reviewed_by"] or reviewer or ""
        if not who or not cells["reason"]:
            raise ReviewError(f"{where}: fill the reviewer and the reason (or pass --reviewer)")
        corrected = cells["corrected_value"]
        if action == "set" and cells["replaces"]:
            # An agency name: the correction replaces that name inside the cell.
            corrected = cells["expected_value"].replace(cells["replaces"], corrected, 1)
        filled.append(
            FilledRow(
                number,
                action,
                cells["table"],
                cells["row_key"],
                cells["column"],
                cells["expected_value"],
                corrected if action == "set" else "",
                who,
                cells["reason"],
            )
        )
    return filled


def today() -> str:
    return datetime.date.today().isoformat()

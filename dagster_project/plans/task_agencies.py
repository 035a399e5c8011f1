"""Agency cells resolved against the registry: tasks to agencies, the rest to quarantine.

A task's lead (``chủ trì``) and coordinating (``phối hợp``) cells, and an
indicator's monitoring cell, are cut into names with
:func:`resolve_agencies` in the plan's own province. Each known name becomes
one assignment (an agency or a group); each unknown one becomes a quarantine
row with the cell, the fragment and a reason in Vietnamese and English. No
name is ever turned into a new agency here: the registry grows only through a
reviewed change to ``seeds/reference``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.agencies import Registry, Unmatched, resolve_agencies

LEAD = "lead"
COORDINATING = "coordinating"
ROLES = (LEAD, COORDINATING)
TASK_ROLE_COLUMNS = {LEAD: "lead_agency_text", COORDINATING: "coordinating_agency_text"}
MONITORING_COLUMN = "monitoring_agency_text"

ASSIGNMENT_COLUMNS: dict[str, str] = {
    "plan_id": "varchar",
    "task_key": "varchar",
    "role": "varchar",
    "position": "integer",
    "agency_id": "varchar",
    "group_id": "varchar",
    "alias_text": "varchar",
    "fragment": "varchar",
    "source_file": "varchar",
    "source_line": "integer",
}

QUARANTINE_COLUMNS: dict[str, str] = {
    "plan_id": "varchar",
    "row_kind": "varchar",
    "row_key": "varchar",
    "column_name": "varchar",
    "cell_text": "varchar",
    "fragment": "varchar",
    "reason_code": "varchar",
    "reason_vi": "varchar",
    "reason_en": "varchar",
    "source_file": "varchar",
    "source_line": "integer",
}

UNKNOWN_PROVINCE = Unmatched(
    fragment="",
    reason_code="unknown_province",
    reason_vi=(
        "Tỉnh của kế hoạch không có trong seeds/reference/provinces.csv nên không tra "
        "cứu được tên cơ quan"
    ),
    reason_en=(
        "the plan's province is not in seeds/reference/provinces.csv, so no agency "
        "name can be looked up"
    ),
)


@dataclass(frozen=True)
class Resolved:
    """The parsed tables of one resolution pass."""

    task_agencies: pd.DataFrame
    quarantine: pd.DataFrame


def plan_provinces(plans: pd.DataFrame, registry: Registry) -> dict[str, str | None]:
    """``plan_id -> province_id``, by the province name the plan prints (NFC, case-insensitive)."""
    by_name = {
        normalize_cell_text(name).casefold(): province_id
        for province_id, name in registry.provinces.items()
    }
    return {
        row.plan_id: by_name.get(normalize_cell_text(row.province_name).casefold())
        for row in plans.itertuples(index=False)
    }


def _quarantine_row(row, kind: str, key: str, column: str, cell: str, miss: Unmatched) -> dict:
    return {
        "plan_id": row.plan_id,
        "row_kind": kind,
        "row_key": key,
        "column_name": column,
        "cell_text": cell,
        "fragment": miss.fragment or cell,
        "reason_code": miss.reason_code,
        "reason_vi": miss.reason_vi,
        "reason_en": miss.reason_en,
        "source_file": row.source_file,
        "source_line": int(row.source_line),
    }


def _resolve_cell(
    cell: str, province_id: str | None, registry: Registry
) -> tuple[list, list[Unmatched]]:
    if not normalize_cell_text(cell):
        return [], []
    if province_id is None:
        return [], [UNKNOWN_PROVINCE]
    return resolve_agencies(cell, province_id, registry)


def resolve_plan_agencies(
    tasks: pd.DataFrame, indicators: pd.DataFrame, plans: pd.DataFrame, registry: Registry
) -> Resolved:
    """Assignments of every task cell and the quarantine of every cell, tasks and indicators."""
    provinces = plan_provinces(plans, registry)
    assignments: list[dict] = []
    quarantine: list[dict] = []
    for row in tasks.itertuples(index=False):
        province_id = provinces.get(row.plan_id)
        for role, column in TASK_ROLE_COLUMNS.items():
            cell = getattr(row, column)
            matches, misses = _resolve_cell(cell, province_id, registry)
            seen: set[tuple[str | None, str | None]] = set()
            for match in matches:
                # A cell naming one body twice (two spellings) is one assignment.
                target = (match.agency_id, match.group_id)
                if target in seen:
                    continue
                seen.add(target)
                assignments.append(
                    {
                        "plan_id": row.plan_id,
                        "task_key": row.task_key,
                        "role": role,
                        "position": len(seen),
                        "agency_id": match.agency_id,
                        "group_id": match.group_id,
                        "alias_text": match.alias_text,
                        "fragment": match.fragment,
                        "source_file": row.source_file,
                        "source_line": int(row.source_line),
                    }
                )
            quarantine += [
                _quarantine_row(row, "task", row.task_key, column, cell, miss) for miss in misses
            ]
    for row in indicators.itertuples(index=False):
        cell = getattr(row, MONITORING_COLUMN)
        _, misses = _resolve_cell(cell, provinces.get(row.plan_id), registry)
        quarantine += [
            _quarantine_row(row, "indicator", row.indicator_code, MONITORING_COLUMN, cell, miss)
            for miss in misses
        ]
    return Resolved(
        task_agencies=pd.DataFrame(assignments, columns=list(ASSIGNMENT_COLUMNS)),
        quarantine=pd.DataFrame(quarantine, columns=list(QUARANTINE_COLUMNS)),
    )

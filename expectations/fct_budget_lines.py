"""marts.fct_budget_lines: budget figures, one row per line and stage.

Besides row-level rules this module holds the budget reconciliations, each a
frame derived in pandas and checked with an ordinary GX expectation:

* every parent line equals the sum of its children, per stage and fiscal
  year, within :data:`TOLERANCE_MILLION_VND` (one row per parent);
* a total line ("Tổng ...") equals development investment plus recurrent
  spending (one row per total);
* per project, disbursed <= allocated to date <= total investment (one row
  per project line);
* every ``parent_budget_line_id`` names a line that exists (one row per child).
"""

from __future__ import annotations

import re

import great_expectations as gx
import pandas as pd
from great_expectations.expectations.row_conditions import Column

from dagster_project.extract.budget import STAGE_ORDER

from .base import SOURCE_COLUMNS
from .spec import (
    Rule,
    at_least,
    between,
    derived,
    holds,
    none_of,
    reported,
    rule,
    table_checks,
)

TABLE = "marts.fct_budget_lines"
# One figure per line and stage: the same key the extractor's corrections use.
KEY = ("budget_line_id", "stage")
# The stage vocabulary is the extractor's: one definition, so a new stage
# cannot be produced without the check knowing it.
STAGES = STAGE_ORDER
UNSPECIFIED_STAGE = "unspecified"
# Amounts are printed in million VND with up to three decimals; half a million
# absorbs rounding in printed subtotals without hiding a missing sub-line.
TOLERANCE_MILLION_VND = 0.5
# Project stages in the order the money moves; each must not exceed the one before.
PROJECT_STAGES = ("total_investment", "allocated_to_date", "disbursed")
# (lower, upper): the first may not exceed the second.
PAIRS = (
    ("disbursed", "allocated_to_date"),
    ("allocated_to_date", "total_investment"),
    ("disbursed", "total_investment"),
)
# Extractor flags saying a figure's stage was not read from the usual wording.
# Comparing stages is only meaningful when the stage labels are certain, so a
# project carrying one of these is reported rather than blocking: 234/KH-UBND
# prints "Tổng vốn thực hiện dự án" 14.118,065 for project 1.4 next to 14.119
# allocated, and the warehouse must publish what the document says.
STAGE_DOUBT_FLAGS = frozenset({"stage_wording", "stage_inferred"})

# Names of the two components of a budget total, as the budget plans print them
# ("Kinh phí chi đầu tư phát triển", "Kinh phí chi thường xuyên").
INVESTMENT_NAME = re.compile(r"đầu tư phát triển|\bđtpt\b", re.IGNORECASE)
RECURRENT_NAME = re.compile(r"chi thường xuyên", re.IGNORECASE)
TOTAL_NAME = re.compile(r"^\s*tổng\b", re.IGNORECASE)

# What a reconciliation row says of the line it is about, before its figures.
LINE_COLUMNS = ("plan_id", "budget_line_id", "line_name", "stage", "fiscal_year")


def _lines(lines: pd.DataFrame) -> pd.DataFrame:
    """The columns the reconciliations use, with the amount as float for arithmetic."""
    out = lines[
        [
            "plan_id",
            "budget_line_id",
            "parent_budget_line_id",
            "fiscal_year",
            "stage",
            "line_name",
            "amount_million_vnd",
            *SOURCE_COLUMNS,
        ]
    ].copy()
    out["amount_million_vnd"] = pd.to_numeric(out["amount_million_vnd"], errors="coerce")
    out["fiscal_year"] = out["fiscal_year"].astype("Float64")
    return out


def parent_child_differences(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per parent line and stage/year that has children: parent minus children.

    ``diff_million_vnd`` is null when a child has no parsed amount, because a
    sum over some children would report a false gap; those parents are counted
    in ``children_without_amount`` and reported separately.
    """
    frame = _lines(lines)
    children = frame[frame["parent_budget_line_id"].notna()]
    sums = (
        children.groupby(["plan_id", "parent_budget_line_id", "stage", "fiscal_year"], dropna=False)
        .agg(
            children=("budget_line_id", "count"),
            children_with_amount=("amount_million_vnd", "count"),
            children_sum_million_vnd=("amount_million_vnd", "sum"),
        )
        .reset_index()
        .rename(columns={"parent_budget_line_id": "budget_line_id"})
    )
    parents = frame.drop(columns=["parent_budget_line_id"]).rename(
        columns={"amount_million_vnd": "parent_million_vnd"}
    )
    # Only parents that carry a figure at the same stage and year can be reconciled;
    # a heading without its own amount has nothing to compare.
    merged = parents.merge(sums, on=["plan_id", "budget_line_id", "stage", "fiscal_year"])
    merged["children_without_amount"] = merged["children"] - merged["children_with_amount"]
    complete = (merged["children_without_amount"] == 0) & merged["parent_million_vnd"].notna()
    merged["diff_million_vnd"] = (
        (merged["parent_million_vnd"] - merged["children_sum_million_vnd"]).round(3).where(complete)
    )
    return merged[
        [
            *LINE_COLUMNS,
            "parent_million_vnd",
            "children",
            "children_without_amount",
            "children_sum_million_vnd",
            "diff_million_vnd",
            *SOURCE_COLUMNS,
        ]
    ].reset_index(drop=True)


def total_components(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per total line: the total minus development investment and recurrent spending.

    A total is a line without parent whose name starts with "Tổng". Its
    components are the lines of the same plan, stage and year, directly under
    the total or at top level, named for development investment or recurrent
    spending; exactly one of each must exist. A total split another way (by
    source of funds: "Ngân sách nhà nước", "Nguồn xã hội hóa", as a plan may
    print its period total) names neither and is left to the parent-children
    reconciliation.
    """
    frame = _lines(lines)
    totals = frame[
        frame["parent_budget_line_id"].isna()
        & frame["line_name"].fillna("").str.contains(TOTAL_NAME)
    ]
    rows = []
    for total in totals.itertuples(index=False):
        same_group = frame[
            (frame["plan_id"] == total.plan_id)
            & (frame["stage"] == total.stage)
            & _same_year(frame["fiscal_year"], total.fiscal_year)
            & (frame["budget_line_id"] != total.budget_line_id)
            & (
                frame["parent_budget_line_id"].isna()
                | (frame["parent_budget_line_id"] == total.budget_line_id)
            )
        ]
        names = same_group["line_name"].fillna("")
        investment = same_group[names.str.contains(INVESTMENT_NAME)]
        recurrent = same_group[names.str.contains(RECURRENT_NAME)]
        if investment.empty and recurrent.empty:
            continue
        components = pd.concat([investment, recurrent])
        found = len(investment) == 1 and len(recurrent) == 1
        complete = found and components["amount_million_vnd"].notna().all()
        component_sum = float(components["amount_million_vnd"].sum()) if complete else None
        rows.append(
            {
                "plan_id": total.plan_id,
                "budget_line_id": total.budget_line_id,
                "line_name": total.line_name,
                "stage": total.stage,
                "fiscal_year": total.fiscal_year,
                "total_million_vnd": total.amount_million_vnd,
                "investment_lines": len(investment),
                "recurrent_lines": len(recurrent),
                "components_million_vnd": component_sum,
                "diff_million_vnd": (
                    round(total.amount_million_vnd - component_sum, 3)
                    if component_sum is not None and pd.notna(total.amount_million_vnd)
                    else None
                ),
                "source_file": total.source_file,
                "source_line": total.source_line,
            }
        )
    columns = [
        *LINE_COLUMNS,
        "total_million_vnd",
        "investment_lines",
        "recurrent_lines",
        "components_million_vnd",
        "diff_million_vnd",
        *SOURCE_COLUMNS,
    ]
    out = pd.DataFrame(rows, columns=columns)
    out["diff_million_vnd"] = out["diff_million_vnd"].astype("Float64")
    return out


def _same_year(years: pd.Series, year: object) -> pd.Series:
    """Equality that treats two missing fiscal years as the same year."""
    if pd.isna(year):
        return years.isna()
    return (years == year).fillna(False).astype(bool)


def flag_codes(flags: object) -> set[str]:
    """The codes of a ``flags`` cell (``code: note | code: note``)."""
    if flags is None or pd.isna(flags):
        return set()
    return {part.split(":", 1)[0].strip() for part in str(flags).split(" | ") if part.strip()}


def project_stages(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per line that has at least two project stages, amounts side by side.

    ``stage_in_doubt`` is true when any of the line's stage figures carries a
    stage-doubt flag; ``stage_order_holds`` is the ordering rule evaluated in
    pandas, so doubtful projects can be reported with their verdict.
    """
    frame = _lines(lines)
    frame["stage_doubt"] = lines["flags"].map(lambda f: bool(flag_codes(f) & STAGE_DOUBT_FLAGS))
    frame = frame[frame["stage"].isin(PROJECT_STAGES)]
    wide = frame.pivot_table(
        index=["plan_id", "budget_line_id"],
        columns="stage",
        values="amount_million_vnd",
        aggfunc="first",
    )
    wide = wide.reindex(columns=list(PROJECT_STAGES))
    present = frame.groupby(["plan_id", "budget_line_id"])["stage"].nunique()
    # The sample points at the first line of the project's figures in the document.
    first = (
        frame.sort_values("source_line")
        .groupby(["plan_id", "budget_line_id"])
        .agg(
            line_name=("line_name", "first"),
            source_file=("source_file", "first"),
            source_line=("source_line", "first"),
        )
    )
    doubt = frame.groupby(["plan_id", "budget_line_id"])["stage_doubt"].any()
    out = (
        wide.join(first)
        .join(present.rename("stages_present"))
        .join(doubt.rename("stage_in_doubt"))
        .reset_index()
    )
    out = out[out["stages_present"] >= 2]
    out.columns.name = None
    holds = pd.Series(True, index=out.index)
    for lower, upper in PAIRS:
        both = out[lower].notna() & out[upper].notna()
        holds &= ~both | (out[lower] <= out[upper])
    out["stage_order_holds"] = holds.astype(bool)
    out["stage_in_doubt"] = out["stage_in_doubt"].astype(bool)
    return out[
        [
            "plan_id",
            "budget_line_id",
            "line_name",
            *PROJECT_STAGES,
            "stage_in_doubt",
            "stage_order_holds",
            *SOURCE_COLUMNS,
        ]
    ].reset_index(drop=True)


def parent_links(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per line that names a parent: whether that parent exists in the same plan."""
    frame = lines[["plan_id", "budget_line_id", "parent_budget_line_id", *SOURCE_COLUMNS]]
    children = frame[frame["parent_budget_line_id"].notna()].copy()
    known = set(zip(frame["plan_id"], frame["budget_line_id"]))
    children["parent_found"] = [
        (plan, parent) in known
        for plan, parent in zip(children["plan_id"], children["parent_budget_line_id"])
    ]
    return children.reset_index(drop=True)


def not_above(name: str, lower: str, upper: str, why: str) -> Rule:
    """``lower`` <= ``upper`` on the projects whose stage labels are not in doubt."""
    return rule(
        name,
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB,
        why + " Projects whose stage labels are flagged as doubtful are reported apart.",
        column_A=upper,
        column_B=lower,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        row_condition=Column("stage_in_doubt") == False,  # noqa: E712 (builds a GX condition)
    )


RECONCILED = f"within {TOLERANCE_MILLION_VND} million VND"

CHECKS = table_checks(
    TABLE,
    KEY,
    rules=(
        reported(
            none_of(
                "stage",
                [UNSPECIFIED_STAGE],
                "A figure whose stage the extractor could not tell is kept but reported.",
                name="stage_specified",
            )
        ),
        at_least(
            "amount_million_vnd",
            0,
            "Budget amounts are spending figures; a negative one is a parsing error.",
            name="amount_non_negative",
        ),
        between(
            "fiscal_year",
            "Fiscal years of these plans fall between 2000 and 2100; others are misreads.",
            name="fiscal_year_plausible",
            low=2000,
            high=2100,
        ),
    ),
    parts=(
        derived(
            "parent_vs_children",
            parent_child_differences,
            (
                "budget_line_id",
                "stage",
                "fiscal_year",
                "parent_million_vnd",
                "children_sum_million_vnd",
                *SOURCE_COLUMNS,
            ),
            between(
                "diff_million_vnd",
                "A parent budget line equals the sum of its children "
                f"{RECONCILED}, per stage and fiscal year.",
                name="parent_equals_children",
                low=-TOLERANCE_MILLION_VND,
                high=TOLERANCE_MILLION_VND,
            ),
            reported(
                between(
                    "children_without_amount",
                    "A parent whose children lack parsed amounts cannot be reconciled.",
                    name="children_amounts_parsed",
                    high=0,
                )
            ),
        ),
        derived(
            "total_components",
            total_components,
            (
                "budget_line_id",
                "stage",
                "fiscal_year",
                "total_million_vnd",
                "components_million_vnd",
                *SOURCE_COLUMNS,
            ),
            between(
                "diff_million_vnd",
                "A budget total equals development investment plus recurrent spending "
                f"{RECONCILED}.",
                name="total_equals_investment_plus_recurrent",
                low=-TOLERANCE_MILLION_VND,
                high=TOLERANCE_MILLION_VND,
            ),
            *(
                between(
                    f"{kind}_lines",
                    f"A total names exactly one {wording} line to reconcile against.",
                    name=f"total_has_{kind}_line",
                    low=1,
                    high=1,
                )
                for kind, wording in (
                    ("investment", "development-investment"),
                    ("recurrent", "recurrent-spending"),
                )
            ),
        ),
        derived(
            "stage_order",
            project_stages,
            ("budget_line_id", *PROJECT_STAGES, "stage_in_doubt", *SOURCE_COLUMNS),
            not_above(
                "disbursed_within_allocated",
                "disbursed",
                "allocated_to_date",
                "A project cannot disburse more capital than has been allocated to it.",
            ),
            not_above(
                "allocated_within_total_investment",
                "allocated_to_date",
                "total_investment",
                "Capital allocated to a project cannot exceed its approved total investment.",
            ),
            not_above(
                "disbursed_within_total_investment",
                "disbursed",
                "total_investment",
                "A project cannot disburse more than its approved total investment.",
            ),
            reported(
                rule(
                    "stage_order_in_doubtful_projects",
                    gx.expectations.ExpectColumnValuesToBeInSet,
                    "Projects whose stage labels the extractor flagged (stage_wording, "
                    "stage_inferred) should still satisfy disbursed <= allocated to date <= "
                    "total investment; a breach there is reported, not blocking, because the "
                    "document itself may be what is inconsistent.",
                    column="stage_order_holds",
                    value_set=[True],
                    row_condition=Column("stage_in_doubt") == True,  # noqa: E712 (a GX condition)
                )
            ),
        ),
        derived(
            "parent_links",
            parent_links,
            ("budget_line_id", "parent_budget_line_id", *SOURCE_COLUMNS),
            holds(
                "parent_exists",
                "parent_found",
                "A sub-line's parent must be a line of the same plan, or the tree is broken.",
            ),
        ),
    ),
    flagged=True,
)

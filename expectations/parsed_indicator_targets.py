"""parsed.indicator_targets: every target cell read into comparator, bounds and unit.

Besides keys and provenance: the parse status is in the parser's vocabulary
and ambiguous/invalid cells are reported; parsed rows have consistent
bounds; shares stay within 0..100 %; and targets do not loosen over time
within a plan (a higher-is-better target below the year before, a
lower-is-better one above it), which is reported as a document oddity to
review, not blocked: Nghệ An 1 goes from 100 % 5G coverage in 2030 to
"6G (50%)" in 2035.
"""

from __future__ import annotations

import pandas as pd

from dagster_project.semantics.targets import COMPARATORS, STATUSES, TARGET_KINDS

from .base import SOURCE_COLUMNS
from .plan_rules import TODO_CELL, TODO_EXTRACTION, TODO_PARSER, status_rules, text_present
from .spec import derived, holds, one_of, present, reported, table_checks

TABLE = "parsed.indicator_targets"
KEY = ("plan_id", "indicator_code", "target_year")
DIRECTIONS = ("higher_is_better", "lower_is_better")
# Shares of a whole: a value above 100 % is a misreading (or a misprint).
# ``percent_per_year`` is a growth rate and may legitimately exceed 100.
BOUNDED_PERCENT_UNITS = ("percent", "percent_grdp", "percent_state_budget", "percent_population")


def _numbers(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def bounds_checked(targets: pd.DataFrame) -> pd.DataFrame:
    """Per row: a parsed cell has a comparator, a kind and low <= high (and a change its
    baseline year); any other has none of them."""
    low, high = _numbers(targets["target_low"]), _numbers(targets["target_high"])
    parsed = targets["parse_status"] == "parsed"
    kind, baseline = targets["target_kind"], targets["baseline_year"]
    change_has_baseline = (kind != "change") | baseline.notna()
    has_values = (
        low.notna()
        & high.notna()
        & targets["comparator"].notna()
        & kind.isin(TARGET_KINDS)
        & change_has_baseline
    )
    has_none = low.isna() & high.isna() & targets["comparator"].isna() & kind.isna()
    out = targets[[*KEY, *SOURCE_COLUMNS, "target_text", "parse_status"]].copy()
    out["is_consistent"] = ((parsed & has_values & (low <= high)) | (~parsed & has_none)).astype(
        bool
    )
    return out


def percents_checked(targets: pd.DataFrame) -> pd.DataFrame:
    """Per parsed share: whether both bounds lie within 0..100."""
    rows = targets[targets["unit"].isin(BOUNDED_PERCENT_UNITS)]
    low, high = _numbers(rows["target_low"]), _numbers(rows["target_high"])
    out = rows[[*KEY, *SOURCE_COLUMNS, "target_text", "unit"]].copy()
    out["is_within_0_100"] = ~((low < 0) | (high > 100))
    return out.astype({"is_within_0_100": bool})


def sequences_checked(targets: pd.DataFrame) -> pd.DataFrame:
    """Per parsed target: whether it is at least as demanding as the plan's previous one.

    Compared with the previous year's parsed target of the same indicator in
    the same unit: for higher-is-better, the lower bound must not fall; for
    lower-is-better (ranks), the upper bound must not rise.
    """
    columns = [*KEY, *SOURCE_COLUMNS, "target_text", "direction", "unit"]
    # Levels only: a change against a baseline says nothing about the level.
    parsed = targets[
        (targets["parse_status"] == "parsed") & (targets["target_kind"] == "level")
    ].copy()
    parsed["low"] = _numbers(parsed["target_low"])
    parsed["high"] = _numbers(parsed["target_high"])
    parsed = parsed.sort_values(["plan_id", "indicator_code", "unit", "target_year"])
    previous = parsed.groupby(["plan_id", "indicator_code", "unit"], dropna=False)
    parsed["previous_target_year"] = previous["target_year"].shift()
    parsed["previous_target_text"] = previous["target_text"].shift()
    previous_low, previous_high = previous["low"].shift(), previous["high"].shift()
    fell = (parsed["direction"] == "higher_is_better") & (parsed["low"] < previous_low)
    rose = (parsed["direction"] == "lower_is_better") & (parsed["high"] > previous_high)
    out = parsed[[*columns, "previous_target_year", "previous_target_text"]].copy()
    out["keeps_direction"] = ~(fell | rose).astype(bool)
    return out


CHECKS = table_checks(
    TABLE,
    KEY,
    sample=(*KEY, *SOURCE_COLUMNS, "target_text", "parse_note"),
    rules=(
        text_present("target_text"),
        *status_rules("parse_status", STATUSES),
        one_of(
            "comparator",
            COMPARATORS,
            f"Comparators are {', '.join(COMPARATORS)}; null only when nothing was read.",
        ),
        one_of(
            "direction",
            DIRECTIONS,
            "Every target knows whether its indicator is higher- or lower-is-better.",
        ),
        present(
            "direction",
            "A target without a direction belongs to no indicator row: an extraction gap.",
            todo=TODO_EXTRACTION,
        ),
    ),
    parts=(
        derived(
            "bounds",
            bounds_checked,
            (*KEY, *SOURCE_COLUMNS, "target_text", "parse_status"),
            holds(
                "bounds_consistent",
                "is_consistent",
                "A parsed target has a comparator, a kind (level, change, growth rate) and "
                "low <= high, a change also its baseline year; an unparsed one has no value, "
                "so no number is ever shown for a cell that was not read.",
                todo=TODO_PARSER,
            ),
        ),
        derived(
            "percent_range",
            percents_checked,
            (*KEY, *SOURCE_COLUMNS, "target_text", "unit"),
            holds(
                "percent_within_0_100",
                "is_within_0_100",
                "A share (%, % GRDP, % of the budget, % of the population) lies within 0..100; "
                "outside it the number was misread (thousands vs decimals) or misprinted.",
                todo=TODO_CELL,
            ),
        ),
        derived(
            "sequence",
            sequences_checked,
            (
                *KEY,
                *SOURCE_COLUMNS,
                "target_text",
                "previous_target_year",
                "previous_target_text",
            ),
            reported(
                holds(
                    "targets_do_not_fall",
                    "keeps_direction",
                    "Within a plan a higher-is-better target should not fall from one target "
                    "year to the next (nor a lower-is-better one rise); an exception is a "
                    "document oddity to review, e.g. a 2040 target below the 2035 one.",
                )
            ),
        ),
    ),
)

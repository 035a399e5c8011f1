"""The suites as declared: every expectation tagged, names unique, vocabularies in step with dbt."""

from __future__ import annotations

import great_expectations as gx
import pytest
import yaml

from dagster_project.extract.runner import ROW_KEYS
from dagster_project.warehouse.paths import DBT_PROJECT_DIR
from expectations import TABLE_CHECKS, fct_budget_lines, row_counts
from expectations.base import ERROR, SEVERITIES, error, expectation_check, tagged

ALL = [(checks, expectation) for checks in TABLE_CHECKS for _, expectation in checks.expectations()]
ALL += [(None, e) for e in row_counts.build_suite().expectations]


def _marts_columns() -> dict[str, dict]:
    """Columns of every mart, from each ``_*__models.yml`` under models/marts/."""
    models = [
        model
        for path in sorted((DBT_PROJECT_DIR / "models/marts").rglob("_*__models.yml"))
        for model in yaml.safe_load(path.read_text()).get("models", [])
    ]
    return {
        model["name"]: {column["name"]: column for column in model.get("columns", [])}
        for model in models
    }


def _accepted_values(column: dict) -> list[str]:
    for test in column.get("data_tests", []):
        if isinstance(test, dict) and "accepted_values" in test:
            return test["accepted_values"]["arguments"]["values"]
    raise AssertionError(f"{column['name']} has no accepted_values test")


def test_every_expectation_names_its_check_and_severity():
    for _, expectation in ALL:
        assert expectation.meta["severity"] in SEVERITIES, expectation
        assert expectation.meta["check"], expectation
        assert expectation.notes, f"{expectation.meta['check']} does not say why"


def test_gx_severity_follows_the_meta_severity():
    for _, expectation in ALL:
        critical = expectation.severity.value == "critical"
        assert critical == (expectation.meta["severity"] == ERROR), expectation.meta["check"]


def test_check_names_are_unique_across_all_suites():
    names = [expectation_check(e) for _, e in ALL]
    assert len(names) == len(set(names))


def test_a_check_name_starts_with_its_table():
    for checks, expectation in ALL:
        prefix = "warehouse" if checks is None else expectation_check(expectation).split(".")[0]
        assert expectation_check(expectation).startswith(prefix + ".")


def test_an_unknown_severity_is_refused():
    with pytest.raises(ValueError, match="severity"):
        tagged(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check="x.y",
            severity="info",
            why="-",
            column="a",
        )


def test_error_sets_critical_gx_severity_and_notes():
    built = error(
        gx.expectations.ExpectColumnValuesToNotBeNull, check="t.c", why="because", column="a"
    )
    assert built.meta == {"check": "t.c", "severity": "error"}
    assert built.severity.value == "critical"
    assert built.notes == "because"


def test_budget_key_is_the_key_the_extractor_corrects_by():
    assert ROW_KEYS["budget_lines"] == fct_budget_lines.KEY


def test_budget_stages_are_the_stages_the_mart_accepts():
    stage = _marts_columns()["fct_budget_lines"]["stage"]
    assert set(fct_budget_lines.STAGES) == set(_accepted_values(stage))


def test_every_checked_mart_column_exists_in_the_dbt_contract():
    marts = _marts_columns()
    for checks in TABLE_CHECKS:
        if not checks.table.startswith("marts."):
            continue
        columns = marts[checks.short_name]
        # Derived frames have their own columns; optional validations wait for theirs.
        direct = [v for v in checks.validations if v.derive is None and not v.requires_columns]
        for validation in direct:
            for expectation in validation.build_suite().expectations:
                kwargs = expectation.configuration.kwargs
                named = [kwargs["column"]] if "column" in kwargs else kwargs.get("column_list", [])
                for column in named:
                    assert column in columns, f"{expectation_check(expectation)}: {column}"

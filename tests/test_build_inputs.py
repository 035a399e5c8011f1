"""What the recorded build inputs decide on their own: whether dbt's unit tests must run again."""

from __future__ import annotations

import duckdb

from dagster_project.warehouse import inputs


def test_unit_tests_are_left_out_only_for_the_code_that_published_the_warehouse():
    current = {inputs.CODE: "c1", inputs.SUBMISSIONS: "9:40"}
    assert inputs.code_already_tested(current, {inputs.CODE: "c1", inputs.SUBMISSIONS: "5:20"})
    # Other code, no record of the code, or no record at all (a full refresh's empty file).
    assert not inputs.code_already_tested(current, {inputs.CODE: "c0"})
    assert not inputs.code_already_tested(current, {inputs.SUBMISSIONS: "5:20"})
    assert not inputs.code_already_tested(current, None)
    assert not inputs.code_already_tested({}, {})


def test_recorded_in_reads_the_build_inputs_of_an_open_warehouse(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert inputs.recorded_in(con) is None
        inputs.record(con, {inputs.CODE: "c1", "seed:plans": "p"})
        assert inputs.recorded_in(con) == {inputs.CODE: "c1", "seed:plans": "p"}

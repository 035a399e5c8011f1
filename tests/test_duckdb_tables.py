"""Replacing a table whole: a reader sees the old rows or the new ones, never none."""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.duckdb_tables import replace_table_rows, rows_fingerprint

COLUMNS = {"input": "varchar", "fingerprint": "varchar"}


def test_replacing_a_table_swaps_its_rows_and_types():
    con = duckdb.connect()
    replace_table_rows(con, "raw", "build_inputs", COLUMNS, [("code", "a")])
    replace_table_rows(con, "raw", "build_inputs", COLUMNS, [("code", "b"), ("seeds", "c")])
    assert con.execute("select * from raw.build_inputs order by 1").fetchall() == [
        ("code", "b"),
        ("seeds", "c"),
    ]


def test_a_failed_replacement_keeps_the_old_rows():
    con = duckdb.connect()
    replace_table_rows(con, "raw", "build_inputs", COLUMNS, [("code", "a")])
    with pytest.raises(duckdb.Error):
        replace_table_rows(con, "raw", "build_inputs", COLUMNS, [("code", "b", "extra")])
    assert con.execute("select * from raw.build_inputs").fetchall() == [("code", "a")]


def test_no_rows_leaves_an_empty_table():
    con = duckdb.connect()
    replace_table_rows(con, "raw", "quality_gate_results", COLUMNS, [])
    assert con.execute("select count(*) from raw.quality_gate_results").fetchone() == (0,)


def test_rows_fingerprint_ignores_row_order_and_sees_a_changed_value():
    con = duckdb.connect()
    con.execute("create table a as select * from (values (1, 'x'), (2, 'y')) as v(n, s)")
    con.execute("create table b as select * from (values (2, 'y'), (1, 'x')) as v(n, s)")
    con.execute("create table c as select * from (values (2, 'y'), (1, 'z')) as v(n, s)")
    a, b, c = (rows_fingerprint(con, "main", name) for name in ("a", "b", "c"))
    assert a == b and a[0] == 2
    assert c[0] == 2 and c != a

"""Target cells: every distinct string in the plans has a stated reading.

``DOCUMENT_TARGETS`` holds the expected parse of each line of
``fixtures/distinct_strings/targets.txt``; a string in the documents (or, once
extracted, in the seeds) without an entry here fails the coverage tests.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fixtures.distinct import assert_one_expectation_each, distinct_lines
from hypothesis import given
from hypothesis import strategies as st

from dagster_project.config import SEEDS_DIR
from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.numbers import format_vn_number
from dagster_project.semantics.targets import (
    COMPARATORS,
    OTHER_UNIT_PREFIX,
    STATUSES,
    TARGET_KINDS,
    UNITS,
    TargetParse,
    indicator_direction,
    normalize_unit_text,
    parse_target,
)

# Nghệ An indicator names whose bare numbers take their unit from the name.
RESEARCHERS_PER_10000 = (
    "Số người thực hiện công tác nghiên cứu khoa học, phát triển công nghệ, "
    "đổi mới sáng tạo trên 01 vạn dân"
)
DIGITAL_TRANSFORMATION_INDEX = "Chỉ số chuyển đổi số cấp tỉnh"
HDI_CONTRIBUTION = (
    "Khoa học, công nghệ và đổi mới sáng tạo góp phần quan trọng xây dựng, phát triển "
    "giá trị văn hoá, xã hội, con người, đóng góp vào chỉ số phát triển con người (HDI)"
)
RESEARCH_CENTRES = "Có trung tâm nghiên cứu, phát triển trọng điểm ở tỉnh"


@dataclass(frozen=True)
class Expected:
    target_text: str
    unit_text: str
    status: str
    comparator: str | None = None
    low: str | None = None
    high: str | None = None
    unit: str = ""
    indicator_name: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.target_text, self.unit_text)


def P(text, unit_text, comparator, low, high, unit, name="", note=""):  # noqa: N802
    return Expected(text, unit_text, "parsed", comparator, low, high, unit, name, note)


def Q(text, unit_text="", unit=""):  # noqa: N802
    return Expected(text, unit_text, "qualitative", unit=unit)


def A(text, unit_text, unit, note):  # noqa: N802
    return Expected(text, unit_text, "ambiguous", unit=unit, note=note)


def ge(text, value, unit, unit_text="", note=""):
    return P(text, unit_text, ">=", value, value, unit, note=note)


def eq(text, value, unit, unit_text="", name="", note=""):
    return P(text, unit_text, "=", value, value, unit, name=name, note=note)


NO_UNIT = "no unit written; read as a count"
SEVERAL = "several values in one cell"

DOCUMENT_TARGETS: list[Expected] = [
    # Nghệ An 348/KH-UBND, Phụ lục 1 (no unit column).
    ge("≥ 50%.", "50", "percent", note="trailing '.' ignored"),
    eq("100%", "100", "percent"),
    eq("6G (50%)", "50", "percent", note="6G coverage"),
    eq("6G (80%)", "80", "percent", note="6G coverage"),
    eq("6G (100%)", "100", "percent", note="6G coverage"),
    ge("≥ 50%", "50", "percent"),
    eq("80%", "80", "percent"),
    eq("Có", "1", "yes_no"),
    Q("Bảo đảm đạt mức theo phân bổ NSTW và điều kiện thực tiễn của tỉnh"),
    A("≥ 2% 3%GRDP", "", "percent", SEVERAL),
    A("≥ 2,5% 3%GRDP", "", "percent", SEVERAL),
    A("≥ 3% 3%GRDP", "", "percent", SEVERAL),
    ge("≥ 80%", "80", "percent"),
    eq("90%", "90", "percent"),
    eq("95%", "95", "percent"),
    eq("97%", "97", "percent"),
    eq("99%", "99", "percent"),
    Expected("-", "", "empty"),
    P("80-90%", "", "between", "80", "90", "percent"),
    ge("≥ 90%", "90", "percent"),
    eq("7", "7", "per_10000_people", name=RESEARCHERS_PER_10000, note="indicator name"),
    eq("12", "12", "per_10000_people", name=RESEARCHERS_PER_10000, note="indicator name"),
    eq("20", "20", "per_10000_people", name=RESEARCHERS_PER_10000, note="indicator name"),
    eq("33", "33", "per_10000_people", name=RESEARCHERS_PER_10000, note="indicator name"),
    eq("54", "54", "per_10000_people", name=RESEARCHERS_PER_10000, note="indicator name"),
    Q("Đạt mức tiên tiến ở nhiều lĩnh vực quan trọng"),
    Q("Đạt mức trên trung bình của cả nước"),
    ge("≥ 17", "17", "count", note=NO_UNIT),
    ge("≥ 30", "30", "count", note=NO_UNIT),
    ge("≥ 150", "150", "count", note=NO_UNIT),
    ge("≥ 250", "250", "count", note=NO_UNIT),
    ge("≥ 400", "400", "count", note=NO_UNIT),
    ge("≥ 4", "4", "count", note=NO_UNIT),
    ge("≥ 6", "6", "count", note=NO_UNIT),
    ge("≥ 8", "8", "count", note=NO_UNIT),
    ge("≥ 10", "10", "count", note=NO_UNIT),
    ge("≥ 12", "12", "count", note=NO_UNIT),
    ge("≥20", "20", "count", note=NO_UNIT),
    ge("≥40", "40", "count", note=NO_UNIT),
    ge("≥80", "80", "count", note=NO_UNIT),
    ge("≥120", "120", "count", note=NO_UNIT),
    ge("≥160", "160", "count", note=NO_UNIT),
    ge("≥ 300", "300", "count", note=NO_UNIT),
    ge("≥ 600", "600", "count", note=NO_UNIT),
    ge("≥ 1200", "1200", "count", note=NO_UNIT),
    ge("≥ 2000", "2000", "count", note=NO_UNIT),
    ge("≥ 3000", "3000", "count", note=NO_UNIT),
    ge("≥ 25", "25", "count", note=NO_UNIT),
    ge("≥ 50", "50", "count", note=NO_UNIT),
    ge("≥ 80", "80", "count", note=NO_UNIT),
    ge("≥ 120", "120", "count", note=NO_UNIT),
    ge("≥ 160", "160", "count", note=NO_UNIT),
    ge("≥ 40%", "40", "percent"),
    ge("≥ 60%", "60", "percent"),
    ge("≥ 75%", "75", "percent"),
    ge("≥ 85%", "85", "percent"),
    ge("≥ 95%", "95", "percent"),
    ge("≥ 15", "15", "count", note=NO_UNIT),
    ge("≥ 40", "40", "count", note=NO_UNIT),
    ge("≥ 180", "180", "count", note=NO_UNIT),
    P("≥ 2-3%", "", "between", "2", "3", "percent", note="minimum written as a range"),
    ge("≥ 10%", "10", "percent"),
    ge("≥ 500", "500", "count", note=NO_UNIT),
    ge("≥ 800", "800", "count", note=NO_UNIT),
    ge("≥ 1", "1", "count", note=NO_UNIT),
    ge("≥ 3", "3", "count", note=NO_UNIT),
    ge("≥ 5", "5", "count", note=NO_UNIT),
    Q("ứng dụng"),
    P("15 - 20", "", "between", "15", "20", "count", name=RESEARCH_CENTRES, note=NO_UNIT),
    P("7-10", "", "between", "7", "10", "count", name=RESEARCH_CENTRES, note=NO_UNIT),
    P("> 0,7", "", ">", "0.7", "0.7", "index", name=HDI_CONTRIBUTION, note="indicator name"),
    ge("≥ 7", "7", "count", note=NO_UNIT),
    ge("≥12", "12", "count", note=NO_UNIT),
    ge("≥18", "18", "count", note=NO_UNIT),
    ge("≥25", "25", "count", note=NO_UNIT),
    ge("≥ 15%", "15", "percent"),
    ge("≥ 30%", "30", "percent"),
    ge("≥ 70%", "70", "percent"),
    ge("≥ 60", "60", "count", note=NO_UNIT),
    ge("≥ 100", "100", "count", note=NO_UNIT),
    ge("≥ 20", "20", "count", note=NO_UNIT),
    ge("≥ 200", "200", "count", note=NO_UNIT),
    ge("≥ 700", "700", "count", note=NO_UNIT),
    ge("≥ 1800", "1800", "count", note=NO_UNIT),
    ge("≥ 70", "70", "count", note=NO_UNIT),
    eq("1", "1", "count", note=NO_UNIT),
    P("≥ 0.60", "", ">=", "0.6", "0.6", "index", DIGITAL_TRANSFORMATION_INDEX, "decimal point"),
    P("≥ 0.75", "", ">=", "0.75", "0.75", "index", DIGITAL_TRANSFORMATION_INDEX, "decimal point"),
    P("≥ 0.85", "", ">=", "0.85", "0.85", "index", DIGITAL_TRANSFORMATION_INDEX, "decimal point"),
    P("≥ 0.92", "", ">=", "0.92", "0.92", "index", DIGITAL_TRANSFORMATION_INDEX, "decimal point"),
    eq("1,0", "1", "index", name=DIGITAL_TRANSFORMATION_INDEX, note="indicator name"),
    ge("≥ 100%", "100", "percent"),
    eq("85%", "85", "percent"),
    eq("20%", "20", "percent"),
    eq("30%", "30", "percent"),
    eq("40%", "40", "percent"),
    eq("10% GRDP", "10", "percent_grdp"),
    eq("20% GRDP", "20", "percent_grdp"),
    eq("25% GRDP", "25", "percent_grdp"),
    eq("30% GRDP", "30", "percent_grdp"),
    eq("40% GRDP", "40", "percent_grdp"),
    Q("Trung tâm"),
    Q("Duy trì/nâng cấp"),
    P("42-45%", "", "between", "42", "45", "percent"),
    ge("≥ 55%", "55", "percent"),
    P("Top 20 của cả nước", "", "<=", "20", "20", "rank", note="Top N read as rank <= N"),
    P("Top 15 của cả nước", "", "<=", "15", "15", "rank", note="Top N read as rank <= N"),
    # Bắc Kạn 131/KH-UBND, Phụ lục I: target with the row's unit column.
    Q(
        "Tiềm lực đáp ứng các hoạt động nghiên cứu, ứng dụng công nghệ cao ở các lĩnh vực "
        "nông nghiệp, công nghiệp chế biến, công nghệ thông tin",
        "Thứ bậc",
        "rank",
    ),
    Q(
        "Đạt trình độ khá trong khu vực trung du và miền núi phía Bắc; đạt trình độ trung "
        "bình trong cả nước.",
        "Thứ bậc",
        "rank",
    ),
    Q(
        "Một số lĩnh vực có thế mạnh đạt trình độ khá trong khu vực trung du và miền núi "
        "phía Bắc; đạt trình độ trung bình trong cả nước.",
        "Thứ bậc",
        "rank",
    ),
    Q(
        "Đứng trong nhóm khá trong khu vực trung du và miền núi phía Bắc; đạt trình độ "
        "trung bình trong cả nước.",
        "Thứ bậc",
        "rank",
    ),
    P("<=55", "Thứ bậc", "<=", "55", "55", "rank"),
    eq("3", "3", "count", "Doanh nghiệp"),
    ge("≥ 50", "50", "percent", "%"),
    ge("≥ 20", "20", "percent_grdp", "% GRDP"),
    ge("≥ 80", "80", "percent", "%"),
    eq("90", "90", "percent", "%"),
    eq("100", "100", "percent", "%"),
    eq("80", "80", "percent", "%"),
    eq("70", "70", "percent", "%"),
    P(">=30", "%", ">=", "30", "30", "percent"),
    eq("50", "50", "percent", "%"),
    ge("≥ 20%", "20", "percent", "%"),
    P("> 0,7", "Chỉ số phát triển con người (HDI)", ">", "0.7", "0.7", "index"),
    eq("2", "2", "percent_grdp", "% GRDP"),
    P("> 50", "%", ">", "50", "50", "percent"),
    ge(
        "≥ 3% và tăng dần theo yêu cầu phát triển",
        "3",
        "percent_state_budget",
        "% tổng chi NSNN",
        note="qualitative rider not scored: 'và tăng dần theo yêu cầu phát triển'",
    ),
    eq("05", "5", "per_10000_people", "Người/vạn dân"),
    eq("3%", "3", "percent_per_year", "%/năm"),
    P("3-5%", "%", "between", "3", "5", "percent"),
    Q(
        "Tiên tiến, hiện đại, dung lượng siêu lớn, băng thông đáp ứng yêu cầu phát triển "
        "của địa phương và cả nước"
    ),
    eq("100%", "100", "percent", "%"),
    eq("99", "99", "percent_population", "% dân số"),
    ge("≥ 1", "1", "count", "Thành phố, huyện"),
    ge("≥ 3", "3", "count", "Tổ chức, doanh nghiệp"),
    ge("≥ 01", "1", "count", "Trung tâm dữ liệu"),
    ge("≥ 95", "95", "percent", "%"),
    ge("≥ 70", "70", "percent", "%"),
    Q("Đạt mức trung bình khá cả nước", "Thứ bậc", "rank"),
    ge("≥ 30", "30", "percent_grdp", "%GRDP"),
    P("≤ 55", "Thứ bậc", "<=", "55", "55", "rank"),
    eq("1", "1", "per_100000_people", "Số doanh nghiệp/100.000 dân"),
    ge("≥ 5", "5", "count", "Tổ chức, doanh nghiệp"),
    P("5% - 10%", "%", "between", "5", "10", "percent"),
]

# Empty cells: Nghệ An's merged year columns and Bắc Kạn's NBSP-padded group rows.
EMPTY_TARGETS: list[Expected] = [
    Expected("", "", "empty"),
    Expected("\u00a0", "\u00a0", "empty"),
    Expected("- ", "", "empty"),
]

EXPECTED_BY_KEY: dict[tuple[str, str], Expected] = {
    (normalize_cell_text(e.target_text), normalize_cell_text(e.unit_text)): e
    for e in DOCUMENT_TARGETS + EMPTY_TARGETS
}


def _fixture_keys() -> list[tuple[str, str]]:
    keys = []
    for line in distinct_lines("targets.txt"):
        target_text, _, unit_text = line.partition("\t")
        keys.append((target_text, unit_text))
    return keys


def _check(expected: Expected, result: TargetParse) -> None:
    assert result.parse_status == expected.status, result
    if result.parse_status == "parsed":
        # %/năm is the one growth rate among the seed documents' targets.
        kind = "growth_rate" if result.unit == "percent_per_year" else "level"
        assert result.target_kind == kind, result
    assert result.comparator == expected.comparator, result
    assert result.target_low == (Decimal(expected.low) if expected.low else None), result
    assert result.target_high == (Decimal(expected.high) if expected.high else None), result
    assert result.unit == expected.unit, result
    assert result.is_qualitative == (expected.status == "qualitative"), result
    if expected.note:
        assert expected.note in result.parse_note, result
    else:
        assert result.parse_note == "", result


def test_every_document_string_has_exactly_one_expectation():
    assert_one_expectation_each(_fixture_keys(), [e.key for e in DOCUMENT_TARGETS], 144)


@pytest.mark.parametrize(
    "expected", DOCUMENT_TARGETS + EMPTY_TARGETS, ids=lambda e: f"{e.target_text}|{e.unit_text}"
)
def test_document_target_reads_as_expected(expected):
    result = parse_target(expected.target_text, expected.unit_text, expected.indicator_name)
    _check(expected, result)


def _seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(
    not (SEEDS_DIR / "indicator_targets.csv").exists()
    or not (SEEDS_DIR / "indicators.csv").exists(),
    reason="seeds not extracted yet (run `nq57 extract`)",
)
def test_every_seed_target_string_has_an_expectation():
    units = {
        (row["plan_id"], row["indicator_code"]): row["unit_text"]
        for row in _seed_rows("indicators.csv")
    }
    seen = {
        (
            normalize_cell_text(row["target_text"]),
            normalize_cell_text(units.get((row["plan_id"], row["indicator_code"]), "")),
        )
        for row in _seed_rows("indicator_targets.csv")
    }
    assert seen, "indicator_targets.csv has no rows"
    missing = sorted(seen - set(EXPECTED_BY_KEY))
    assert missing == [], f"target strings without an expected parse: {missing}"


# --- behaviours the documents do not show, stated once each ----------------


def test_cut_off_cell_is_invalid_and_says_why():
    result = parse_target("≥ 5\ufffd")
    assert result.parse_status == "invalid"
    assert "U+FFFD" in result.parse_note
    assert result.target_low is None


def test_comparator_alone_is_invalid():
    assert parse_target("≥").parse_status == "invalid"


def test_unreadable_number_is_invalid():
    result = parse_target("≥ 1.2.3%")
    assert result.parse_status == "invalid"
    assert "'1.2.3' is not a number" in result.parse_note


def test_reversed_range_is_ambiguous_with_no_values():
    result = parse_target("90-80%")
    assert (result.parse_status, result.target_low, result.target_high) == ("ambiguous", None, None)


def test_thousands_on_an_index_is_ambiguous():
    result = parse_target("≥ 1.000", "", DIGITAL_TRANSFORMATION_INDEX)
    assert result.parse_status == "ambiguous"
    assert "index" in result.parse_note


def test_thousands_on_a_count_are_thousands():
    result = parse_target("≥ 1.200", "Doanh nghiệp")
    assert (result.comparator, result.target_low, result.unit) == (">=", Decimal(1200), "count")


def test_number_glued_to_a_word_is_ambiguous():
    assert parse_target("Đạt 5G toàn tỉnh").parse_status == "ambiguous"


def test_bare_generation_is_the_generation_number():
    result = parse_target("5G")
    assert (result.comparator, result.target_low, result.unit) == ("=", Decimal(5), "generation")


def test_khong_is_yes_no_zero():
    result = parse_target("Không")
    assert (result.unit, result.target_low) == ("yes_no", Decimal(0))


@pytest.mark.parametrize(
    ("text", "comparator"),
    [
        ("Trên 50%", ">"),
        ("Dưới 5%", "<"),
        ("Tối thiểu 30%", ">="),
        ("Ít nhất 30%", ">="),
        ("Tối đa 10%", "<="),
        ("Không quá 10%", "<="),
        ("Đạt 80%", "="),
        ("=> 5", ">="),
        ("=< 5", "<="),
        ("< 5", "<"),
    ],
)
def test_comparator_words_and_symbols(text, comparator):
    assert parse_target(text).comparator == comparator


@pytest.mark.parametrize("separator", ["-", "–", "÷", " đến ", " tới "])
def test_range_separators(separator):
    result = parse_target(f"5{separator}10%")
    assert (result.comparator, result.target_low, result.target_high) == (
        "between",
        Decimal(5),
        Decimal(10),
    )


def test_percent_in_cell_against_a_non_percent_unit_column_is_noted():
    result = parse_target("50%", "Doanh nghiệp")
    assert result.unit == "percent"
    assert "unit column says 'Doanh nghiệp'" in result.parse_note


@pytest.mark.parametrize(
    ("unit_text", "unit"),
    [
        ("%", "percent"),
        ("% GRDP", "percent_grdp"),
        ("%GRDP", "percent_grdp"),
        ("% tổng chi NSNN", "percent_state_budget"),
        ("%/năm", "percent_per_year"),
        ("% dân số", "percent_population"),
        ("Thứ bậc", "rank"),
        ("Doanh nghiệp", "count"),
        ("Tổ chức, doanh nghiệp", "count"),
        ("Thành phố, huyện", "count"),
        ("Trung tâm dữ liệu", "count"),
        ("Người/vạn dân", "per_10000_people"),
        ("Số doanh nghiệp/100.000 dân", "per_100000_people"),
        ("Chỉ số phát triển con người (HDI)", "index"),
        ("\u00a0", ""),
        ("Tỷ đồng", "million_vnd"),
        ("Triệu đồng", "million_vnd"),
        ("Lượt", "count"),
        ("Héc-ta", "other:Héc-ta"),
    ],
)
def test_unit_column_vocabulary(unit_text, unit):
    assert normalize_unit_text(unit_text) == unit


# --- direction -------------------------------------------------------------


def test_rank_unit_with_a_number_is_lower_is_better():
    parses = [parse_target("<=55", "Thứ bậc")]
    assert indicator_direction("Chỉ số đổi mới sáng tạo (PII)", "Thứ bậc", parses) == (
        "lower_is_better"
    )


def test_rank_unit_column_with_a_numeric_target_in_another_unit_is_lower_is_better():
    parses = [parse_target("50%", "Thứ bậc")]
    assert parses[0].unit == "percent"
    assert indicator_direction("Chỉ số PII", "Thứ bậc", parses) == "lower_is_better"


def test_top_n_is_lower_is_better():
    parses = [parse_target("Top 20 của cả nước"), parse_target("")]
    assert indicator_direction("Chỉ số đổi mới sáng tạo PII", "", parses) == "lower_is_better"


def test_xep_hang_in_the_name_is_lower_is_better_even_when_qualitative():
    name = "Xếp hạng về an toàn thông tin mạng"
    parses = [parse_target("Đạt mức trung bình khá cả nước", "Thứ bậc")]
    assert indicator_direction(name, "Thứ bậc", parses) == "lower_is_better"


def test_rank_unit_with_only_qualitative_targets_stays_higher_is_better():
    name = "Tiềm lực, trình độ khoa học, công nghệ và đổi mới sáng tạo"
    parses = [parse_target("Tiềm lực đáp ứng các hoạt động nghiên cứu", "Thứ bậc")]
    assert indicator_direction(name, "Thứ bậc", parses) == "higher_is_better"


def test_upper_bounds_only_are_lower_is_better():
    parses = [parse_target("< 5%"), parse_target("≤ 3%")]
    assert indicator_direction("Tỷ lệ hộ nghèo", "", parses) == "lower_is_better"


def test_percent_targets_are_higher_is_better():
    parses = [parse_target(text) for text in ("≥ 50%.", "100%", "6G (50%)")]
    direction = indicator_direction("Tỷ lệ phủ sóng 5G trên địa bàn", "", parses)
    assert direction == "higher_is_better"


# --- properties ------------------------------------------------------------

TARGET_ALPHABET = st.sampled_from(list("0123456789≥≤<>=%-.,  GTopCóc\ufffd\u00a0/()÷ađvà"))


def _assert_invariants(result: TargetParse) -> None:
    assert result.parse_status in STATUSES
    assert result.comparator is None or result.comparator in COMPARATORS
    assert result.unit in UNITS or result.unit == "" or result.unit.startswith(OTHER_UNIT_PREFIX)
    if result.target_low is not None and result.target_high is not None:
        assert result.target_low <= result.target_high
    if result.parse_status == "parsed":
        assert result.comparator is not None or result.unit == "yes_no"
        assert result.target_low is not None and result.target_high is not None
    else:
        assert (result.comparator, result.target_low, result.target_high) == (None, None, None)
    assert result.is_qualitative == (result.parse_status == "qualitative")
    # Only a parsed cell has a kind; a change or growth rate is never a plain level unit.
    if result.parse_status == "parsed":
        assert result.target_kind in TARGET_KINDS
        if result.target_kind != "level":
            assert result.unit in ("percent_change", "percent_per_year", "times") or (
                result.target_kind == "change"
            )
    else:
        assert (result.target_kind, result.baseline_year) == (None, None)
    assert set(result.to_dict()) == {
        "comparator",
        "target_low",
        "target_high",
        "unit",
        "is_qualitative",
        "parse_status",
        "parse_note",
        "target_kind",
        "baseline_year",
    }


@given(st.text(alphabet=TARGET_ALPHABET, max_size=25), st.sampled_from(["", "%", "Thứ bậc"]))
def test_target_like_text_never_raises_and_keeps_invariants(text, unit_text):
    _assert_invariants(parse_target(text, unit_text, "Chỉ số"))


@given(st.text(), st.text(max_size=20), st.text(max_size=20))
def test_any_text_never_raises_and_keeps_invariants(text, unit_text, name):
    _assert_invariants(parse_target(text, unit_text, name))


@given(st.text(alphabet=st.sampled_from(" \t\n\u00a0"), max_size=5))
def test_blank_input_is_empty(text):
    assert parse_target(text).parse_status == "empty"


@given(
    st.sampled_from([("≥", ">="), (">=", ">="), ("≤", "<="), ("<", "<"), (">", ">"), ("", "=")]),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
    st.booleans(),
)
def test_printed_comparator_and_value_read_back(comparator, value, percent):
    printed, expected = comparator
    text = f"{printed} {format_vn_number(value)}{'%' if percent else ''}"
    result = parse_target(text, "", "Số doanh nghiệp")
    assert result.parse_status == "parsed", result
    assert (result.comparator, result.target_low, result.target_high) == (expected, value, value)
    assert result.unit == ("percent" if percent else "count")


@given(
    st.decimals(min_value=0, max_value=10**4, places=1, allow_nan=False),
    st.decimals(min_value=0, max_value=10**4, places=1, allow_nan=False),
)
def test_printed_range_reads_back_or_is_flagged_when_reversed(first, second):
    result = parse_target(f"{format_vn_number(first)} - {format_vn_number(second)}%")
    if first <= second:
        assert (result.comparator, result.target_low, result.target_high) == (
            "between",
            first,
            second,
        )
    else:
        assert result.parse_status == "ambiguous"


# --- forms beyond the five seed documents ------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit_text", "comparator", "low", "high", "unit"),
    [
        # Ranges and bounds in words.
        ("Từ 80% đến 90%", "", "between", "80", "90", "percent"),
        ("từ 80 đến 90%", "", "between", "80", "90", "percent"),
        ("80% trở lên", "", ">=", "80", "80", "percent"),
        ("Từ 95% trở lên", "", ">=", "95", "95", "percent"),
        ("5% trở xuống", "", "<=", "5", "5", "percent"),
        ("Không thấp hơn 60%", "", ">=", "60", "60", "percent"),
        ("Không vượt quá 3 ngày", "", "<=", "3", "3", "count"),
        ("Không ít hơn 12", "Người/vạn dân", ">=", "12", "12", "per_10000_people"),
        ("Phấn đấu đạt 100%", "", "=", "100", "100", "percent"),
        ("Đạt trên 80%", "", ">", "80", "80", "percent"),
        ("Đạt tối thiểu 70%", "", ">=", "70", "70", "percent"),
        ("Hơn 50%", "", ">", "50", "50", "percent"),
        ("Khoảng 35%", "", "=", "35", "35", "percent"),
        ("Tăng lên 80%", "", "=", "80", "80", "percent"),
        # Rank groups.
        ("Thuộc nhóm 10 tỉnh, thành phố dẫn đầu cả nước", "", "<=", "10", "10", "rank"),
        ("Nằm trong nhóm 20 địa phương dẫn đầu", "Thứ bậc", "<=", "20", "20", "rank"),
        # Money, converted to million VND.
        ("500 tỷ đồng", "", "=", "500000", "500000", "million_vnd"),
        ("≥ 1.500 triệu đồng", "", ">=", "1500", "1500", "million_vnd"),
        ("2 nghìn tỷ đồng", "", "=", "2000000", "2000000", "million_vnd"),
        ("≥ 120", "Tỷ đồng", ">=", "120000", "120000", "million_vnd"),
        ("1,5", "Tỷ đồng", "=", "1500", "1500", "million_vnd"),
        ("250", "Triệu đồng", "=", "250", "250", "million_vnd"),
    ],
)
def test_level_forms_beyond_the_seeds(text, unit_text, comparator, low, high, unit):
    result = parse_target(text, unit_text)
    assert result.parse_status == "parsed", result
    assert result.target_kind == "level", result
    assert (result.comparator, result.target_low, result.target_high, result.unit) == (
        comparator,
        Decimal(low),
        Decimal(high),
        unit,
    )


@pytest.mark.parametrize(
    ("text", "comparator", "low", "high", "unit", "kind", "baseline"),
    [
        ("Tăng 20% so với năm 2024", "=", "20", "20", "percent_change", "change", 2024),
        ("Giảm 10% so với năm 2020", "=", "-10", "-10", "percent_change", "change", 2020),
        ("Giảm ít nhất 30% so với năm 2025", "<=", "-30", "-30", "percent_change", "change", 2025),
        (
            "Tăng ít nhất 15% so với cuối năm 2024",
            ">=",
            "15",
            "15",
            "percent_change",
            "change",
            2024,
        ),
        ("Tăng gấp 2 lần so với năm 2025", "=", "2", "2", "times", "change", 2025),
        ("Tăng 100 doanh nghiệp so với năm 2024", "=", "100", "100", "count", "change", 2024),
        ("Tăng bình quân 15%/năm", "=", "15", "15", "percent_per_year", "growth_rate", None),
        (
            "Tốc độ tăng trưởng bình quân đạt 8%/năm",
            "=",
            "8",
            "8",
            "percent_per_year",
            "growth_rate",
            None,
        ),
        ("≥ 10%/năm", ">=", "10", "10", "percent_per_year", "growth_rate", None),
        (
            "Tăng trưởng bình quân 8-10%/năm",
            "between",
            "8",
            "10",
            "percent_per_year",
            "growth_rate",
            None,
        ),
        ("Tăng 10% so với năm trước", "=", "10", "10", "percent_per_year", "growth_rate", None),
    ],
)
def test_relative_targets_are_their_own_kind_never_a_level(
    text, comparator, low, high, unit, kind, baseline
):
    result = parse_target(text)
    assert result.parse_status == "parsed", result
    assert (result.target_kind, result.baseline_year, result.unit) == (kind, baseline, unit)
    assert (result.comparator, result.target_low, result.target_high) == (
        comparator,
        Decimal(low),
        Decimal(high),
    )


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("Tăng 20%", "no baseline"),
        ("Tăng 20% so với đầu nhiệm kỳ", "baseline is not a year"),
        ("Giảm dần, khoảng 5%", "no baseline"),
        ("Nhóm 10 tỉnh cuối bảng", "rank group not read"),
        ("Tăng bình quân 20 sản phẩm/năm", "not a percentage"),
        ("80% trở lên, riêng khu vực đô thị 95%", "several values"),
        ("≥ 80% trở xuống", "two comparators"),
        ("Khoảng 80-90 tỷ", "a scale word after the value"),
    ],
)
def test_forms_the_parser_does_not_know_stay_ambiguous_with_a_note(text, note):
    result = parse_target(text)
    assert result.parse_status == "ambiguous", result
    assert note in result.parse_note, result
    assert (result.target_low, result.target_high, result.target_kind) == (None, None, None)


def test_a_percent_per_year_unit_column_makes_a_growth_rate():
    result = parse_target("3%", "%/năm")
    assert (result.target_kind, result.unit) == ("growth_rate", "percent_per_year")


@given(
    st.sampled_from(["Tăng", "Giảm"]),
    st.decimals(min_value=0, max_value=1000, places=1, allow_nan=False),
    st.integers(2000, 2045),
)
def test_printed_change_reads_back_with_its_sign_and_baseline(verb, value, year):
    result = parse_target(f"{verb} {format_vn_number(value)}% so với năm {year}")
    signed = -value if verb == "Giảm" else value
    assert result.parse_status == "parsed", result
    assert (result.target_kind, result.baseline_year, result.unit) == (
        "change",
        year,
        "percent_change",
    )
    assert result.target_low == result.target_high == signed


@given(
    st.decimals(min_value=0, max_value=10**5, places=3, allow_nan=False),
    st.sampled_from([("tỷ đồng", 1000), ("triệu đồng", 1), ("nghìn tỷ đồng", 1_000_000)]),
)
def test_printed_money_reads_back_in_million_vnd(value, unit):
    printed, factor = unit
    result = parse_target(f"{format_vn_number(value)} {printed}")
    assert result.parse_status == "parsed", result
    assert result.unit == "million_vnd"
    assert result.target_low == value * factor


@given(
    st.sampled_from(["Tăng", "Giảm", "tăng thêm", "giảm"]),
    st.text(alphabet=st.sampled_from(list("0123456789%,. -/namăsovớikhoảngđến")), max_size=25),
)
def test_an_increase_or_decrease_is_never_read_as_a_level(verb, tail):
    result = parse_target(f"{verb} 5{tail}")
    assert result.target_kind != "level", result


def test_an_indicator_asked_only_to_decrease_is_lower_is_better():
    parses = [parse_target("Giảm 20% so với năm 2024"), parse_target("Giảm 40% so với năm 2024")]
    assert indicator_direction("Số vụ tấn công mạng", "", parses) == "lower_is_better"

"""The arithmetic of 科普经费 on hand-computed cases (no database, no Django)."""

from __future__ import annotations

from decimal import Decimal as D

from kesu.funding.arithmetic import (
    Basis,
    Denominator,
    LineAmounts,
    Numerator,
    breakdown,
    execution_rate,
    line_problems,
    per_capita,
)
from kesu.funding.national import latest_for, parse, series


def line(nature: str, budget: int, received: int, spent: int, special: bool = False) -> LineAmounts:
    return LineAmounts(nature, special or nature == "special", D(budget), D(received), D(spent))


# A county's year: 3 lines of its own budget, one from the province, one raised by a unit, one donated.
COUNTY = [
    line("appropriation", 300_000, 300_000, 270_000),  # a 财政拨款 line
    line("appropriation", 100_000, 80_000, 80_000, special=True),  # 财政拨款, but a 科普专项
    line("special", 200_000, 200_000, 150_000),  # 科普专项
    line("transfer", 50_000, 50_000, 50_000),  # 上级转移支付
    line("self_raised", 40_000, 40_000, 10_000),
    line("donation", 10_000, 10_000, 0),
]


def test_the_execution_rate_of_the_2022_ezhou_self_evaluation_reads_99_97_percent() -> None:
    # 鄂州市科协: budget 104万, executed 103.97万 → 99.97 %
    assert execution_rate(D("1039700"), D("1040000")) == D("99.97")


def test_a_line_without_a_budget_has_no_execution_rate_rather_than_zero_or_infinity() -> None:
    assert execution_rate(D(5000), D(0)) is None


def test_the_2018_self_evaluation_that_used_last_years_money_first_reads_7_14_percent() -> None:
    assert execution_rate(D(1), D(14)) == D("7.14")


def test_totals_by_nature_add_every_line_once_and_the_total_rate_is_the_rate_of_the_sums() -> None:
    result = breakdown(COUNTY)
    assert result.total.budget == D(700_000) and result.total.spent == D(560_000)
    assert result.total.rate == D("80.00")  # 560,000 ÷ 700,000, not the mean of the six rates (≈ 72.9 %)
    assert result.by_nature["appropriation"].budget == D(400_000)
    assert result.by_nature["appropriation"].lines == 2
    assert result.by_nature["donation"].rate == D("0.00")
    assert [label for label, _t in result.rows()] == [
        "财政拨款",
        "科普专项",
        "自筹",
        "社会捐赠",
        "上级转移支付",
    ]


def test_per_capita_own_fiscal_funding_counts_appropriations_and_special_lines_but_not_transfers() -> None:
    # 到位数: 300,000 + 80,000 + 200,000 = 580,000 元 ÷ 290,000 常住人口 = 2.00 元/人
    figure = per_capita(COUNTY, 290_000, Numerator.OWN_FISCAL, Basis.RECEIVED, Denominator.RESIDENT)
    assert (figure.amount, figure.lines, figure.value) == (D(580_000), 3, D("2.00"))
    assert figure.formula == "本级财政科普经费（到位数）÷ 常住人口"


def test_per_capita_special_funding_counts_the_lines_flagged_special_whatever_their_nature() -> None:
    # 执行数: 80,000 (财政拨款, 专项) + 150,000 (科普专项) = 230,000 ÷ 300,000 户籍人口 = 0.77 元/人
    figure = per_capita(COUNTY, 300_000, Numerator.SPECIAL, Basis.SPENT, Denominator.REGISTERED)
    assert (figure.amount, figure.value) == (D(230_000), D("0.77"))
    assert figure.formula == "科普专项经费（执行数）÷ 户籍人口"


def test_per_capita_from_all_sources_adds_every_line_and_rounds_half_up_to_the_fen() -> None:
    # 预算数: 700,000 ÷ 280,000 = 2.5 exactly; 700,000 ÷ 240,000 = 2.91666… → 2.92
    assert per_capita(COUNTY, 280_000, Numerator.ALL, Basis.BUDGET).value == D("2.50")
    assert per_capita(COUNTY, 240_000, Numerator.ALL, Basis.BUDGET).value == D("2.92")


def test_per_capita_without_a_population_has_no_value_but_keeps_its_amount() -> None:
    figure = per_capita(COUNTY, None)
    assert figure.value is None and figure.amount == D(580_000)
    assert per_capita(COUNTY, 0).value is None


def test_the_fengtai_standard_of_0_3_yuan_per_head_for_a_county_of_700000_is_210000_yuan() -> None:
    figure = per_capita([line("appropriation", 210_000, 210_000, 210_000)], 700_000)
    assert figure.value == D("0.30")


def test_spent_above_received_without_a_note_is_refused_with_a_chinese_message() -> None:
    amounts = {"budget": D(100), "received": D(100), "spent": D(150)}
    [(field, message)] = line_problems(amounts, "")
    assert field == "note"
    assert message.startswith("执行数（150.00 元）超过到位数（100.00 元）：请在“执行说明”中写明原因")
    assert line_problems(amounts, "使用上年结转资金") == []


def test_negative_amounts_are_refused_field_by_field() -> None:
    problems = line_problems({"budget": D(-1), "received": D(0), "spent": D(0), "spent_other": D(-5)}, "")
    assert problems == [("budget", "预算数不能为负数"), ("spent_other", "其他支出不能为负数")]


def test_the_use_split_may_not_add_up_to_more_than_was_spent() -> None:
    amounts = {"budget": D(100), "received": D(100), "spent": D(50), "spent_activities": D(40)}
    assert line_problems(amounts | {"spent_exhibits": D(20)}, "") == [
        ("spent_other", "使用额各项之和（60.00 元）超过执行数（50.00 元）")
    ]
    assert line_problems(amounts, "") == []


def test_the_national_series_holds_the_published_2023_and_2024_figures_with_sources() -> None:
    by_year = {figure.year: figure for figure in series()}
    assert by_year[2023].value == D("5.76") and by_year[2024].value == D("5.60")
    assert all(figure.source.startswith("http") for figure in series())
    assert "推算" in by_year[2020].note  # the derived year says so


def test_a_year_not_yet_published_is_compared_with_the_latest_published_one() -> None:
    assert latest_for(2026).year == 2024  # type: ignore[union-attr]
    assert latest_for(2016).year == 2015  # type: ignore[union-attr]
    assert latest_for(1999) is None


def test_the_series_file_is_read_sorted_by_year() -> None:
    text = (
        "year,value_yuan,measure,note,source\n2024,5.60,人均科普专项经费,,u\n2023,5.76,人均科普专项经费,,u\n"
    )
    assert [figure.year for figure in parse(text)] == [2023, 2024]

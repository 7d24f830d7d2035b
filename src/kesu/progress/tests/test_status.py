"""Target status on hand-computed cases: linear trajectory, growth rates, per-year targets."""

from __future__ import annotations

import pytest

from kesu.progress import Point, Status, TargetSpec, assess, assess_per_year, period_time


def test_periods_end_where_the_calendar_says() -> None:
    assert period_time("2024H1") == 2024.5
    assert period_time("2024H2") == period_time("2024") == 2025.0


def test_a_count_on_its_straight_line_is_on_track() -> None:
    # Baseline 1000 at end of 2020, target 5000 at end of 2025: end of 2023 should be 1000 + 4000 × 3/5 = 3400.
    spec = TargetSpec(5000, ">=", 2025, Point("2020", 1000))
    result = assess(spec, Point("2023", 3400))
    assert result.status is Status.ON_TRACK
    assert result.expected == 3400 and result.inputs["按进度此时应达"] == "3,400"
    assert result.inputs["实际进度"] == "为应有进度的 100%"


def test_a_count_at_four_fifths_of_the_way_is_at_risk_and_at_half_off_track() -> None:
    spec = TargetSpec(5000, ">=", 2025, Point("2020", 1000))
    # required progress by end of 2023: 2400; 2000/2400 = 0.833 → at risk; 1200/2400 = 0.5 → off track.
    assert assess(spec, Point("2023", 3000)).status is Status.AT_RISK
    assert assess(spec, Point("2023", 2200)).status is Status.OFF_TRACK


def test_a_half_year_counts_as_half_a_year() -> None:
    spec = TargetSpec(5000, ">=", 2025, Point("2020", 1000))
    result = assess(spec, Point("2021H1", 1400))  # expected 1000 + 4000 × 0.5/5 = 1400
    assert result.status is Status.ON_TRACK and result.expected == 1400


def test_reaching_the_target_is_achieved_even_before_the_deadline() -> None:
    assert (
        assess(TargetSpec(400, ">=", 2025, Point("2020", 100)), Point("2022", 410)).status is Status.ACHIEVED
    )


def test_a_strict_comparator_needs_more_than_the_target() -> None:
    spec = TargetSpec(17.8, ">", 2025, Point("2020", 10.0), "growth")
    assert assess(spec, Point("2025", 17.8)).status is Status.OFF_TRACK  # deadline passed, 17.8 is not > 17.8


def test_a_rate_compares_growth_rates_as_open_sdg_does() -> None:
    # 10% (2020) → 15% (2025): required CAGR = 1.5^(1/5) − 1 = 8.447%.
    spec = TargetSpec(15.0, ">=", 2025, Point("2020", 10.0), "growth")
    on = assess(spec, Point("2022", 10.0 * 1.08447**2))
    assert on.status is Status.ON_TRACK and on.inputs["所需年均增长率"] == "8.45%"
    # 11% after two years: CAGR 4.88%, ratio 0.578 → at risk; 10.4%: ratio 0.233 → off track.
    risky = assess(spec, Point("2022", 11.0))
    assert risky.status is Status.AT_RISK and risky.inputs["实际增速"] == "为所需增速的 58%"
    assert assess(spec, Point("2022", 10.4)).status is Status.OFF_TRACK


def test_without_a_baseline_only_achievement_can_be_judged() -> None:
    assert assess(TargetSpec(15.0, ">=", 2025), Point("2023", 12.0)).status is Status.NO_DATA
    assert assess(TargetSpec(15.0, ">=", 2025), Point("2023", 16.0)).status is Status.ACHIEVED
    assert assess(TargetSpec(15.0, ">=", 2025), None).reason == "尚无实际值"


def test_a_target_missed_at_its_deadline_is_off_track() -> None:
    spec = TargetSpec(150, ">=", 2023, Point("2020", 100))
    assert assess(spec, Point("2023", 149)).status is Status.OFF_TRACK


def test_per_year_targets_are_judged_each_year() -> None:
    # 每年 15万人次: 2021 met, 2022 missed, 2023 met, 2024 only its first half known (8万 ≥ 7.5万).
    years = {
        2021: (152_000.0, True),
        2022: (140_000.0, True),
        2023: (150_000.0, True),
        2024: (80_000.0, False),
    }
    result = assess_per_year(150_000, ">=", years, 2021, 2025, as_of=2024)
    assert [(y, s) for y, s, _ in result.years] == [
        (2021, Status.ACHIEVED),
        (2022, Status.OFF_TRACK),
        (2023, Status.ACHIEVED),
        (2024, Status.ON_TRACK),
    ]
    assert result.status is Status.ON_TRACK
    assert "2022年：140,000：滞后" in [f"{k}：{v}" for k, v in result.inputs.items()]


def test_a_per_year_target_with_a_weak_first_half_is_at_risk_and_a_missing_year_is_a_gap() -> None:
    years = {2021: (160_000.0, True), 2023: (60_000.0, False)}
    result = assess_per_year(150_000, ">=", years, 2021, 2025, as_of=2023)
    assert [s for _, s, _ in result.years] == [Status.ACHIEVED, Status.NO_DATA, Status.AT_RISK]
    assert result.status is Status.AT_RISK


def test_a_leader_reads_a_rate_in_one_plain_sentence_with_the_projected_year_end_figure() -> None:
    # 10.56% (2020) → 13.09% (2024): 5.52% a year; one more year at that pace gives 13.09 × 1.0552 ≈ 13.8.
    spec = TargetSpec(15.0, ">=", 2025, Point("2020", 10.56), "growth", "%")
    result = assess(spec, Point("2024", 13.09))
    assert result.explanation == "目标 15%，2024年 13.09%，按目前增速 2025年约 13.8%，需加快"
    assert (result.value, result.period_label) == (13.09, "2024年")


def test_a_count_reads_in_whole_units_without_fractions_or_comparator_signs() -> None:
    spec = TargetSpec(5000, ">=", 2025, Point("2020", 1000), unit="人")
    result = assess(spec, Point("2023", 3000.4))
    said = result.explanation + "".join(f"{k}{v}" for k, v in result.inputs.items())
    assert result.explanation == "目标 5,000人，2023年 3,000人，按目前进度 2025年约 4,334人，需加快"
    assert ">=" not in said and "Open SDG" not in said and "比值" not in said and "3,000.4" not in said


def test_an_achieved_or_missed_target_says_so_without_a_trajectory() -> None:
    assert (
        assess(TargetSpec(150, ">=", 2025, unit="个"), Point("2024", 152)).explanation
        == "目标 150个（2025年），2024年 152个，已实现"
    )
    assert (
        assess(TargetSpec(5, "<=", 2025, unit="%"), None).explanation == "目标不高于 5%（2025年），尚无实际值"
    )


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (13.0900, "%", "13.09%"),
        (1500.4, "人", "1,500人"),
        (0.5, "人次", "1人次"),
        (2.25, "万人次", "2.2万人次"),
        (None, "个", "—"),
        (86.0, "元", "86元"),
        (100.0, "%", "100%"),
        (2500.0, "", "2,500"),
    ],
)
def test_figures_read_as_a_person_writes_them(value: float | None, unit: str, text: str) -> None:
    from kesu.progress import wording

    assert wording.number(value, unit) == text

"""Roll-up on hand-computed cases: sums, ratios of sums, gaps that stay gaps."""

from __future__ import annotations

import pytest

from kesu.progress import Aggregation, Observation, RegionTree, resolve_series, rollup


def test_a_sum_adds_the_children() -> None:
    rolled = rollup(Aggregation.SUM, {"新华区": Observation(120), "宝丰县": Observation(80)})
    assert rolled.value == 200 and rolled.origin == "rollup" and rolled.children == 2


def test_a_ratio_is_recomputed_from_sums_not_averaged() -> None:
    # 10% of 100 000 and 20% of 10 000: the average of percentages would say 15%.
    children = {"甲县": Observation(10.0, 10_000, 100_000), "乙县": Observation(20.0, 2_000, 10_000)}
    rolled = rollup(Aggregation.RATIO, children)
    assert rolled.value == pytest.approx(12_000 / 110_000 * 100)  # 10.909…%
    assert (rolled.numerator, rolled.denominator) == (12_000, 110_000)


def test_a_missing_child_makes_a_gap_and_keeps_the_partial_figure() -> None:
    rolled = rollup(Aggregation.SUM, {"甲县": Observation(5), "乙县": None, "丙县": Observation(7)})
    assert rolled.value is None and rolled.is_gap
    assert rolled.missing == ("乙县",) and rolled.partial == 12
    assert rolled.inputs()["缺数的下级"] == "乙县"


def test_a_zero_is_a_figure_and_not_a_gap() -> None:
    rolled = rollup(Aggregation.SUM, {"甲县": Observation(0), "乙县": Observation(3)})
    assert rolled.value == 3


def test_a_ratio_child_without_parts_is_missing() -> None:
    rolled = rollup(Aggregation.RATIO, {"甲县": Observation(10.0, 1, 10), "乙县": Observation(20.0)})
    assert rolled.value is None and rolled.missing == ("乙县",) and rolled.partial == pytest.approx(10.0)


def test_an_indicator_that_does_not_aggregate_never_rolls_up() -> None:
    assert rollup(Aggregation.NONE, {"甲县": Observation(1)}).value is None


def tree() -> RegionTree:
    t = RegionTree()
    t.add("city", None, "市")
    t.add("a", "city", "甲县")
    t.add("b", "city", "乙县")
    t.add("a1", "a", "甲县一镇")
    t.add("a2", "a", "甲县二镇")
    return t


def test_a_recorded_value_wins_over_the_rollup_and_grandchildren_roll_up_twice() -> None:
    recorded = {
        ("a1", "2024"): Observation(3),
        ("a2", "2024"): Observation(4),
        ("b", "2024"): Observation(10),
        ("city", "2025"): Observation(99),
        ("a", "2025"): Observation(1),
        ("b", "2025"): Observation(2),
    }
    figure = resolve_series(tree(), recorded, Aggregation.SUM)
    assert figure("a", "2024").value == 7
    assert figure("city", "2024").value == 17
    assert figure("city", "2025").value == 99 and figure("city", "2025").origin == "direct"


def test_a_gap_below_propagates_up_as_a_gap() -> None:
    recorded = {("a1", "2024"): Observation(3), ("b", "2024"): Observation(10)}
    figure = resolve_series(tree(), recorded, Aggregation.SUM)
    assert figure("a", "2024").missing == ("甲县二镇",)
    city = figure("city", "2024")
    assert city.value is None and city.missing == ("甲县",) and city.partial == 10


def test_a_rate_without_parts_gets_them_from_the_denominator() -> None:
    t = RegionTree()
    t.add("city", None, "市")
    t.add("a", "city", "甲县")
    t.add("b", "city", "乙县")
    recorded = {("a", "2024"): Observation(4.0), ("b", "2024"): Observation(1.0, 1_000, 100_000)}
    population = {"a": 300_000.0}

    def complete(region: str, period: str, obs: Observation) -> Observation:
        if obs.numerator is None and obs.value is not None and region in population:
            return Observation(obs.value, obs.value * population[region] / 100, population[region])
        return obs

    city = resolve_series(t, recorded, Aggregation.RATIO, complete=complete)("city", "2024")
    # (12 000 + 1 000) / (300 000 + 100 000) = 3.25%
    assert city.value == pytest.approx(3.25)

"""Scoring rules applied to answer matrices."""

from __future__ import annotations

import numpy as np
import pytest

from kesu.stats import (
    BENCHMARK_2016_RULE,
    CURRENT_RULE,
    MILLER_RULE,
    DimensionThresholdRule,
    DimensionWeightedRule,
    Grade,
    Item,
    ScoringError,
    answer_key,
    encode_answers,
    score_answers,
)

TF = ("对", "错")
ABCD = ("A", "B", "C", "D")


def _bank() -> list[Item]:
    """Ten items: 5 knowledge, 2 method, 2 spirit, 1 application; one multiple choice."""
    items = [Item(f"K{i}", "科学知识", "tf", TF, frozenset({"对"})) for i in range(5)]
    items += [
        Item("M1", "科学方法", "choice", ABCD, frozenset({"B"})),
        Item("M2", "科学方法", "multi", ABCD, frozenset({"A", "C"})),
    ]
    items += [
        Item(f"S{i}", "科学精神与思想", "choice", ("相信", "不相信"), frozenset({"不相信"})) for i in range(2)
    ]
    items += [Item("P1", "应用科学的能力", "choice", ABCD, frozenset({"D"}))]
    return items


def _answers(rows: list[list[str]]) -> np.ndarray:
    return encode_answers(rows, _bank())


ALL_RIGHT = ["对"] * 5 + ["B", "A|C", "不相信", "不相信", "D"]


def test_a_respondent_with_every_answer_right_scores_100_and_is_high_grade() -> None:
    result = score_answers(_answers([ALL_RIGHT]), answer_key(_bank()), _bank(), CURRENT_RULE)
    assert result.scores.tolist() == [100.0]
    assert result.literate.tolist() == [1]
    assert result.grade_names().tolist() == ["高阶"]


def test_dimension_scores_are_weight_times_share_correct() -> None:
    # knowledge 3/5 → 24, method 1/2 → 10, spirit 2/2 → 20, application 0/1 → 0: total 54.
    row = ["对", "对", "对", "错", "错", "B", "A", "不相信", "不相信", "A"]
    result = score_answers(_answers([row]), answer_key(_bank()), _bank(), CURRENT_RULE)
    assert result.scores[0] == pytest.approx(54.0)
    assert result.literate[0] == 0
    assert result.grade_names()[0] == "较低"
    assert result.dimension_shares[0].tolist() == pytest.approx([0.6, 0.5, 1.0, 0.0])


def test_a_score_of_exactly_70_passes_despite_floating_point_sums() -> None:
    # knowledge 5/5 → 40, method 0/2, spirit 1/2 → 10, application 1/1 → 20: exactly 70.
    row = ["对"] * 5 + ["A", "A", "不相信", "相信", "D"]
    result = score_answers(_answers([row]), answer_key(_bank()), _bank(), CURRENT_RULE)
    assert result.scores[0] == pytest.approx(70.0)
    assert result.literate[0] == 1
    assert result.grade_names()[0] == "具备"


def test_multiple_choice_needs_the_exact_set_of_options() -> None:
    rows = [ALL_RIGHT[:6] + [answer] + ALL_RIGHT[7:] for answer in ("A|C", "C|A", "A", "A|B|C", "")]
    correct = score_answers(_answers(rows), answer_key(_bank()), _bank(), CURRENT_RULE).dimension_shares[:, 1]
    assert correct.tolist() == [1.0, 1.0, 0.5, 0.5, 0.5]


def test_grades_follow_the_2024_thresholds() -> None:
    scores = np.array([100.0, 85.0, 84.9, 70.0, 69.9, 55.0, 54.9, 0.0])
    assert np.asarray(CURRENT_RULE.grade_labels)[CURRENT_RULE.grade_codes(scores)].tolist() == [
        "高阶",
        "高阶",
        "具备",
        "具备",
        "基本具备",
        "基本具备",
        "较低",
        "较低",
    ]


def test_the_2016_benchmark_rule_gives_2_points_per_item_and_passes_at_60_percent() -> None:
    items = [Item(f"Q{i}", "科学知识", "tf", TF, frozenset({"对"})) for i in range(50)]
    answers = np.where(np.arange(50)[np.newaxis, :] < np.array([[30], [29]]), 1, 2)
    result = score_answers(answers, answer_key(items), items, BENCHMARK_2016_RULE)
    assert result.scores.tolist() == [60.0, 58.0]
    assert result.literate.tolist() == [1, 0]
    assert result.grade_names().tolist() == ["具备", "不具备"]


def test_miller_rule_needs_every_dimension_to_pass() -> None:
    items = [Item(f"K{i}", "科学知识", "tf", TF, frozenset({"对"})) for i in range(5)]
    items += [Item(f"M{i}", "科学方法", "tf", TF, frozenset({"对"})) for i in range(5)]
    items += [Item(f"S{i}", "科学精神与思想", "tf", TF, frozenset({"对"})) for i in range(5)]
    strong_but_superstitious = [1] * 10 + [2] * 5
    balanced = [1, 1, 1, 2, 2] * 3
    result = score_answers(
        np.array([strong_but_superstitious, balanced]), answer_key(items), items, MILLER_RULE
    )
    assert result.literate.tolist() == [0, 1]
    assert result.dimensions == ("科学知识", "科学方法", "科学与社会")


def test_custom_thresholds_change_who_passes() -> None:
    lenient = DimensionWeightedRule(
        name="本地 60 分",
        grades=(Grade(60, "具备"),),
        lowest_grade="不具备",
        dimension_points=dict(CURRENT_RULE.dimension_points),
        pass_score=60,
    )
    row = ["对"] * 5 + ["A", "A", "不相信", "相信", "A"]  # 40 + 0 + 10 + 0 = 50
    row2 = ["对"] * 5 + ["B", "A", "不相信", "相信", "A"]  # 40 + 10 + 10 + 0 = 60
    result = score_answers(_answers([row, row2]), answer_key(_bank()), _bank(), lenient)
    assert result.literate.tolist() == [0, 1]
    strict_miller = DimensionThresholdRule(
        name="严格",
        grades=(Grade(100, "具备"),),
        lowest_grade="不具备",
        dimension_thresholds={"科学知识": 1.0},
    )
    assert score_answers(_answers([row]), answer_key(_bank()), _bank(), strict_miller).literate.tolist() == [
        1
    ]


def test_an_answer_that_is_not_an_option_is_named_in_the_error() -> None:
    with pytest.raises(ScoringError, match="M1.*“E”"):
        _answers([ALL_RIGHT[:5] + ["E"] + ALL_RIGHT[6:]])


def test_a_rule_dimension_without_items_is_an_error() -> None:
    items = [item for item in _bank() if item.dimension != "应用科学的能力"]
    answers = np.zeros((1, len(items)), dtype=np.int64)
    with pytest.raises(ScoringError, match="应用科学的能力"):
        score_answers(answers, answer_key(items), items, CURRENT_RULE)


def test_items_load_from_rows_shaped_like_the_public_item_bank() -> None:
    item = Item.from_row(
        {
            "id": "A12",
            "dimension": "科学知识",
            "type": "choice",
            "options": "地球绕着太阳转|太阳绕着地球转",
            "answer": "地球绕着太阳转",
        }
    )
    assert item.key_mask == 1
    with pytest.raises(ScoringError, match="A13"):
        Item.from_row(
            {"id": "A13", "dimension": "科学知识", "type": "tf", "options": "对|错", "answer": "是"}
        )

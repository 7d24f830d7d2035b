"""Scoring of civic scientific literacy tests.

Answers are coded as bit masks of the options a respondent chose (option k sets bit k), so that
true/false, single choice and multiple choice all score the same way: an item is correct when
the chosen set equals the keyed set exactly. A skipped item (mask 0) is wrong.

Scoring rules are data (frozen dataclasses), so an office can keep the current national rule,
the 2016 基准 rule, Miller's pre-2016 rule, or thresholds of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .errors import ScoringError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Scores such as 40 × 7/10 + 20 × 3/5 + ... are sums of binary fractions: 70 can come out as
# 69.99999999999999. Thresholds are compared with this tolerance so a respondent exactly on a
# cut-off is classified as the rule intends.
_THRESHOLD_TOLERANCE = 1e-9

OPTION_SEPARATOR = "|"


@dataclass(frozen=True)
class Item:
    """A test item: its dimension, type ('tf', 'choice' or 'multi'), options and keyed answer."""

    id: str
    dimension: str
    type: str
    options: tuple[str, ...]
    answer: frozenset[str]

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> Item:
        """Build from a row shaped like items_public.csv (options and answer separated by '|')."""
        options = tuple(row["options"].split(OPTION_SEPARATOR))
        answer = frozenset(row["answer"].split(OPTION_SEPARATOR))
        item = cls(row["id"], row["dimension"], row["type"], options, answer)
        item.mask_of(answer)  # validates the key against the options
        return item

    def mask_of(self, chosen: frozenset[str] | set[str]) -> int:
        """Bit mask of a set of chosen option texts."""
        mask = 0
        for text in chosen:
            try:
                mask |= 1 << self.options.index(text)
            except ValueError:
                raise ScoringError(
                    f"题目 {self.id} 没有选项“{text}”（可选：{'、'.join(self.options)}）。"
                ) from None
        return mask

    @property
    def key_mask(self) -> int:
        return self.mask_of(self.answer)


@dataclass(frozen=True)
class Grade:
    """Respondents scoring at least `min_score` get `label` (the highest grade reached wins)."""

    min_score: float
    label: str


@dataclass(frozen=True)
class ScoringRule:
    """Base of all rules: a name and the grades, highest first, with the label below them all."""

    name: str
    grades: tuple[Grade, ...]
    lowest_grade: str

    @property
    def grade_labels(self) -> tuple[str, ...]:
        """Labels in code order: code i is grades[i], the last code is the lowest grade."""
        return (*(g.label for g in self.grades), self.lowest_grade)

    def grade_codes(self, scores: FloatArray) -> IntArray:
        codes = np.full(scores.shape, len(self.grades), dtype=np.int64)
        for index in range(len(self.grades) - 1, -1, -1):  # lowest threshold first, higher overwrite
            codes[scores >= self.grades[index].min_score - _THRESHOLD_TOLERANCE] = index
        return codes


@dataclass(frozen=True)
class DimensionWeightedRule(ScoringRule):
    """Each dimension scores points × share of its items correct; the total decides literacy."""

    dimension_points: Mapping[str, float] = field(default_factory=dict)
    pass_score: float = 70.0


@dataclass(frozen=True)
class ItemPointsRule(ScoringRule):
    """Every item is worth the same points; a share of items correct decides literacy."""

    points_per_item: float = 2.0
    pass_share: float = 0.6


@dataclass(frozen=True)
class DimensionThresholdRule(ScoringRule):
    """Miller-style: literate only when every dimension reaches its own share correct.

    `dimension_map` renames item dimensions to the rule's (items of unmapped dimensions that
    the rule does not name are ignored); the score is the percentage of counted items correct.
    """

    dimension_thresholds: Mapping[str, float] = field(default_factory=dict)
    dimension_map: Mapping[str, str] = field(default_factory=dict)


# The rule published for the 2022 and 2024 national rounds (grades since 2024).
CURRENT_RULE = DimensionWeightedRule(
    name="2024 百分制",
    grades=(Grade(85, "高阶"), Grade(70, "具备"), Grade(55, "基本具备")),
    lowest_grade="较低",
    dimension_points={"科学知识": 40.0, "科学方法": 20.0, "科学精神与思想": 20.0, "应用科学的能力": 20.0},
    pass_score=70.0,
)

# 《中国公民科学素质基准》 (2016): 50 items, 2 points each, 60% correct passes.
BENCHMARK_2016_RULE = ItemPointsRule(
    name="2016 基准",
    grades=(Grade(60, "具备"),),
    lowest_grade="不具备",
    points_per_item=2.0,
    pass_share=0.6,
)

# Miller's three dimensions as used before 2016. The thresholds are parameters: the defaults
# (60% correct in each dimension) are a starting point, not the official cut-offs.
MILLER_RULE = DimensionThresholdRule(
    name="米勒三维度",
    grades=(Grade(100, "具备"),),
    lowest_grade="不具备",
    dimension_thresholds={"科学知识": 0.6, "科学方法": 0.6, "科学与社会": 0.6},
    dimension_map={"科学精神与思想": "科学与社会"},
)


@dataclass(frozen=True)
class ScoreResult:
    """Per respondent: score, literate (具备科学素质) and grade; per dimension: share correct."""

    scores: FloatArray
    literate: npt.NDArray[np.uint8]
    grade: IntArray
    grade_labels: tuple[str, ...]
    dimensions: tuple[str, ...]
    dimension_shares: FloatArray

    def grade_names(self) -> npt.NDArray[np.str_]:
        return np.asarray(self.grade_labels)[self.grade]


def answer_key(items: Sequence[Item]) -> IntArray:
    """The keyed answers of the items as bit masks."""
    return np.array([item.key_mask for item in items], dtype=np.int64)


def encode_answers(rows: Sequence[Sequence[str | None]], items: Sequence[Item]) -> IntArray:
    """Option texts (multiple choices joined by '|'; empty or None = skipped) to bit masks."""
    masks = np.zeros((len(rows), len(items)), dtype=np.int64)
    lookups = [{text: 1 << k for k, text in enumerate(item.options)} for item in items]
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                try:
                    masks[r, c] = sum(lookups[c][t] for t in set(text.split(OPTION_SEPARATOR)))
                except KeyError as exc:
                    raise ScoringError(
                        f"第 {r + 1} 位受访者对题目 {items[c].id} 的回答“{text}”不是该题的选项。"
                    ) from exc
    return masks


def score_answers(
    answers: npt.ArrayLike, key: npt.ArrayLike, items_meta: Sequence[Item], rule: ScoringRule
) -> ScoreResult:
    """Score an (n respondents × m items) matrix of answer masks against the key."""
    matrix = np.asarray(answers)
    key_row = np.asarray(key)
    if matrix.ndim != 2 or matrix.shape[1] != len(items_meta) or key_row.shape != (len(items_meta),):
        raise ScoringError(
            f"答案矩阵为 {matrix.shape}，答案键 {key_row.shape}，题目 {len(items_meta)} 道：列数必须与题目数一致。"
        )
    correct = matrix == key_row[np.newaxis, :]
    if isinstance(rule, DimensionWeightedRule):
        return _score_weighted(correct, items_meta, rule)
    if isinstance(rule, ItemPointsRule):
        return _score_points(correct, rule)
    if isinstance(rule, DimensionThresholdRule):
        return _score_thresholds(correct, items_meta, rule)
    raise ScoringError(f"不支持的评分规则类型：{type(rule).__name__}。")


def _dimension_counts(
    correct: BoolArray, item_dimensions: Sequence[str], dimensions: Sequence[str]
) -> IntArray:
    """Items correct per respondent and dimension (n × d), summing column blocks in int16."""
    counts = np.empty((correct.shape[0], len(dimensions)), dtype=np.int64)
    for d, name in enumerate(dimensions):
        columns = [j for j, dim in enumerate(item_dimensions) if dim == name]
        counts[:, d] = correct[:, columns].sum(axis=1, dtype=np.int16)
    return counts


def _items_per_dimension(
    item_dimensions: Sequence[str], dimensions: Sequence[str], rule: ScoringRule
) -> FloatArray:
    totals = np.array([sum(dim == name for dim in item_dimensions) for name in dimensions], dtype=np.float64)
    empty = [name for name, total in zip(dimensions, totals, strict=True) if total == 0]
    if empty:
        raise ScoringError(f"评分规则“{rule.name}”要求维度 {'、'.join(empty)}，但题目中没有该维度的题。")
    return totals


def _score_weighted(correct: BoolArray, items: Sequence[Item], rule: DimensionWeightedRule) -> ScoreResult:
    dimensions = tuple(rule.dimension_points)
    item_dimensions = [item.dimension for item in items]
    unknown = sorted({d for d in item_dimensions if d not in rule.dimension_points})
    if unknown:
        raise ScoringError(f"题目的维度 {'、'.join(unknown)} 不在评分规则“{rule.name}”中。")
    shares = _dimension_counts(correct, item_dimensions, dimensions) / _items_per_dimension(
        item_dimensions, dimensions, rule
    )
    points = np.array([rule.dimension_points[d] for d in dimensions], dtype=np.float64)
    scores = shares @ points  # Σ_d points_d × share correct_d
    literate = scores >= rule.pass_score - _THRESHOLD_TOLERANCE
    return ScoreResult(
        scores, literate.astype(np.uint8), rule.grade_codes(scores), rule.grade_labels, dimensions, shares
    )


def _score_points(correct: BoolArray, rule: ItemPointsRule) -> ScoreResult:
    n_correct = correct.sum(axis=1, dtype=np.int64)
    share = n_correct / correct.shape[1]
    scores = rule.points_per_item * n_correct.astype(np.float64)
    literate = share >= rule.pass_share - _THRESHOLD_TOLERANCE
    grade = (
        np.where(literate, 0, len(rule.grades)).astype(np.int64)
        if len(rule.grades) == 1
        else rule.grade_codes(scores)
    )
    return ScoreResult(
        scores, literate.astype(np.uint8), grade, rule.grade_labels, ("全部",), share[:, np.newaxis]
    )


def _score_thresholds(correct: BoolArray, items: Sequence[Item], rule: DimensionThresholdRule) -> ScoreResult:
    dimensions = tuple(rule.dimension_thresholds)
    item_dimensions = [rule.dimension_map.get(item.dimension, item.dimension) for item in items]
    counted = [j for j, dim in enumerate(item_dimensions) if dim in rule.dimension_thresholds]
    counts = _dimension_counts(correct, item_dimensions, dimensions)
    shares = counts / _items_per_dimension(item_dimensions, dimensions, rule)
    thresholds = np.array([rule.dimension_thresholds[d] for d in dimensions], dtype=np.float64)
    literate = np.all(shares >= thresholds - _THRESHOLD_TOLERANCE, axis=1)
    scores = 100.0 * counts.sum(axis=1) / len(counted)
    grade = np.where(literate, 0, len(rule.grades)).astype(np.int64)
    return ScoreResult(scores, literate.astype(np.uint8), grade, rule.grade_labels, dimensions, shares)

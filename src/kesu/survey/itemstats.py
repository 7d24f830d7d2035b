"""Per-item statistics of a wave: how many answered, how many got it right, the median time taken."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import median
from typing import Any

from kesu.survey.models import Answer, Item, RespondentStatus, Wave

HEADERS = [
    "题号",
    "维度",
    "题型",
    "题干",
    "作答人数",
    "未答人数",
    "答对率（%）",
    "中位用时（秒）",
    "计时人数",
]


@dataclass
class ItemStats:
    item: Item
    answered: int
    skipped: int
    correct_percent: float | None
    median_seconds: float | None
    timed: int

    def row(self) -> list[Any]:
        item = self.item
        return [
            item.code,
            item.dimension,
            item.get_type_display(),
            item.stem,
            self.answered,
            self.skipped,
            self.correct_percent,
            self.median_seconds,
            self.timed,
        ]


def item_statistics(wave: Wave) -> list[ItemStats]:
    """Over submitted questionnaires only, like the estimates. Time exists for web answers only:
    paper and CAPI imports carry none, so the median is over the answers that were timed."""
    choices: dict[int, list[str]] = defaultdict(list)
    seconds: dict[int, list[float]] = defaultdict(list)
    answers = Answer.objects.filter(respondent__wave=wave, respondent__status=RespondentStatus.COMPLETE)
    for item_id, choice, spent in answers.values_list("item_id", "choice", "seconds").iterator(
        chunk_size=5000
    ):
        choices[item_id].append(choice)
        if spent is not None:
            seconds[item_id].append(spent)
    rows = []
    for item in wave.instrument.items.order_by("order"):
        given = [c for c in choices[item.pk] if c]
        key = set(item.answer)
        right = sum(set(c.split("|")) == key for c in given)
        times = seconds[item.pk]
        rows.append(
            ItemStats(
                item,
                len(given),
                len(choices[item.pk]) - len(given),
                100 * right / len(given) if given else None,
                median(times) if times else None,
                len(times),
            )
        )
    return rows

"""Per-item statistics of a wave: how many answered, how many got it right, the median time taken."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import median
from typing import Any

import numpy as np

from kesu.survey.analysis import answer_masks, complete_respondents, stats_items
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
    """Over submitted questionnaires only, like the estimates. Answers come from the sheets (paper,
    CAPI and web alike); time exists for web answers only, so the median is over the timed answers."""
    items = list(wave.instrument.items.order_by("order", "pk"))
    masks = answer_masks(complete_respondents(wave), items)
    seconds: dict[int, list[float]] = defaultdict(list)
    timed = Answer.objects.filter(
        respondent__wave=wave, respondent__status=RespondentStatus.COMPLETE, seconds__isnull=False
    )
    for item_id, spent in timed.values_list("item_id", "seconds").iterator(chunk_size=5000):
        if spent is not None:
            seconds[item_id].append(spent)
    rows = []
    for j, item in enumerate(items):
        column = masks[:, j]
        given = int(np.count_nonzero(column))
        right = int(np.count_nonzero(column == stats_items([item])[0].key_mask)) if given else 0
        times = seconds[item.pk]
        rows.append(
            ItemStats(
                item,
                given,
                len(column) - given,
                100 * right / given if given else None,
                median(times) if times else None,
                len(times),
            )
        )
    return rows

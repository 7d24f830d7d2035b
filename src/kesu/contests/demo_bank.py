"""The demo's item bank: 120 items of basic science literacy over the 2025 Henan topic list
(安全生产, 前沿科技, 信息技术, 生态环境, 防灾减灾, 卫生健康, 食品安全, 科学家精神, 《科普法》),
kept as data in ``kesu/data/contests/demo_bank.json`` and loaded through the same checks as an import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kesu.contests import bank
from kesu.contests.models import Contest
from kesu.core.demo import DATA_DIR
from kesu.quiz import items as quizitems

DEMO_BANK = Path(DATA_DIR) / "contests" / "demo_bank.json"


def demo_rows() -> list[quizitems.ItemRow]:
    """The demo items, each checked as an imported row would be (a bad item is a bug in the data file)."""
    rows = []
    for entry in json.loads(DEMO_BANK.read_text(encoding="utf-8")):
        row, problems = quizitems.check_item(_cells(entry), list(entry["options"]))
        if row is None:
            raise ValueError(f"{entry['code']}: {problems.items}")
        rows.append(row)
    return rows


def _cells(entry: dict[str, Any]) -> dict[str, str]:
    return {
        "code": entry["code"],
        "type": entry["type"],
        "stem": entry["stem"],
        "answer": entry["answer"],
        "explanation": entry.get("explanation", ""),
        "topics": "、".join(entry.get("topics", [])),
        "difficulty": str(entry.get("difficulty", 2)),
    }


def load_demo_bank(contest: Contest) -> int:
    """Load the demo items into a draft own contest's bank; items it already has (by code) are skipped,
    so running the demo twice adds nothing. Returns how many were added."""
    have = set(contest.items.values_list("code", flat=True))
    rows = [row for row in demo_rows() if row.code not in have]
    if not rows:
        return 0
    return bank.import_items(None, contest, rows, filename=DEMO_BANK.name)

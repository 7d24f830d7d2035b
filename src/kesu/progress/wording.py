"""Figures and comparisons as a leader reads them: 13.09%, 1,500人, 不低于 — never 13.0900, 1500.4人 or >=.

Plain Python, no Django: the status explanations and every page that shows a target ask these.
"""

from __future__ import annotations

import math

# Units that count whole things: a number of people, events or places has no fraction.
WHOLE_UNITS = frozenset(
    {
        "人",
        "人次",
        "名",
        "个",
        "家",
        "所",
        "场",
        "场次",
        "次",
        "期",
        "支",
        "座",
        "处",
        "项",
        "户",
        "村",
        "校",
        "篇",
        "部",
        "件",
        "万人",
        "万人次",
    }
)
COMPARATOR_WORDS = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "=": "达到", "": "达到"}


def number(value: float | None, unit: str = "", digits: int = 2) -> str:
    """132个, 13.09%, 1.5万人次 (万-units keep one decimal), 2,300人; ``—`` for no figure."""
    if value is None:
        return "—"
    if unit in WHOLE_UNITS and not unit.startswith("万"):
        text = f"{math.floor(value + 0.5):,}"  # half up, as people round: 0.5人次 → 1人次
    else:
        text = f"{round(value, 1 if unit.startswith('万') else digits):,.{digits}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{text}{unit}"


def comparator(sign: str) -> str:
    """不低于 for >=, 不高于 for <=: the words a plan itself uses."""
    return COMPARATOR_WORDS.get(sign.strip(), "达到")


def target(value: float, unit: str, sign: str = ">=") -> str:
    """目标 15% (a plain ≥ target reads as the figure alone), 目标不高于 5%."""
    words = comparator(sign)
    return (
        f"目标 {number(value, unit)}" if words in ("不低于", "达到") else f"目标{words} {number(value, unit)}"
    )


def percent(share: float) -> str:
    """0.861 → 86%: a ratio a person reads as a share."""
    return f"{round(share * 100):d}%"

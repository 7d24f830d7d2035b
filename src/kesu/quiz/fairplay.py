"""Fair-play heuristics for an own contest, with no Django (docs/contests.md, 本级自办竞赛).

A person has to read an item's stem and options before answering. An answer that comes back faster
than even a quick reader could read them is a sign of a script or of an answer-lookup tool; one such
answer is noise (a lucky tap), several in an attempt are a pattern. Flagged attempts stay counted
until the office looks at them and voids them with a reason: flagging decides nothing on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ReadingPace:
    """How fast the fastest honest reader gets through an item.

    Skimming Chinese runs at about 10–15 characters a second; 25 a second with a 0.6 s tap is well
    beyond that, so only answers faster than that are counted as too fast.
    """

    chars_per_second: float = 25.0
    reaction_ms: int = 600
    # An attempt is flagged when at least this many answers, and this share of its answers, were too fast.
    min_fast_answers: int = 3
    min_fast_share: float = 0.3


DEFAULT_PACE = ReadingPace()


@dataclass(frozen=True)
class TimedAnswer:
    position: int
    text_chars: int  # characters of the stem and the options shown
    answer_ms: int | None  # from showing the item to the answer arriving; None when never answered


def reading_floor_ms(text_chars: int, pace: ReadingPace = DEFAULT_PACE) -> int:
    """The fewest milliseconds in which a person could read this much text and tap an answer."""
    return pace.reaction_ms + int(1000 * max(0, text_chars) / pace.chars_per_second)


def too_fast(answer: TimedAnswer, pace: ReadingPace = DEFAULT_PACE) -> bool:
    return answer.answer_ms is not None and answer.answer_ms < reading_floor_ms(answer.text_chars, pace)


@dataclass(frozen=True)
class Verdict:
    flagged: bool
    fast_positions: list[int]
    reason: str


def judge_attempt(answers: Sequence[TimedAnswer], pace: ReadingPace = DEFAULT_PACE) -> Verdict:
    """Whether an attempt's answer times look like a script or a lookup tool, and why, in Chinese."""
    answered = [a for a in answers if a.answer_ms is not None]
    fast = [a.position for a in answered if too_fast(a, pace)]
    flagged = (
        bool(answered)
        and len(fast) >= pace.min_fast_answers
        and len(fast) / len(answered) >= pace.min_fast_share
    )
    reason = (
        f"{len(fast)} 道题的作答时间短于阅读题目所需时间（第 {'、'.join(map(str, fast))} 题）"
        if flagged
        else ""
    )
    return Verdict(flagged, fast, reason[:200])


def text_length(stem: str, options: Iterable[str]) -> int:
    """Characters a reader has to take in: the stem and every option, without spaces."""
    return len("".join(stem.split())) + sum(len("".join(o.split())) for o in options)

"""Scoring an own contest's answers and ordering its participants, with no Django (docs/contests.md).

An answer is a list of option letters (判断: "A" 正确, "B" 错误). 判断 and 单选 are right when the one
letter is the key; 多选 only when the set of letters is exactly the key (all or nothing, no partial
points). A late answer is wrong whatever it says. A participant's result is their best attempt or the
sum of their attempts, and participants are ordered by the contest's tie-break list, e.g. score
descending, then time taken ascending, then who entered the result first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

LETTERS = "ABCDEFGH"
JUDGE, SINGLE, MULTI = "judge", "single", "multi"

SCORE_DESC, TIME_ASC, FIRST_ENTRY_ASC = "score_desc", "time_asc", "first_entry_asc"
TIE_BREAKS = (SCORE_DESC, TIME_ASC, FIRST_ENTRY_ASC)
TIE_BREAK_LABELS = {SCORE_DESC: "得分高者在前", TIME_ASC: "用时短者在前", FIRST_ENTRY_ASC: "先提交者在前"}
DEFAULT_TIE_BREAK = TIE_BREAKS
BEST, SUM = "best", "sum"


def normalise_answer(raw: object, option_count: int) -> list[str] | None:
    """The letters chosen, sorted and unique; None when the answer is not a list of valid letters."""
    if not isinstance(raw, list) or not raw or len(raw) > option_count:
        return None
    valid = LETTERS[:option_count]
    letters: set[str] = set()
    for value in raw:
        if not isinstance(value, str) or len(value.strip()) != 1 or value.strip().upper() not in valid:
            return None
        letters.add(value.strip().upper())
    return sorted(letters)


def is_correct(item_type: str, key: Sequence[str], given: Sequence[str] | None) -> bool:
    """判断/单选: the one letter; 多选: exactly the key's letters, in any order."""
    if not given or not key:
        return False
    if item_type in (JUDGE, SINGLE) and len(given) != 1:
        return False
    return sorted(set(given)) == sorted(set(key))


def points_for(
    item_type: str, key: Sequence[str], given: Sequence[str] | None, *, late: bool, points: int
) -> int:
    """The points an answer earns: all of them when right and on time, else none."""
    return points if not late and is_correct(item_type, key, given) else 0


def is_late(answered_at: datetime, *deadlines: datetime | None, grace_seconds: float = 0) -> bool:
    """Whether the answer arrived after any deadline that applies (the item's, the attempt's), allowing a
    small grace for the network between the phone's last tap and the server."""
    return any(
        deadline is not None and (answered_at - deadline).total_seconds() > grace_seconds
        for deadline in deadlines
    )


@dataclass(frozen=True)
class AttemptTotal:
    correct: int
    score: int
    full_score: bool


def attempt_total(points: Iterable[int], item_count: int, points_per_item: int) -> AttemptTotal:
    """An attempt's score from its items' points; full score means every drawn item was right."""
    earned = list(points)
    correct = sum(1 for p in earned if p > 0)
    score = sum(earned)
    return AttemptTotal(correct, score, item_count > 0 and score >= item_count * points_per_item)


@dataclass(frozen=True)
class Result:
    """What counts for one participant: the kept score, its time, and when it was entered."""

    participant: int
    score: int
    duration_ms: int
    entered_at: datetime


@dataclass(frozen=True)
class AttemptResult:
    participant: int
    score: int
    duration_ms: int
    finished_at: datetime


def combine(
    attempts: Iterable[AttemptResult], mode: str, order: Sequence[str] = DEFAULT_TIE_BREAK
) -> list[Result]:
    """One result per participant: the best attempt (by the same order as the ranking) or the sum of all
    attempts (score and time added, entered when the last one was)."""
    by_participant: dict[int, list[AttemptResult]] = {}
    for attempt in attempts:
        by_participant.setdefault(attempt.participant, []).append(attempt)
    results = []
    for participant, own in by_participant.items():
        if mode == SUM:
            results.append(
                Result(
                    participant,
                    sum(a.score for a in own),
                    sum(a.duration_ms for a in own),
                    max(a.finished_at for a in own),
                )
            )
        else:
            best = min(own, key=lambda a: sort_key(a.score, a.duration_ms, a.finished_at, order))
            results.append(Result(participant, best.score, best.duration_ms, best.finished_at))
    return results


def sort_key(
    score: int, duration_ms: int, entered_at: datetime, order: Sequence[str] = DEFAULT_TIE_BREAK
) -> tuple[float, ...]:
    """Ascending sort key for the ranking: the contest's tie-breaks in its order. Score descending
    always comes first even if the office left it out; the rest follow the list."""
    parts: list[float] = [-score]
    for rule in clean_order(order)[1:]:
        if rule == TIME_ASC:
            parts.append(duration_ms)
        elif rule == FIRST_ENTRY_ASC:
            parts.append(entered_at.timestamp())
    return tuple(parts)


def clean_order(order: Sequence[str] | None) -> list[str]:
    """The tie-break list as configured, known rules only, score first, no repeats."""
    rules = [SCORE_DESC] + [r for r in (order or DEFAULT_TIE_BREAK) if r in TIE_BREAKS and r != SCORE_DESC]
    return list(dict.fromkeys(rules))


@dataclass(frozen=True)
class Ranked:
    rank: int
    result: Result


def ranked(results: Iterable[Result], order: Sequence[str] = DEFAULT_TIE_BREAK) -> list[Ranked]:
    """Results in ranking order with competition ranks: equal keys share a rank (1, 2, 2, 4)."""
    rows = sorted(
        results, key=lambda r: (sort_key(r.score, r.duration_ms, r.entered_at, order), r.participant)
    )
    out: list[Ranked] = []
    previous: tuple[float, ...] | None = None
    for index, result in enumerate(rows, start=1):
        key = sort_key(result.score, result.duration_ms, result.entered_at, order)
        rank = out[-1].rank if previous == key and out else index
        out.append(Ranked(rank, result))
        previous = key
    return out

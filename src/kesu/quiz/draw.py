"""The draw rule of an own contest, checked against the bank, and one attempt's random draw.

Pure (no Django). A rule asks for N items of each type (南京 2018: 7 判断, 7 单选, 6 多选) and at least
M items of some topics ("卫生健康" ≥ 2). ``check`` says in Chinese what the bank lacks; ``draw`` picks one
attempt's items at random, topic minimums first (scarcest topic first), then each type's remaining
quota, with the caller's ``random.Random`` so a seed reproduces a draw. Items come shown by type
(判断, 单选, 多选), shuffled within each type, as the real contests show them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kesu.quiz.items import TYPE_LABELS, TYPE_ORDER

# A greedy draw can miss a combination that exists when items carry several topics; this many tries
# (each a fresh random order) finds one in practice, and ``check`` runs the same tries before a
# rule is accepted, so a rule that passed the check does not fail at an attempt's start.
TRIES = 30


class DrawError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Candidate:
    """An active bank item as the draw sees it."""

    id: int
    type: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    counts: dict[str, int]  # type -> items per attempt
    topics: dict[str, int] = field(default_factory=dict)  # topic -> at least this many

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, Any]:
        return {**{t: self.counts.get(t, 0) for t in TYPE_ORDER}, "topics": dict(self.topics)}


@dataclass(frozen=True)
class Summary:
    """How many active items the bank has by type, by topic within each type."""

    by_type: dict[str, int]
    by_type_topic: dict[tuple[str, str], int]

    def topic_total(self, topic: str, types: Sequence[str] = TYPE_ORDER) -> int:
        return sum(n for (t, name), n in self.by_type_topic.items() if name == topic and t in types)

    @property
    def topics(self) -> list[str]:
        return sorted({name for _, name in self.by_type_topic})


def parse_rule(data: Mapping[str, Any] | None) -> Rule:
    """A rule from ``Contest.draw_rule`` ({"judge": 7, "single": 7, "multi": 6, "topics": {"卫生健康": 2}})."""
    data = data or {}
    counts = {t: _count(data.get(t)) for t in TYPE_ORDER}
    topics = {str(k): _count(v) for k, v in (data.get("topics") or {}).items() if _count(v) > 0}
    return Rule(counts, topics)


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def summarise(candidates: Sequence[Candidate]) -> Summary:
    by_type: Counter[str] = Counter()
    by_type_topic: Counter[tuple[str, str]] = Counter()
    for c in candidates:
        by_type[c.type] += 1
        for topic in c.topics:
            by_type_topic[(c.type, topic)] += 1
    return Summary(dict(by_type), dict(by_type_topic))


def check(rule: Rule, candidates: Sequence[Candidate]) -> list[str]:
    """What the bank lacks for this rule, in Chinese; empty when every attempt can be drawn."""
    if rule.total == 0:
        return ["抽题规则还没有设置：每次答题至少要抽 1 道题"]
    summary = summarise(candidates)
    problems = [
        f"{TYPE_LABELS[t]}需要 {n} 道，题库只有 {summary.by_type.get(t, 0)} 道"
        for t, n in rule.counts.items()
        if n > summary.by_type.get(t, 0)
    ]
    drawn_types = [t for t, n in rule.counts.items() if n > 0]
    for topic, n in rule.topics.items():
        have = summary.topic_total(topic, drawn_types)
        if n > have:
            problems.append(f"主题“{topic}”至少需要 {n} 道，题库中抽题题型里只有 {have} 道")
    if sum(rule.topics.values()) > rule.total:
        problems.append(
            f"各主题最少题数合计 {sum(rule.topics.values())} 道，超过了每次答题的 {rule.total} 道"
        )
    if not problems and rule.topics:
        try:
            draw(rule, candidates, random.Random(0))
        except DrawError as error:
            problems.append(error.message)
    return problems


def draw(rule: Rule, candidates: Sequence[Candidate], rng: random.Random) -> list[int]:
    """One attempt's item ids in the order shown; ``DrawError`` when the bank cannot give the rule."""
    if rule.total == 0:
        raise DrawError("抽题规则还没有设置")
    for _ in range(TRIES):
        picked = _try(rule, candidates, rng)
        if picked is not None:
            return _ordered(picked, rng)
    raise DrawError("按各主题最少题数无法同时满足各题型题数，请调整抽题规则或补充题库")


def _try(rule: Rule, candidates: Sequence[Candidate], rng: random.Random) -> list[Candidate] | None:
    # Random numbers are drawn only for the items a step chooses from (a topic's items, then ``sample``
    # per type), not for a shuffle of the whole bank: with ``SystemRandom`` each one is a system call.
    left = dict(rule.counts)
    chosen: dict[int, Candidate] = {}
    # Scarcest topic first: the one with fewest usable items has least room to share.
    order = sorted(
        rule.topics, key=lambda name: sum(1 for c in candidates if name in c.topics and left.get(c.type))
    )
    for topic in order:
        need = rule.topics[topic] - sum(1 for c in chosen.values() if topic in c.topics)
        if need <= 0:
            continue
        eligible = [
            c for c in candidates if topic in c.topics and left.get(c.type, 0) > 0 and c.id not in chosen
        ]
        while need > 0 and eligible:  # a partial shuffle: one random index per item looked at
            index = rng.randrange(len(eligible))
            c = eligible[index]
            eligible[index] = eligible[-1]
            eligible.pop()
            if left[c.type] > 0:
                chosen[c.id] = c
                left[c.type] -= 1
                need -= 1
        if need > 0:
            return None
    for kind, count in left.items():
        if count <= 0:
            continue
        rest = [c for c in candidates if c.type == kind and c.id not in chosen]
        if len(rest) < count:
            return None
        for c in rng.sample(rest, count):
            chosen[c.id] = c
    return list(chosen.values())


def _ordered(picked: list[Candidate], rng: random.Random) -> list[int]:
    rng.shuffle(picked)
    rank = {t: i for i, t in enumerate(TYPE_ORDER)}
    return [c.id for c in sorted(picked, key=lambda c: rank.get(c.type, len(rank)))]

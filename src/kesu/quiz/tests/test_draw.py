"""The draw rule against the bank, and one attempt's stratified random draw."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from kesu.quiz.draw import Candidate, DrawError, check, draw, parse_rule, summarise


def bank(judge: int = 10, single: int = 10, multi: int = 8, topic_every: int = 3) -> list[Candidate]:
    items: list[Candidate] = []
    for kind, count in (("judge", judge), ("single", single), ("multi", multi)):
        for i in range(count):
            topics = ("卫生健康",) if i % topic_every == 0 else ("安全生产",)
            items.append(Candidate(len(items) + 1, kind, topics))
    return items


NANJING = parse_rule({"judge": 7, "single": 7, "multi": 6, "topics": {"卫生健康": 4}})


def test_a_rule_the_bank_can_give_passes_the_check() -> None:
    assert check(NANJING, bank()) == []


def test_the_check_says_in_chinese_which_type_is_short() -> None:
    assert check(NANJING, bank(single=5)) == ["单选题需要 7 道，题库只有 5 道"]


def test_the_check_names_a_topic_the_bank_cannot_cover() -> None:
    rule = parse_rule({"judge": 2, "topics": {"科学家精神": 1}})
    assert check(rule, bank()) == ["主题“科学家精神”至少需要 1 道，题库中抽题题型里只有 0 道"]


def test_an_empty_rule_and_minimums_above_the_attempt_size_are_refused() -> None:
    assert "至少要抽 1 道题" in check(parse_rule({}), bank())[0]
    rule = parse_rule({"judge": 2, "topics": {"卫生健康": 2, "安全生产": 1}})
    assert any("超过了每次答题的 2 道" in p for p in check(rule, bank()))


def test_a_draw_gives_the_counts_per_type_in_type_order_and_meets_topic_minimums() -> None:
    candidates = bank()
    by_id = {c.id: c for c in candidates}
    for seed in range(50):
        ids = draw(NANJING, candidates, random.Random(seed))
        types = [by_id[i].type for i in ids]
        assert Counter(types) == {"judge": 7, "single": 7, "multi": 6}
        assert types == sorted(types, key=["judge", "single", "multi"].index)
        assert len(set(ids)) == 20
        assert sum(1 for i in ids if "卫生健康" in by_id[i].topics) >= 4


def test_the_same_seed_gives_the_same_draw_and_seeds_differ() -> None:
    candidates = bank(judge=40, single=40, multi=40)
    first = draw(NANJING, candidates, random.Random(7))
    assert first == draw(NANJING, candidates, random.Random(7))
    assert len({tuple(draw(NANJING, candidates, random.Random(s))) for s in range(20)}) > 15


def test_a_scarce_topic_is_drawn_from_the_type_that_holds_it() -> None:
    candidates = [Candidate(i, "judge", ()) for i in range(1, 11)] + [Candidate(11, "single", ("科普法",))]
    candidates += [Candidate(i, "single", ()) for i in range(12, 16)]
    rule = parse_rule({"judge": 3, "single": 2, "topics": {"科普法": 1}})
    for seed in range(20):
        assert 11 in draw(rule, candidates, random.Random(seed))


def test_a_draw_from_a_short_bank_raises_in_chinese() -> None:
    with pytest.raises(DrawError, match="请调整抽题规则"):
        draw(parse_rule({"judge": 5}), bank(judge=3), random.Random(1))


def test_the_summary_counts_types_and_topics() -> None:
    summary = summarise(bank(judge=3, single=0, multi=0))
    assert summary.by_type == {"judge": 3}
    assert summary.by_type_topic == {("judge", "卫生健康"): 1, ("judge", "安全生产"): 2}


def test_a_draw_with_no_rule_refuses_instead_of_giving_an_empty_attempt() -> None:
    with pytest.raises(DrawError, match="抽题规则还没有设置"):
        draw(parse_rule({}), bank(), random.Random(1))

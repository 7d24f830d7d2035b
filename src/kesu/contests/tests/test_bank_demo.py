"""The demo bank: 120 checked items over the nine 2025 Henan topics, enough for the 南京 7/7/6 draw."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from kesu.contests import bank
from kesu.contests.demo_bank import demo_rows, load_demo_bank
from kesu.contests.forms_bank import HENAN_TOPICS
from kesu.contests.tests.bank_support import own_contest
from kesu.quiz import draw as quizdraw
from kesu.testing import World


def test_the_demo_items_pass_the_import_checks_and_cover_every_topic_and_type() -> None:
    rows = demo_rows()
    assert len(rows) == 120
    assert len({r.key() for r in rows}) == 120 and len({r.code for r in rows}) == 120
    topics = Counter(t for r in rows for t in r.topics)
    assert set(topics) == set(HENAN_TOPICS) and min(topics.values()) >= 13
    assert all(r.explanation for r in rows)
    candidates = [quizdraw.Candidate(i, r.type, tuple(r.topics)) for i, r in enumerate(rows)]
    rule = quizdraw.parse_rule(
        {"judge": 7, "single": 7, "multi": 6, "topics": dict.fromkeys(HENAN_TOPICS, 1)}
    )
    assert quizdraw.check(rule, candidates) == []


@pytest.mark.django_db
def test_loading_the_demo_bank_twice_adds_the_items_once(world: World) -> None:
    contest = own_contest(world)
    assert load_demo_bank(contest) == 120
    contest.refresh_from_db()
    assert load_demo_bank(contest) == 0
    assert contest.items.count() == 120
    contest = bank.save_rules(
        None,
        contest,
        {
            **{n: getattr(contest, n) for n in bank.RULE_FIELDS},
            "draw_rule": {"judge": 7, "single": 7, "multi": 6},
        },
    )
    assert len(bank.draw_for_attempt(contest, random.Random(5))) == 20


@pytest.mark.django_db
def test_the_bank_pages_through_120_items_keeping_the_filter(world: World, client_for) -> None:
    contest = own_contest(world)
    load_demo_bank(contest)
    office = client_for(world.pds_office)
    first = office.get(f"/contests/{contest.pk}/bank/?status=active").content.decode()
    assert "第 1 / 2 页，共 120 道" in first and "?status=active&amp;page=2" in first
    second = office.get(f"/contests/{contest.pk}/bank/?status=active&page=2").content.decode()
    assert "XX13" in second and "WS08" in second and "AQ01" not in second
    judge = office.get(f"/contests/{contest.pk}/bank/?type=judge&topic=《科普法》").content.decode()
    assert "KP01" in judge and "KP06" not in judge and "AQ01" not in judge

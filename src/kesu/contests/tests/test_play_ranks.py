"""A participant's rank read from the per-score counters equals a ranking of everyone, as results
improve, tie and are voided (the counters spare a COUNT over the whole field at every hand-in)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kesu.contests import actions_play, standings
from kesu.contests.models import Attempt, AttemptStatus, Contest, Participant
from kesu.contests.tests.play_support import county, open_contest
from kesu.quiz import scoring

pytestmark = pytest.mark.django_db


def _participant(contest: Contest, n: int) -> Participant:
    return Participant.objects.create(
        contest=contest,
        phone_hash=f"h{n}",
        phone_cipher="x",
        phone_last4=f"{n:04d}",
        name=f"参赛{n}",
        region=county(),
    )


def _hand_in(contest: Contest, person: Participant, score: int, seconds: int, minute: int) -> None:
    """An attempt closed with this score, counted as the engine does when it closes one."""
    entered = timezone.now().replace(microsecond=0) + timedelta(minutes=minute)
    Attempt.objects.create(
        contest=contest,
        participant=person,
        day=entered.date(),
        started_at=entered - timedelta(seconds=seconds),
        deadline=entered + timedelta(minutes=5),
        finished_at=entered,
        status=AttemptStatus.FINISHED,
        item_count=5,
        score=score,
        duration_ms=seconds * 1000,
    )
    standings.record_attempt(contest, person.pk, score, seconds * 1000, entered)


def _expected_ranks(contest: Contest) -> dict[int, int]:
    results = [standings.computed_result(contest, p.pk) for p in Participant.objects.filter(contest=contest)]
    ranked = scoring.ranked([r for r in results if r], scoring.clean_order(contest.tie_break or None))
    return {r.result.participant: r.rank for r in ranked}


def _ranks_shown(contest: Contest) -> dict[int, int]:
    shown = {p.pk: standings.rank_of(contest, p.pk)[1] for p in Participant.objects.filter(contest=contest)}
    return {pk: rank for pk, rank in shown.items() if rank is not None}  # no result yet: no rank


def test_ranks_from_the_counters_follow_every_hand_in_improvement_tie_and_void(world: Any) -> None:
    contest = open_contest(world)
    people = [_participant(contest, n) for n in range(6)]
    for n, (score, seconds) in enumerate([(15, 40), (25, 50), (15, 30), (5, 20), (25, 50), (0, 10)]):
        _hand_in(contest, people[n], score, seconds, minute=n)
        assert _ranks_shown(contest) == _expected_ranks(contest)  # counters read, then moved by each hand-in
    _hand_in(contest, people[3], 25, 45, minute=10)  # 5 → 25: moves from one score's counter to another
    _hand_in(contest, people[0], 10, 5, minute=11)  # worse than the kept 15: nothing moves
    assert _ranks_shown(contest) == _expected_ranks(contest)
    assert standings.rank_of(contest, people[3].pk)[1] == 1  # 25 in 45 s: ahead of the two in 50 s
    voided = Attempt.objects.get(participant=people[3], score=25)
    actions_play.void_attempts(world.pds_office, contest, reason="代答", attempt=voided)
    assert _ranks_shown(contest) == _expected_ranks(contest)
    assert standings.rank_of(contest, people[1].pk)[1] == 1

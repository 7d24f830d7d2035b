"""Scoring and ordering an own contest's answers (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kesu.quiz import scoring
from kesu.quiz.scoring import AttemptResult, Result

T0 = datetime(2026, 9, 1, 20, 0, tzinfo=UTC)


def test_a_judge_or_single_answer_is_right_only_with_the_one_letter_of_the_key() -> None:
    assert scoring.is_correct("judge", ["A"], ["A"])
    assert not scoring.is_correct("judge", ["A"], ["B"])
    assert not scoring.is_correct("single", ["B"], ["B", "C"])


def test_a_multi_answer_is_all_or_nothing_in_any_order() -> None:
    assert scoring.is_correct("multi", ["A", "B", "D"], ["D", "B", "A"])
    assert not scoring.is_correct("multi", ["A", "B", "D"], ["A", "B"])
    assert not scoring.is_correct("multi", ["A", "B", "D"], ["A", "B", "C", "D"])
    assert not scoring.is_correct("multi", ["A", "B"], [])


def test_a_late_answer_earns_nothing_even_when_right() -> None:
    assert scoring.points_for("single", ["B"], ["B"], late=False, points=5) == 5
    assert scoring.points_for("single", ["B"], ["B"], late=True, points=5) == 0


def test_lateness_allows_the_grace_and_checks_every_deadline() -> None:
    item_deadline, attempt_deadline = T0 + timedelta(seconds=30), T0 + timedelta(minutes=10)
    assert not scoring.is_late(T0 + timedelta(seconds=31), item_deadline, attempt_deadline, grace_seconds=2)
    assert scoring.is_late(T0 + timedelta(seconds=33), item_deadline, attempt_deadline, grace_seconds=2)
    assert scoring.is_late(T0 + timedelta(minutes=11), None, attempt_deadline)


def test_answers_are_normalised_to_sorted_known_letters_or_refused() -> None:
    assert scoring.normalise_answer(["c", "A", "A"], 4) == ["A", "C"]
    assert scoring.normalise_answer(["E"], 4) is None
    assert scoring.normalise_answer("A", 4) is None
    assert scoring.normalise_answer([], 4) is None
    assert scoring.normalise_answer([1], 4) is None


def test_an_attempt_total_is_the_sum_of_its_points_and_full_only_when_every_item_is_right() -> None:
    assert scoring.attempt_total([5, 5, 0], 3, 5) == scoring.AttemptTotal(2, 10, False)
    assert scoring.attempt_total([5, 5, 5], 3, 5).full_score


def test_best_keeps_the_best_attempt_and_sum_adds_all_of_them() -> None:
    attempts = [
        AttemptResult(1, 80, 90_000, T0),
        AttemptResult(1, 90, 120_000, T0 + timedelta(days=1)),
        AttemptResult(1, 90, 100_000, T0 + timedelta(days=2)),
    ]
    (best,) = scoring.combine(attempts, scoring.BEST)
    assert (best.score, best.duration_ms, best.entered_at) == (90, 100_000, T0 + timedelta(days=2))
    (summed,) = scoring.combine(attempts, scoring.SUM)
    assert (summed.score, summed.duration_ms, summed.entered_at) == (260, 310_000, T0 + timedelta(days=2))


def test_ties_break_by_time_then_by_first_entry_and_equal_keys_share_a_rank() -> None:
    results = [
        Result(1, 90, 100_000, T0 + timedelta(hours=2)),
        Result(2, 100, 200_000, T0 + timedelta(hours=3)),
        Result(3, 90, 80_000, T0 + timedelta(hours=4)),
        Result(4, 90, 100_000, T0 + timedelta(hours=1)),
        Result(5, 90, 100_000, T0 + timedelta(hours=1)),
    ]
    ranked = scoring.ranked(results)
    assert [(r.rank, r.result.participant) for r in ranked] == [(1, 2), (2, 3), (3, 4), (3, 5), (5, 1)]


def test_the_office_may_put_first_entry_before_time_and_score_always_comes_first() -> None:
    results = [Result(1, 90, 50_000, T0 + timedelta(hours=2)), Result(2, 90, 90_000, T0)]
    assert [r.result.participant for r in scoring.ranked(results, ["first_entry_asc", "time_asc"])] == [2, 1]
    assert scoring.clean_order(["time_asc", "bogus", "time_asc"]) == ["score_desc", "time_asc"]

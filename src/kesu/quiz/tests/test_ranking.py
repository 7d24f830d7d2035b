"""The pure rules of contest rankings: rates, ties, places without population, the 组织奖 boundary."""

from __future__ import annotations

from kesu.quiz.ranking import (
    AwardRule,
    Metric,
    Place,
    attempts_per_participant,
    awarded,
    competition_ranks,
    full_score_rate,
    participation_rate,
    rank,
)


def place(
    key: str, participants: int, attempts: int = 0, full: int = 0, population: int | None = None
) -> Place:
    return Place(key, f"地区{key}", participants, attempts, full, population)


def test_participation_rate_is_participants_per_hundred_of_the_population() -> None:
    assert participation_rate(5_000, 100_000) == 5.0
    assert participation_rate(5_000, None) is None
    assert participation_rate(5_000, 0) is None


def test_attempts_per_participant_and_full_score_rate_need_a_non_zero_base() -> None:
    assert attempts_per_participant(81_779, 5_789) == 81_779 / 5_789
    assert attempts_per_participant(10, 0) is None
    assert full_score_rate(25, 200) == 12.5
    assert full_score_rate(0, 0) is None


def test_equal_values_share_a_rank_and_the_next_rank_skips() -> None:
    assert competition_ranks([9.0, 7.0, 7.0, 3.0]) == [1, 2, 2, 4]


def test_a_small_county_with_the_higher_rate_outranks_a_large_one_on_rate_but_not_on_raw_count() -> None:
    big = place("big", 30_000, population=1_000_000)  # 3 %
    small = place("small", 12_000, population=200_000)  # 6 %
    standings = rank([big, small], Metric.PARTICIPATION_RATE)
    assert [s.place.key for s in standings] == ["small", "big"]
    assert [(s.rank, s.raw_rank) for s in standings] == [(1, 2), (2, 1)]


def test_a_region_without_population_is_listed_after_the_ranked_ones_by_raw_count_with_no_rate_rank() -> None:
    known = place("known", 100, population=10_000)
    unknown_big = place("unknown_big", 9_000)
    unknown_small = place("unknown_small", 50)
    standings = rank([unknown_small, unknown_big, known], Metric.PARTICIPATION_RATE)
    assert [s.place.key for s in standings] == ["known", "unknown_big", "unknown_small"]
    assert [s.rank for s in standings] == [1, None, None]
    assert standings[1].value is None and standings[1].raw_rank == 1


def test_the_organising_award_takes_every_place_tied_at_the_boundary() -> None:
    places = [
        place("a", 10, 100, 30),
        place("b", 10, 100, 20),
        place("c", 10, 100, 20),
        place("d", 10, 100, 5),
    ]
    standings = rank(places, Metric.FULL_SCORE_RATE)
    assert [s.place.key for s in awarded(standings, 2)] == ["a", "b", "c"]
    assert awarded(standings, 0) == []


def test_a_place_with_no_participants_never_wins_an_organising_award() -> None:
    standings = rank([place("a", 0, 0), place("b", 0, 0)], Metric.PARTICIPANTS)
    assert awarded(standings, 5) == []


def test_the_award_rule_reads_the_contest_field_and_falls_back_on_nonsense() -> None:
    rule = AwardRule.from_json({"metric": "full_score_rate", "region_count": "3", "unit_count": 2})
    assert (rule.metric, rule.region_count, rule.unit_count) == (Metric.FULL_SCORE_RATE, 3, 2)
    fallback = AwardRule.from_json(
        {"metric": "火星", "region_count": "很多", "unit_metric": "participation_rate"}
    )
    assert (fallback.metric, fallback.region_count, fallback.unit_metric) == (
        Metric.PARTICIPATION_RATE,
        0,
        Metric.PARTICIPANTS,
    )
    assert "前 3 名" in rule.words() and "并列" in rule.words()
    assert AwardRule.from_json(rule.as_json()) == rule

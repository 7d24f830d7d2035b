"""Who leads an own contest: the live leaderboard, a participant's rank and the top N for the 通报.

A participant's result is their best attempt or the sum of their attempts (the contest's choice),
ordered by its tie-break list (score desc, time asc, first entry asc: ``kesu.quiz.scoring``). Voided
and unfinished attempts never count. "First entry" is when the counted result was handed in.

The result is kept on the participant's row (``result_score``, ``result_duration_ms``,
``result_entered_at``): folded in by the request that closes an attempt (a conditional UPDATE in best
mode), recomputed from the attempts after a void. So the top N is an index scan of participants, and a
rank the counters of the scores above plus one COUNT of those ahead on the same score — not a sort of
every attempt, which took seconds with a million of them (benchmarks/contest_bench.py --history).

The public leaderboard is read by every phone, so it is never computed per request: it sits in the
cache with the time it was computed; a request that finds it older than ``REFRESH_SECONDS`` takes a
short cache lock and recomputes it (sweeping attempts whose time ran out on the way), while every other
request keeps reading the previous copy. With Redis the lock and the copy are shared by all app servers.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from kesu.contests.models import Attempt, AttemptStatus, Contest, Participant, ScoreMode
from kesu.core.personal import mask_name
from kesu.quiz import scoring

REFRESH_SECONDS = float(getattr(settings, "KESU_CONTEST_BOARD_SECONDS", 5))
LOCK_SECONDS = 30
COUNTED = (AttemptStatus.FINISHED, AttemptStatus.EXPIRED)


@dataclass(frozen=True)
class Standing:
    rank: int
    participant_id: int
    name: str
    region_name: str
    unit_name: str
    score: int
    duration_ms: int
    entered_at: datetime


def counted_attempts(contest: Contest) -> QuerySet[Attempt]:
    return Attempt.objects.filter(contest_id=contest.pk, status__in=COUNTED)


def _order(contest: Contest) -> list[str]:
    return scoring.clean_order(contest.tie_break or None)


RESULT_FIELDS = ("result_score", "result_duration_ms", "result_entered_at")


def _sql_order(order: list[str], score: str, duration: str, entered: str) -> list[str]:
    fields = {scoring.SCORE_DESC: f"-{score}", scoring.TIME_ASC: duration, scoring.FIRST_ENTRY_ASC: entered}
    return [fields[rule] for rule in order]


def _ranked_participants(contest: Contest) -> QuerySet[Participant]:
    return Participant.objects.filter(contest_id=contest.pk, result_score__isnull=False)


def top_participants(contest: Contest, n: int) -> list[Standing]:
    """The first ``n`` participants in ranking order with competition ranks (ties share a rank): one
    query on the participants' kept results, in the order of the ranking index."""
    rows = list(
        _ranked_participants(contest)
        .order_by(*_sql_order(_order(contest), *RESULT_FIELDS), "pk")
        .values_list("pk", "name", "region__name", "unit__name", *RESULT_FIELDS)[:n]
    )
    people = {pk: (name, region, unit) for pk, name, region, unit, *_rest in rows}
    results = [
        scoring.Result(pk, score, duration or 0, entered) for pk, _n, _r, _u, score, duration, entered in rows
    ]
    return [
        Standing(
            rank=r.rank,
            participant_id=r.result.participant,
            name=people[r.result.participant][0],
            region_name=people[r.result.participant][1],
            unit_name=people[r.result.participant][2] or "",
            score=r.result.score,
            duration_ms=r.result.duration_ms,
            entered_at=r.result.entered_at,
        )
        for r in scoring.ranked(results, _order(contest))
    ]


def computed_result(contest: Contest, participant_id: int) -> scoring.Result | None:
    """A participant's result computed from their counted attempts (the truth the kept columns follow)."""
    rows = counted_attempts(contest).filter(participant_id=participant_id)
    attempts = [
        scoring.AttemptResult(participant_id, score, duration or 0, finished or deadline)
        for score, duration, finished, deadline in rows.values_list(
            "score", "duration_ms", "finished_at", "deadline"
        )
    ]
    mode = scoring.SUM if contest.score_mode == ScoreMode.SUM else scoring.BEST
    results = scoring.combine(attempts, mode, _order(contest))
    return results[0] if results else None


def record_attempt(
    contest: Contest, participant_id: int, score: int, duration_ms: int, entered_at: datetime
) -> None:
    """Fold one newly counted attempt into the participant's kept result: in best mode only when it is
    ahead of the kept one (a conditional UPDATE), in sum mode added to it."""
    forget_rank(participant_id)
    people = Participant.objects.filter(pk=participant_id)
    if contest.score_mode == ScoreMode.SUM:
        people.update(
            result_score=Coalesce(F("result_score"), 0) + score,
            result_duration_ms=Coalesce(F("result_duration_ms"), 0) + duration_ms,
            result_entered_at=entered_at,
        )
        return
    kept = people.values_list("result_score", flat=True).first()
    new = scoring.Result(participant_id, score, duration_ms, entered_at)
    moved = people.filter(
        Q(result_score__isnull=True) | _behind_q(_order(contest), new, *RESULT_FIELDS)
    ).update(result_score=score, result_duration_ms=duration_ms, result_entered_at=entered_at)
    if moved:
        _move_between_scores(contest, kept, score)


def recount_participants(contest: Contest, participant_ids: list[int]) -> None:
    """Recompute kept results from the attempts (after a void): a handful of participants at a time."""
    forget_score_counts(contest)
    for pk in participant_ids:
        forget_rank(pk)
        result = computed_result(contest, pk)
        Participant.objects.filter(pk=pk).update(
            result_score=result.score if result else None,
            result_duration_ms=result.duration_ms if result else None,
            result_entered_at=result.entered_at if result else None,
        )


def result_of(contest: Contest, participant_id: int) -> scoring.Result | None:
    row = Participant.objects.filter(pk=participant_id).values_list(*RESULT_FIELDS).first()
    if row is None or row[0] is None:
        return None
    return scoring.Result(participant_id, row[0], row[1] or 0, row[2])


def rank_of(contest: Contest, participant_id: int) -> tuple[scoring.Result | None, int | None]:
    """A participant's kept result and rank: one more than the participants strictly ahead (one read and
    one COUNT over the participants' ranking index, not over every attempt)."""
    result = result_of(contest, participant_id)
    if result is None:
        return None, None
    counts = score_counts(contest)
    if counts is None:  # sum mode: scores are unbounded, count in SQL
        ahead = (
            _ranked_participants(contest).filter(_ahead_q(_order(contest), result, *RESULT_FIELDS)).count()
        )
        return result, ahead + 1
    higher = sum(n for score, n in counts.items() if score > result.score)
    ties = _order(contest)[1:]  # score always comes first (scoring.clean_order)
    level = _ranked_participants(contest).filter(result_score=result.score)
    ahead_on_tie = level.filter(_ahead_q(ties, result, *RESULT_FIELDS)).count() if ties else 0
    return result, higher + ahead_on_tie + 1


# ---- participants per score: the COUNT of those ahead without reading them ------------------------------
#
# A rank is one more than the participants ahead. Counted in SQL that grows with the field: 35–65 ms at
# 200,000 participants, for every hand-in, which on a last-day surge queued every request behind it (the
# load benchmark with --history). In best mode a score takes few values (0 … items × points), so the
# participants per score are cache counters: a hand-in that improves a kept result moves one participant
# from its old score's counter to its new one (atomic increments, shared by every app server with Redis),
# and every REFRESH_SECONDS one request re-reads them all with one GROUP BY, so that any drift (a lost
# cache, a void, a rollback) lasts seconds. Only the participants on the same score are counted in SQL.


def _max_score(contest: Contest) -> int:
    items = sum(int(n) for key, n in (contest.draw_rule or {}).items() if key in ("judge", "single", "multi"))
    return items * contest.points_per_item


def _count_key(contest_id: int, score: int) -> str:
    return f"kesu:contest:{contest_id}:at-score:{score}"


def _counts_fresh_key(contest_id: int) -> str:
    return f"kesu:contest:{contest_id}:at-score"


def score_counts(contest: Contest) -> dict[int, int] | None:
    """Participants with a kept result, per score; None in sum mode (no bounded set of scores)."""
    if contest.score_mode == ScoreMode.SUM:
        return None
    scores = range(_max_score(contest) + 1)
    if cache.get(_counts_fresh_key(contest.pk)) is None:
        return _reread_counts(contest, scores)
    keys = {_count_key(contest.pk, score): score for score in scores}
    found = cache.get_many(list(keys))
    return {keys[key]: int(n) for key, n in found.items()}


def _reread_counts(contest: Contest, scores: range) -> dict[int, int]:
    rows = _ranked_participants(contest).values_list("result_score").annotate(n=Count("pk")).order_by()
    counts = dict.fromkeys(scores, 0) | dict(rows)
    cache.set_many({_count_key(contest.pk, score): n for score, n in counts.items()}, None)
    cache.set(_counts_fresh_key(contest.pk), 1, REFRESH_SECONDS)
    return counts


def _move_between_scores(contest: Contest, old: int | None, new: int) -> None:
    if cache.get(_counts_fresh_key(contest.pk)) is None:
        return  # the next reader re-reads them all
    try:
        cache.incr(_count_key(contest.pk, new))
        if old is not None:
            cache.decr(_count_key(contest.pk, old))
    except ValueError:  # a counter evicted: re-read at the next rank
        forget_score_counts(contest)


def forget_score_counts(contest: Contest) -> None:
    cache.delete(_counts_fresh_key(contest.pk))


RANK_SECONDS = float(getattr(settings, "KESU_CONTEST_RANK_SECONDS", 10))


def _rank_key(participant_id: int) -> str:
    return f"kesu:contest:rank:{participant_id}"


def cached_rank(contest: Contest, participant_id: int) -> tuple[scoring.Result | None, int | None]:
    """``rank_of``, kept in the cache a few seconds: the hand-in, the result page and the home page ask
    one after the other, and the COUNT grows with the participants ahead (finding 13 of the load
    benchmark: 35–50 ms at 200,000 participants). Dropped when the participant's own result changes;
    others finishing meanwhile move it by at most what the leaderboard's own delay allows."""
    found = cache.get(_rank_key(participant_id))
    if found is not None:
        return found
    ranked = rank_of(contest, participant_id)
    cache.set(_rank_key(participant_id), ranked, RANK_SECONDS)
    return ranked


def forget_rank(participant_id: int) -> None:
    cache.delete(_rank_key(participant_id))


def _ahead_q(order: list[str], result: scoring.Result, score: str, duration: str, entered: str) -> Q:
    """Rows strictly ahead of ``result`` in the lexicographic order of the tie-break list."""
    return _lexicographic(order, result, score, duration, entered, ahead=True)


def _behind_q(order: list[str], result: scoring.Result, score: str, duration: str, entered: str) -> Q:
    """Rows strictly behind ``result``: the kept results a new attempt improves on."""
    return _lexicographic(order, result, score, duration, entered, ahead=False)


def _lexicographic(
    order: list[str], result: scoring.Result, score: str, duration: str, entered: str, *, ahead: bool
) -> Q:
    steps = {
        scoring.SCORE_DESC: (score, "gt", "lt", result.score),
        scoring.TIME_ASC: (duration, "lt", "gt", result.duration_ms),
        scoring.FIRST_ENTRY_ASC: (entered, "lt", "gt", result.entered_at),
    }
    found, equal = Q(pk__in=[]), Q()
    for rule in order:
        field, ahead_op, behind_op, value = steps[rule]
        found |= equal & Q(**{f"{field}__{ahead_op if ahead else behind_op}": value})
        equal &= Q(**{field: value})
    return found


# ---- the cached public leaderboard ----------------------------------------------------------------------


def _board_key(contest: Contest) -> str:
    return f"kesu:contest:{contest.pk}:board"


def leaderboard(contest: Contest) -> dict[str, Any]:
    """{"computed_at", "rows"} from the cache; recomputed by one worker when older than REFRESH_SECONDS."""
    key = _board_key(contest)
    board = cache.get(key)
    if board is not None and time.time() - board["_at"] < REFRESH_SECONDS:
        return _public(board)
    if cache.add(f"{key}:lock", 1, LOCK_SECONDS):
        try:
            board = compute_board(contest)
            cache.set(key, board, None)
        finally:
            cache.delete(f"{key}:lock")
    return _public(board) if board is not None else {"computed_at": None, "rows": []}


def compute_board(contest: Contest) -> dict[str, Any]:
    from kesu.contests.engine import expire_overdue

    expire_overdue(contest)
    rows = [
        {
            "rank": s.rank,
            "name": mask_name(s.name),
            "region": s.region_name,
            "score": s.score,
            "duration_ms": s.duration_ms,
        }
        for s in top_participants(contest, contest.leaderboard_size)
    ]
    return {"_at": time.time(), "computed_at": _iso_now(), "rows": rows}


def forget_board(contest: Contest) -> None:
    """After a void or the freeze: the next reader recomputes (the board and the counts per score)."""
    cache.delete(_board_key(contest))
    forget_score_counts(contest)


def _public(board: dict[str, Any]) -> dict[str, Any]:
    return {"computed_at": board["computed_at"], "rows": board["rows"]}


def _iso_now() -> str:
    from django.utils import timezone

    return timezone.localtime().isoformat()


def full_standings(contest: Contest, n: int) -> list[dict[str, Any]]:
    """For the office's page: unmasked names (its own participants), as dicts."""
    return [asdict(s) for s in top_participants(contest, n)]


def duration_words(ms: int | None) -> str:
    if ms is None:
        return "—"
    return f"{ms / 1000:.1f} 秒"

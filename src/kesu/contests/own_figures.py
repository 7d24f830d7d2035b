"""An own contest's participation by region and unit, written as ``ParticipationFigure`` rows (source 本系统).

The same rows an imported contest has, so rankings, the 组织奖, the 通报 and the indicator values read
own and imported contests alike. Counted attempts are finished or timed-out ones (voided ones never
count): 参赛人数 = distinct participants with one, 参赛人次 = such attempts, 满分人次 = those with every
item right. One GROUP BY per kind of place (region, unit); each region's row is written for the
participant's own region and every region above it up to the organiser's, so a county's row is the sum
of its towns (a person lives in one place, so nobody is counted twice) and ``rankings`` finds a row for
every direct sub-region.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q

from kesu.contests.models import AttemptStatus, Contest, FigureSource, ParticipationFigure
from kesu.regions.models import Region

COUNTED = (AttemptStatus.FINISHED, AttemptStatus.EXPIRED)


@dataclass
class Counts:
    participants: int = 0
    attempts: int = 0
    full_scores: int = 0


def _grouped(contest: Contest, field: str) -> list[dict[str, int]]:
    return list(
        contest.attempts.filter(status__in=COUNTED)
        .exclude(**{f"participant__{field}": None})
        .values(f"participant__{field}")
        .annotate(
            participants=Count("participant_id", distinct=True),
            attempts=Count("pk"),
            full_scores=Count("pk", filter=Q(correct_count=F("item_count"), item_count__gt=0)),
        )
        .order_by()
    )


def region_counts(contest: Contest) -> dict[int, Counts]:
    """Counts per region, rolled up from each participant's region to the organiser's."""
    leaves = _grouped(contest, "region_id")
    regions = Region.objects.in_bulk([row["participant__region_id"] for row in leaves])
    top_path = contest.region.path
    by_path = {
        region.path: region.pk
        for region in Region.objects.filter(
            path__in={p for r in regions.values() for p in _paths_between(top_path, r.path)}
        )
    }
    counts: dict[int, Counts] = defaultdict(Counts)
    for row in leaves:
        region = regions[row["participant__region_id"]]
        for path in _paths_between(top_path, region.path):
            if path in by_path:
                total = counts[by_path[path]]
                total.participants += row["participants"]
                total.attempts += row["attempts"]
                total.full_scores += row["full_scores"]
    return counts


def _paths_between(top: str, path: str) -> list[str]:
    """The paths from ``top`` down to ``path`` inclusive ("a/" , "a/b/", "a/b/c/")."""
    if not path.startswith(top):
        return []
    rest = path[len(top) :].strip("/").split("/") if path != top else []
    return [top] + [top + "/".join(rest[: i + 1]) + "/" for i in range(len(rest))]


def unit_counts(contest: Contest) -> dict[int, Counts]:
    return {
        row["participant__unit_id"]: Counts(row["participants"], row["attempts"], row["full_scores"])
        for row in _grouped(contest, "unit_id")
    }


@transaction.atomic
def refresh_own_figures(contest: Contest) -> int:
    """Replace the contest's own-source rows (whole contest) with the counts now; how many rows.
    A frozen contest keeps the rows it was frozen with."""
    if contest.is_frozen:
        return 0
    end_running_after_close(contest)
    ParticipationFigure.objects.filter(contest=contest, source=FigureSource.OWN, round__isnull=True).delete()
    rows = [
        ParticipationFigure(contest=contest, region_id=pk, source=FigureSource.OWN, **vars(c))
        for pk, c in region_counts(contest).items()
    ] + [
        ParticipationFigure(contest=contest, unit_id=pk, source=FigureSource.OWN, **vars(c))
        for pk, c in unit_counts(contest).items()
    ]
    ParticipationFigure.objects.bulk_create(rows)
    return len(rows)


def end_running_after_close(contest: Contest) -> int:
    """Once the window has closed, end every attempt still running (scoring what was answered), so the
    count 结算 freezes includes them; before the close only attempts whose time ran out are ended."""
    from kesu.contests import engine  # the engine imports the bank, which the contest actions import

    if engine.now() < contest.closes_at:
        return engine.expire_overdue(contest)
    running = contest.attempts.filter(status=AttemptStatus.ACTIVE).values_list("pk", flat=True)
    return sum(1 for pk in list(running) if engine.finalise(pk, contest, AttemptStatus.EXPIRED))

"""Figures from the activity rows: a campaign's coverage and 人次, and the count rules' yearly values.

Only adopted (采用) activities count. One row is one activity whatever the number of organising
units, so a region's figures count it once; a unit's figures count it for its host and for each
承办/协办 unit. The arithmetic (rolling figures up to the regions below, grouping by key group) is
in plain functions over rows so it is exact on hand-computed cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from django.db.models import Count, F, Max, QuerySet, Sum

from kesu.activities.models import (
    KEY_GROUPS,
    Activity,
    ActivityKind,
    ActivityOrganiser,
    ActivityStatus,
    Campaign,
    CountRule,
    CountWhat,
    Resource,
    ResourceKind,
)
from kesu.regions.models import Region, Unit

COUNTED = ActivityStatus.ADOPTED


# ---- pure helpers ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """Activities and 人次 (offline attendance, online views) of one group of rows."""

    activities: int = 0
    attendance: int = 0
    online_views: int = 0

    def add(self, activities: int, attendance: int | None, views: int | None) -> None:
        self.activities += activities
        self.attendance += attendance or 0
        self.online_views += views or 0


def roll_up(counts: dict[str, int], children: Iterable[Region]) -> dict[int, int]:
    """{child pk: Σ counts of the region paths in its subtree} (paths nest: a child's path prefixes its own)."""
    return {
        child.pk: sum(n for path, n in counts.items() if path.startswith(child.path)) for child in children
    }


def by_key_group(rows: Iterable[tuple[list[str] | None, int, int | None]]) -> dict[str, Tally]:
    """(key groups, activities, attendance) rows → a tally per key group. An activity for two groups counts
    in both, so the groups do not add up to the total (said on the page)."""
    tallies = {group: Tally() for group in KEY_GROUPS}
    for groups, activities, attendance in rows:
        for group in groups or []:
            tallies.setdefault(group, Tally()).add(activities, attendance, 0)
    return tallies


# ---- a campaign ----------------------------------------------------------------------------------


@dataclass
class CampaignFigures:
    by_status: dict[str, int]
    total: Tally
    by_kind: list[tuple[str, Tally]]
    by_group: dict[str, Tally]
    areas: list[tuple[Region, int]]  # each region one level below and its adopted activities
    units: list[tuple[UnitRef, int]]  # units with at least one adopted activity (host or co-organiser)
    unit_total: int  # member units of the campaign's region
    notes: list[str] = field(default_factory=list)
    # Set when `units` holds only the first few (the page's cached copy): the number of all of them.
    units_counted: int | None = None

    @property
    def unit_count(self) -> int:
        """Units with at least one adopted activity, also when `units` was cut to the first few."""
        return len(self.units) if self.units_counted is None else self.units_counted

    @property
    def status_lines(self) -> list[tuple[str, int]]:
        """(label, count) of every state but 采用, in workflow order, for the line under the total."""
        return [
            (str(label), self.by_status[value])
            for value, label in ActivityStatus.choices
            if value != COUNTED and self.by_status.get(value)
        ]

    @property
    def areas_covered(self) -> int:
        return sum(1 for _region, n in self.areas if n)

    @property
    def area_rate(self) -> float | None:
        return self.areas_covered / len(self.areas) * 100 if self.areas else None

    @property
    def unit_rate(self) -> float | None:
        return self.unit_count / self.unit_total * 100 if self.unit_total else None


def campaign_rows(campaign: Campaign) -> QuerySet[Activity]:
    return Activity.objects.filter(campaign=campaign)


def campaign_figures(campaign: Campaign) -> CampaignFigures:
    """Everything the campaign page, its summary and its 汇总表 show: five grouped queries whatever the rows."""
    rows = campaign_rows(campaign)
    adopted = rows.filter(status=COUNTED)
    by_status: dict[str, int] = {}
    kinds: dict[str, Tally] = {}
    for status, kind, n, attendance, views in (
        rows.values_list("status", "kind")
        .annotate(n=Count("pk"), a=Sum("attendance"), v=Sum("online_views"))
        .values_list("status", "kind", "n", "a", "v")
    ):
        by_status[status] = by_status.get(status, 0) + n
        if status == COUNTED:
            kinds.setdefault(kind, Tally()).add(n, attendance, views)
    total = Tally()
    for tally in kinds.values():
        total.add(tally.activities, tally.attendance, tally.online_views)
    return CampaignFigures(
        by_status=by_status,
        total=total,
        by_kind=[(str(label), kinds[value]) for value, label in ActivityKind.choices if value in kinds],
        by_group=by_key_group(
            adopted.values_list("key_groups")
            .annotate(n=Count("pk"), a=Sum("attendance"))
            .values_list("key_groups", "n", "a")
        ),
        areas=_areas(campaign.region, adopted),
        units=_units(adopted),
        unit_total=Unit.objects.filter(region=campaign.region, is_member=True).count(),
    )


CACHE_SECONDS = 600
PAGE_UNITS = 50  # the page lists the first 50 units; the 汇总表 has them all


def cached_campaign_figures(campaign: Campaign) -> CampaignFigures:
    """The page's figures, reused while the count and latest change of the rows in each state are
    unchanged (one index-only query) and for ten minutes at most: a province campaign has tens of
    thousands of rows. A change that skips updated_at (a bulk update) shows within ten minutes; the
    总结 and 汇总表 always compute afresh."""
    from django.core.cache import cache

    # Rows and latest change per state, read from the (campaign, status, updated_at) index alone (an
    # index-only scan, 8 ms for 62,700 rows): a new row, a change of state or an edit saved through the
    # actions (updated_at) gives a new key.
    states = sorted(
        campaign_rows(campaign)
        .values_list("status")
        .annotate(n=Count("*"), at=Max("updated_at"))
        .values_list("status", "n", "at")
    )
    key = f"activities:campaign:v3:{campaign.pk}:" + ",".join(
        f"{status}={n}@{at.timestamp() if at else 0}" for status, n, at in states
    )
    found = cache.get(key)
    if found is None:
        found = for_page(campaign_figures(campaign))
        cache.set(key, found, CACHE_SECONDS)
    return found


def for_page(figures: CampaignFigures) -> CampaignFigures:
    """The page's copy: only the first units (a province has 10,000 of them; reading them all back from
    the cache cost more than the rest of the page), and how many there are."""
    return replace(figures, units=figures.units[:PAGE_UNITS], units_counted=figures.unit_count)


def _areas(region: Region, adopted: QuerySet[Activity]) -> list[tuple[Region, int]]:
    children = list(Region.objects.filter(parent=region).order_by("code"))
    counts = dict(adopted.values_list("region_path").annotate(n=Count("pk")).values_list("region_path", "n"))
    rolled = roll_up(counts, children)
    return [(child, rolled[child.pk]) for child in children]


@dataclass(frozen=True)
class UnitRef:
    """A unit's id and name: what the figures need, small enough to cache by the thousand."""

    pk: int
    name: str


def _units(adopted: QuerySet[Activity]) -> list[tuple[UnitRef, int]]:
    """Activities per unit: those it hosts plus those it co-organises (a co-organiser row never names the
    host, and the exclude below keeps a stray one from counting an activity twice)."""
    counts: dict[int, int] = dict(
        adopted.values_list("unit").annotate(n=Count("pk")).values_list("unit", "n")
    )
    co = (
        ActivityOrganiser.objects.filter(activity__in=adopted)
        .exclude(unit=F("activity__unit"))
        .values_list("unit")
        .annotate(n=Count("activity", distinct=True))
        .values_list("unit", "n")
    )
    for unit_id, n in co:
        counts[unit_id] = counts.get(unit_id, 0) + n
    names = dict(Unit.objects.filter(pk__in=list(counts)).order_by().values_list("pk", "name"))
    return sorted(
        ((UnitRef(pk, names.get(pk, "")), n) for pk, n in counts.items()),
        key=lambda pair: (-pair[1], pair[0].name),
    )


# ---- the count rules' values -------------------------------------------------------------------------


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def counted_activities(region: Region, year: int) -> QuerySet[Activity]:
    """Adopted activities held in ``region``'s subtree that started in ``year``."""
    return Activity.objects.filter(region_path__startswith=region.path, status=COUNTED, starts_at__year=year)


def rule_rows(rule: CountRule, region: Region, year: int) -> QuerySet[Activity]:
    rows = counted_activities(region, year)
    if rule.kind:
        rows = rows.filter(kind=rule.kind)
    if rule.campaign_kind:
        rows = rows.filter(campaign__kind=rule.campaign_kind)
    if rule.linked_only:
        rows = rows.filter(tasks=rule.target.task_id)
    if rule.what == CountWhat.EXPERT_SERVICES:
        rows = rows.filter(experts__isnull=False)
    if rule.key_group:
        rows = rows.with_key_group(rule.key_group)  # type: ignore[attr-defined]
    return rows.distinct()


def micro_videos(region: Region, year: int) -> int:
    return Resource.objects.filter(
        region__path__startswith=region.path,
        kind=ResourceKind.MICRO_VIDEO,
        published_on__range=_year_range(year),
    ).count()


def rule_value(rule: CountRule, region: Region, year: int) -> float:
    """The rule's figure for ``region``'s subtree in ``year``."""
    if rule.what == CountWhat.MICRO_VIDEOS:
        return float(micro_videos(region, year))
    rows = rule_rows(rule, region, year)
    if rule.what == CountWhat.ATTENDANCE:
        return float(
            Activity.objects.filter(pk__in=rows.values("pk")).aggregate(a=Sum("attendance"))["a"] or 0
        )
    return float(rows.count())

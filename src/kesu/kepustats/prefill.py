"""What Kesu's own rows say for a unit's 科普统计 form of a calendar year (read-only).

One GROUP BY per source for any number of units (activities; funding; venues and their annual
visitors; experts and volunteers taking part), so pre-filling a city's 60 forms costs the same few
queries as one. Each figure carries a line of provenance and, where a list page exists, a link.

Definitions (docs/kepustats.md):
- activities: 已采用 (adopted) activities the unit hosts (主办), starting in the year. An activity
  of several units counts once, on the host's form only; co-organisers do not count it again.
  人次 = 线下参与人次 + 线上观看人次.
- funding: the unit's funding lines of that budget year; 筹集额 from 到位数, 使用额 from 执行数,
  in 万元 rounded half up. 政府拨款 = 财政拨款 + 科普专项 + 上级转移支付.
- venues: institutions the unit recommends (主管/推荐单位); a 科技馆 is one flagged 科技馆 with a
  建筑面积 of at least 500 m² (the survey's definition); any other institution with a designation
  valid on 31 December is a 科普（技）教育基地. 参观人次 from that year's 基地年报.
- people: distinct experts and volunteers taking part in the unit's counted activities are
  科普兼职人员 (the survey counts volunteers at events as part-time staff); 女性 by their sex.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kesu.activities.models import Activity, ActivityKind, ActivityStatus, CampaignKind
from kesu.funding.models import FundingLine, Nature
from kesu.kepustats.form import whole

WAN = 10_000  # 元 per 万元
BIG_EVENT = 1000  # 重大科普活动: 参加人次 1000 以上
MUSEUM_AREA = 500  # 科技馆: 建筑面积 500 m² 以上

# 活动形式 → (次数/数量 code, 人次 code). Kinds without a row of their own (咨询, 义诊, 大篷车, …)
# count only in the total 人次 (A900).
KIND_ROWS = {
    ActivityKind.LECTURE: ("A100", "A101"),
    ActivityKind.EXHIBITION: ("A110", "A111"),
    ActivityKind.CONTEST: ("A120", "A121"),
    ActivityKind.INTERNATIONAL: ("A130", "A131"),
    ActivityKind.INTEREST_GROUP: ("A140", "A141"),
    ActivityKind.CAMP: ("A150", "A151"),
    ActivityKind.OPEN_DAY: ("A170", "A171"),
    ActivityKind.TRAINING: ("A180", "A181"),
}
GOVERNMENT = (Nature.APPROPRIATION, Nature.SPECIAL, Nature.TRANSFER)


@dataclass(frozen=True)
class Prefilled:
    value: int
    provenance: str
    link: str = ""


UnitFigures = dict[str, Prefilled]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year in the site's time zone (an activity at 23:30 on 31 December is that year's)."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=zone),
    )


def _url(name: str, **query: Any) -> str:
    try:
        base = reverse(name)
    except NoReverseMatch:
        return ""  # the list page is not there (yet): the provenance line alone says where from
    return base + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def compute(unit_ids: list[int], year: int) -> dict[int, UnitFigures]:
    """unit id → code → pre-filled figure, for every pre-fillable item of the forms."""
    result: dict[int, UnitFigures] = {unit_id: {} for unit_id in unit_ids}
    for part in (activities, funding, venues, people):
        for unit_id, figures in part(unit_ids, year).items():
            result[unit_id].update(figures)
    return result


# ---- activities ---------------------------------------------------------------------------------


def counted_activities(unit_ids: list[int], year: int) -> Any:
    start, end = year_bounds(year)
    return Activity.objects.filter(
        unit_id__in=unit_ids, status=ActivityStatus.ADOPTED, starts_at__gte=start, starts_at__lt=end
    )


def activities(unit_ids: list[int], year: int) -> dict[int, UnitFigures]:
    people = Coalesce(F("attendance"), Value(0)) + Coalesce(F("online_views"), Value(0))
    week = Q(campaign__kind=CampaignKind.SCIENCE_WEEK)
    rows = (
        counted_activities(unit_ids, year)
        .alias(people=people)
        .values("unit_id", "kind")
        .annotate(
            n=Count("pk"),
            people_sum=Sum("people"),
            big=Count("pk", filter=Q(people__gte=BIG_EVENT)),
            materials_sum=Sum("materials"),
            week_n=Count("pk", filter=week),
            week_people=Sum("people", filter=week),
        )
        .order_by()
    )
    totals: dict[int, dict[str, int]] = {u: defaultdict(int) for u in unit_ids}
    for row in rows:
        t = totals[row["unit_id"]]
        kind_rows = KIND_ROWS.get(row["kind"])
        if kind_rows:
            t[kind_rows[0]] += row["n"]
            t[kind_rows[1]] += row["people_sum"] or 0
        for code, key in (("A900", "people_sum"), ("A190", "big"), ("M950", "materials_sum")):
            t[code] += row[key] or 0
        t["A160"] += row["week_n"]
        t["A161"] += row["week_people"] or 0
        t["_n"] += row["n"]
    return {u: _activity_figures(u, year, t) for u, t in totals.items()}


def _activity_figures(unit_id: int, year: int, t: dict[str, int]) -> UnitFigures:
    link = _url("activities:activity_list", unit=unit_id, year=year, status="adopted")
    basis = f"{year}年本单位主办、已采用的科普活动"
    figures: UnitFigures = {}
    for kind, (count_code, people_code) in KIND_ROWS.items():
        label = ActivityKind(kind).label
        n = t.get(count_code, 0)
        if kind == ActivityKind.OPEN_DAY:
            figures[count_code] = Prefilled(
                min(n, 1),
                f"{basis}中有开放日活动 {n} 场（本单位计 1 个开放单位）" if n else f"{basis}中无开放日活动",
                link,
            )
        else:
            figures[count_code] = Prefilled(n, f"{basis}中形式为“{label}”的 {n} 场", link)
        figures[people_code] = Prefilled(
            t.get(people_code, 0), f"{basis}中“{label}”的参与人次（线下＋线上）合计", link
        )
    figures["A160"] = Prefilled(t.get("A160", 0), f"{basis}中属于科技活动周的 {t.get('A160', 0)} 场", link)
    figures["A161"] = Prefilled(t.get("A161", 0), f"{basis}中属于科技活动周的参与人次合计", link)
    figures["A190"] = Prefilled(
        t.get("A190", 0), f"{basis}中参与人次 {BIG_EVENT} 以上的 {t.get('A190', 0)} 场", link
    )
    figures["A900"] = Prefilled(
        t.get("A900", 0), f"{basis}（{t.get('_n', 0)} 场）的参与人次合计（线下＋线上）", link
    )
    figures["M950"] = Prefilled(
        t.get("M950", 0), f"{basis}（{t.get('_n', 0)} 场）登记的发放资料份数合计", link
    )
    return figures


# ---- funding ------------------------------------------------------------------------------------

SPLITS = (
    ("F210", "spent_activities", "科普活动支出"),
    ("F220", "spent_venue_building", "场馆基建支出"),
    ("F230", "spent_exhibits", "展品、设施支出"),
    ("F250", "spent_other", "其他支出"),
)


def funding(unit_ids: list[int], year: int) -> dict[int, UnitFigures]:
    unsplit = Q(spent__gt=0, **{f"{field}__isnull": True for _c, field, _l in SPLITS})
    rows = (
        FundingLine.objects.filter(unit_id__in=unit_ids, year=year)
        .values("unit_id", "nature")
        .annotate(
            n=Count("pk"),
            received_sum=Sum("received"),
            spent_sum=Sum("spent"),
            unsplit_n=Count("pk", filter=unsplit),
            unsplit_sum=Sum("spent", filter=unsplit),
            **{f"{field}_sum": Sum(field) for _c, field, _l in SPLITS},
        )
        .order_by()
    )
    by_unit: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_unit[row["unit_id"]].append(dict(row))
    return {u: _funding_figures(u, year, by_unit.get(u, [])) for u in unit_ids}


def _yuan(rows: list[dict[str, Any]], key: str, natures: tuple[str, ...] | None = None) -> Decimal:
    return sum(
        (row[key] or Decimal(0) for row in rows if natures is None or row["nature"] in natures), Decimal(0)
    )


def _funding_figures(unit_id: int, year: int, rows: list[dict[str, Any]]) -> UnitFigures:
    link = _url("funding:line_list", unit=unit_id, year=year)
    lines = sum(row["n"] for row in rows)
    basis = f"{year}年度本单位科普经费项目 {lines} 条"

    def fig(amount: Decimal, what: str, note: str = "") -> Prefilled:
        return Prefilled(whole(amount, WAN), f"{basis}：{what} {amount:,.2f} 元，折合万元取整{note}", link)

    figures: UnitFigures = {
        "F100": fig(_yuan(rows, "received_sum"), "到位数合计"),
        "F110": fig(_yuan(rows, "received_sum", GOVERNMENT), "财政拨款、科普专项、上级转移支付到位数"),
        "F111": fig(_yuan(rows, "received_sum", (Nature.SPECIAL,)), "科普专项到位数"),
        "F120": fig(_yuan(rows, "received_sum", (Nature.DONATION,)), "社会捐赠到位数"),
        "F130": fig(_yuan(rows, "received_sum", (Nature.SELF_RAISED,)), "自筹到位数"),
    }
    unsplit_n = sum(row["unsplit_n"] for row in rows)
    note = (
        f"；其中 {unsplit_n} 条未拆分使用额，共 {_yuan(rows, 'unsplit_sum'):,.2f} 元，未计入各分项"
        if unsplit_n
        else ""
    )
    figures["F200"] = fig(_yuan(rows, "spent_sum"), "执行数合计", note)
    for code, field, label in SPLITS:
        figures[code] = fig(_yuan(rows, f"{field}_sum"), f"执行数中{label}")
    return figures


# ---- venues -------------------------------------------------------------------------------------


def venues(unit_ids: list[int], year: int) -> dict[int, UnitFigures]:
    from kesu.venues.models import AnnualReport, Designation, Institution

    museum = Q(is_science_museum=True, building_area__gte=MUSEUM_AREA)
    valid_on = Designation.objects.valid_on(date(year, 12, 31))
    base = ~museum & Q(Exists(valid_on.filter(institution=OuterRef("pk"))))
    reported_base = ~_prefixed(museum, "institution__") & Q(
        Exists(valid_on.filter(institution=OuterRef("institution_id")))
    )
    rows = (
        Institution.objects.filter(unit_id__in=unit_ids)
        .values("unit_id")
        .annotate(
            museums=Count("pk", filter=museum),
            building=Sum("building_area", filter=museum),
            exhibit=Sum("exhibit_area", filter=museum),
            bases=Count("pk", filter=base),
        )
        .order_by()
    )
    visits = (
        AnnualReport.objects.filter(institution__unit_id__in=unit_ids, round__year=year)
        .values("institution__unit_id")
        .annotate(
            museum_visits=Sum("visitors", filter=_prefixed(museum, "institution__")),
            base_visits=Sum("visitors", filter=reported_base),
        )
        .order_by()
    )
    found: dict[int, dict[str, Any]] = {row["unit_id"]: dict(row) for row in rows}
    seen: dict[int, dict[str, Any]] = {row["institution__unit_id"]: dict(row) for row in visits}
    return {u: _venue_figures(u, year, found.get(u, {}), seen.get(u, {})) for u in unit_ids}


def _prefixed(q: Q, prefix: str) -> Q:
    return Q(**{f"{prefix}{key}": value for key, value in q.children})  # type: ignore[misc]


def _venue_figures(unit_id: int, year: int, row: dict[str, Any], visits: dict[str, Any]) -> UnitFigures:
    link = _url("venues:institution_list", unit=unit_id)
    museums = f"本单位主管/推荐的科技馆（建筑面积 {MUSEUM_AREA} 平方米以上）{row.get('museums', 0)} 个"
    bases = f"本单位主管/推荐、{year}年12月31日认定有效的科普教育基地 {row.get('bases', 0)} 个"
    return {
        "S100": Prefilled(row.get("museums", 0), museums, link),
        "S110": Prefilled(whole(row.get("building")), f"{museums}的建筑面积合计", link),
        "S120": Prefilled(whole(row.get("exhibit")), f"{museums}的展教面积合计", link),
        "S130": Prefilled(
            visits.get("museum_visits") or 0, f"{museums}在{year}年度基地年报中的接待人次", link
        ),
        "S800": Prefilled(row.get("bases", 0), bases, link),
        "S810": Prefilled(visits.get("base_visits") or 0, f"{bases}在{year}年度基地年报中的接待人次", link),
    }


# ---- people -------------------------------------------------------------------------------------


def people(unit_ids: list[int], year: int) -> dict[int, UnitFigures]:
    counted = counted_activities(unit_ids, year)
    experts = (
        Activity.experts.through.objects.filter(activity__in=counted)
        .values("activity__unit_id")
        .annotate(
            n=Count("expert_id", distinct=True),
            women=Count("expert_id", distinct=True, filter=Q(expert__sex="female")),
        )
        .order_by()
    )
    volunteers = (
        Activity.volunteers.through.objects.filter(activity__in=counted)
        .values("activity__unit_id")
        .annotate(
            n=Count("volunteer_id", distinct=True),
            women=Count("volunteer_id", distinct=True, filter=Q(volunteer__sex="F")),
        )
        .order_by()
    )
    e: dict[int, dict[str, Any]] = {row["activity__unit_id"]: dict(row) for row in experts}
    v: dict[int, dict[str, Any]] = {row["activity__unit_id"]: dict(row) for row in volunteers}
    return {u: _people_figures(u, year, e.get(u, {}), v.get(u, {})) for u in unit_ids}


def _people_figures(unit_id: int, year: int, e: dict[str, Any], v: dict[str, Any]) -> UnitFigures:
    link = _url("activities:activity_list", unit=unit_id, year=year, status="adopted")
    n_e, n_v = e.get("n", 0), v.get("n", 0)
    w_e, w_v = e.get("women", 0), v.get("women", 0)
    basis = f"参与{year}年本单位已采用科普活动的专家 {n_e} 人、志愿者 {n_v} 人（各自去重）"
    return {
        "R200": Prefilled(n_e + n_v, basis, link),
        "R220": Prefilled(w_e + w_v, f"{basis}中女性：专家 {w_e} 人、志愿者 {w_v} 人", link),
    }

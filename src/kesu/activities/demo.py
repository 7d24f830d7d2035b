"""Demo step (演示数据): a year of 科普活动 at 平顶山市's scale, two campaigns, a 科普资源 library.

About 3,000 activities over the last twelve months across the city's member units and counties (most
adopted, a few submitted or returned), a 科技活动周 and a 全国科普月 with their activities, about 50
resources (half of them 微视频), and a few activities of 平阴县 linked to its plan's per-year targets.
Then each seed target these rows measure gets the count rule an office would set, found by its
indicator link or its words, and the figures go into the indicators. One seeded ``random.Random`` and
``bulk_create`` throughout (``generate_activities`` is shared with benchmarks/activities_bench.py).
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from kesu.activities import actions_campaigns
from kesu.activities.models import (
    KEY_GROUPS,
    Activity,
    ActivityKind,
    ActivityOrganiser,
    ActivityPhoto,
    ActivityStatus,
    Campaign,
    CampaignKind,
    CountMethod,
    CountWhat,
    OrganiserRole,
    Resource,
    ResourceKind,
)
from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.regions.models import Region, Unit

SEED = 17
PINGDINGSHAN = "410400000000"
PINGYIN = "370124000000"
ACTIVITIES, RESOURCES = 3000, 50
BATCH = 2000
TOPICS = (
    "防灾减灾",
    "健康生活",
    "食品安全",
    "农业技术",
    "人工智能",
    "航天科技",
    "节能环保",
    "应急救护",
    "反邪教",
    "心理健康",
)
PLACES = (
    "社区文化广场",
    "中心小学",
    "乡镇综合文化站",
    "市科技馆",
    "村委会",
    "职业技术学院",
    "市民公园",
    "企业会议室",
)
KIND_WEIGHTS = {
    ActivityKind.LECTURE: 30,
    ActivityKind.EXHIBITION: 12,
    ActivityKind.CONTEST: 5,
    ActivityKind.TRAINING: 15,
    ActivityKind.CONSULTATION: 10,
    ActivityKind.CLINIC: 8,
    ActivityKind.CARAVAN: 4,
    ActivityKind.OPEN_DAY: 6,
    ActivityKind.LIVESTREAM: 6,
    ActivityKind.OTHER: 4,
}
ATTENDANCE = {
    ActivityKind.EXHIBITION: (200, 3000),
    ActivityKind.OPEN_DAY: (100, 1500),
    ActivityKind.CARAVAN: (150, 1200),
}


@dataclass
class Spread:
    """Where and when generated activities fall: host units, regions, a date range, campaigns."""

    units: Sequence[Unit]
    regions: Sequence[Region]
    first: date
    last: date
    campaigns: Sequence[Campaign] = ()
    campaign_share: float = 0.25


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def _status(rng: random.Random, starts: datetime, now: datetime) -> str:
    if starts > now:
        return ActivityStatus.PLANNED
    roll = rng.random()
    if roll < 0.03:
        return ActivityStatus.SUBMITTED
    if roll < 0.04:
        return ActivityStatus.RETURNED
    if roll < 0.06:
        return ActivityStatus.HELD
    return ActivityStatus.ADOPTED


def _campaign_day(rng: random.Random, campaign: Campaign) -> date:
    span = (campaign.ends_on - campaign.starts_on).days
    return campaign.starts_on + timedelta(days=rng.randint(0, span))


def make_activity(rng: random.Random, spread: Spread, number: int, now: datetime) -> Activity:
    """One synthetic activity (not saved): realistic names, types, key groups and 人次."""
    campaign = (
        rng.choice(spread.campaigns) if spread.campaigns and rng.random() < spread.campaign_share else None
    )
    day = (
        _campaign_day(rng, campaign)
        if campaign
        else spread.first + timedelta(days=rng.randint(0, (spread.last - spread.first).days))
    )
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    low, high = ATTENDANCE.get(kind, (20, 300))
    starts = _moment(day, rng.choice((9, 10, 14, 15)))
    status = _status(rng, starts, now)
    online = kind == ActivityKind.LIVESTREAM
    topic = rng.choice(TOPICS)
    unit = spread.units[number % len(spread.units)]
    return Activity(
        unit=unit,
        region=rng.choice(spread.regions),
        name=f"{topic}{ActivityKind(kind).label}（{unit.name}第{number + 1}期）",
        campaign=campaign,
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(hours=rng.choice((2, 3, 4))),
        address=rng.choice(PLACES),
        mode="online" if online else "offline",
        online_views=rng.randint(500, 20000) if online else None,
        key_groups=rng.sample(KEY_GROUPS, rng.choice((1, 1, 2))),
        attendance=None if online else rng.randint(low, high),
        count_method="" if online else rng.choice(CountMethod.values),
        materials=rng.choice((None, 100, 200, 500)),
        status=status,
        submitted_at=starts + timedelta(days=2)
        if status in (ActivityStatus.SUBMITTED, ActivityStatus.ADOPTED)
        else None,
        reviewed_at=starts + timedelta(days=5)
        if status in (ActivityStatus.ADOPTED, ActivityStatus.RETURNED)
        else None,
        review_comment="照片不足，请补充现场照片后重新提交" if status == ActivityStatus.RETURNED else "",
    )


def generate_activities(rng: random.Random, spread: Spread, count: int, *, co_share: float = 0.15) -> int:
    """Insert ``count`` activities in batches (and a co-organiser for ``co_share`` of them); returns the count."""
    now = timezone.now()
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        rows = Activity.objects.bulk_create([make_activity(rng, spread, made + i, now) for i in range(size)])
        _organisers(rng, rows, spread.units, co_share)
        made += size
    return made


def _organisers(rng: random.Random, rows: Sequence[Activity], units: Sequence[Unit], share: float) -> None:
    links = []
    for activity in rows:
        if len(units) > 1 and rng.random() < share:
            other = rng.choice([u for u in units[:12] if u.pk != activity.unit_id] or units)
            if other.pk != activity.unit_id:
                role = rng.choice((OrganiserRole.UNDERTAKER, OrganiserRole.CO_ORGANISER))
                links.append(ActivityOrganiser(activity=activity, unit=other, role=role))
    ActivityOrganiser.objects.bulk_create(links, ignore_conflicts=True)


# ---- the demo step -------------------------------------------------------------------------------------


@register_demo_step
def load_activities(accounts: DemoAccounts) -> None:
    city = Region.objects.filter(code=PINGDINGSHAN).first()
    if city is None or Campaign.objects.filter(region=city).exists():
        return  # no regions yet, or loaded before: the demo keeps what is there
    units = list(Unit.objects.filter(region=city, is_member=True).order_by("pk"))
    if not units:
        return
    rng = random.Random(SEED)
    today = date.today()
    with transaction.atomic():
        campaigns = _campaigns(city, today)
        counties = list(Region.objects.filter(parent=city).order_by("code")) or [city]
        spread = Spread(units, [city, *counties, *counties], today - timedelta(days=364), today, campaigns)
        generate_activities(rng, spread, ACTIVITIES)
        _photos(city)
        _experts(rng, city)
        _resources(rng, city, units, today)
        _pingyin(rng, today)
        _count_rules(today)


def _campaigns(city: Region, today: date) -> list[Campaign]:
    """The last 科技活动周 (third week of May) and 全国科普月 (September) that have ended or started."""
    year = today.year if today >= date(today.year, 9, 1) else today.year - 1
    week = actions_campaigns.create_campaign(
        None,
        city,
        name=f"{year}年平顶山市科技活动周",
        kind=CampaignKind.SCIENCE_WEEK,
        year=year,
        starts_on=date(year, 5, 17),
        ends_on=date(year, 5, 24),
        theme="矢志创新 共享未来",
        notice="各成员单位于活动周期间组织开展科普讲座、展览、开放日等活动，活动结束后 10 日内在平台报送。",
        summary_due=date(year, 6, 5),
    )
    month = actions_campaigns.create_campaign(
        None,
        city,
        name=f"{year}年平顶山市全国科普月",
        kind=CampaignKind.SCIENCE_DAY,
        year=year,
        starts_on=date(year, 9, 1),
        ends_on=date(year, 9, 30),
        theme="弘扬科学家精神 激发全社会创新活力",
        notice="全市各成员单位、各县（市、区）围绕主题开展重点科普活动，9 月 30 日前登记，10 月 15 日前报送总结。",
        summary_due=date(year, 10, 15),
    )
    return [week, month]


def _demo_images() -> list[str]:
    """Three small JPEGs stored once and shared by the demo's photo rows (a demo needs pictures, not copies)."""
    from PIL import Image

    names = []
    for index, colour in enumerate(((46, 125, 160), (90, 160, 90), (200, 140, 60)), start=1):
        name = f"activities/demo/现场{index}.jpg"
        if not default_storage.exists(name):
            buffer = io.BytesIO()
            Image.new("RGB", (640, 480), colour).save(buffer, "JPEG", quality=70)
            name = default_storage.save(name, ContentFile(buffer.getvalue()))
        names.append(name)
    return names


def _photos(city: Region) -> None:
    names = _demo_images()
    evidenced = Activity.objects.filter(
        region__path__startswith=city.path,
        status__in=(ActivityStatus.ADOPTED, ActivityStatus.SUBMITTED, ActivityStatus.RETURNED),
    ).values_list("pk", flat=True)
    rows = [
        ActivityPhoto(
            activity_id=pk, image=name, thumbnail=name, filename=f"现场{i}.jpg", width=640, height=480
        )
        for pk in evidenced.iterator()
        for i, name in enumerate(names, start=1)
    ]
    ActivityPhoto.objects.bulk_create(rows, batch_size=BATCH)


def _experts(rng: random.Random, city: Region) -> None:
    """Experts took part in about one clinic, consultation or lecture in five."""
    from kesu.experts.models import Expert

    experts = list(
        Expert.objects.filter(region__path__startswith=city.path).values_list("pk", flat=True)[:200]
    )
    if not experts:
        return
    kinds = (ActivityKind.CLINIC, ActivityKind.CONSULTATION, ActivityKind.LECTURE)
    chosen = Activity.objects.filter(region__path__startswith=city.path, kind__in=kinds).values_list(
        "pk", flat=True
    )
    through = Activity.experts.through
    links = [through(activity_id=pk, expert_id=rng.choice(experts)) for pk in chosen if rng.random() < 0.2]
    through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)


def _resources(rng: random.Random, city: Region, units: Sequence[Unit], today: date) -> None:
    kinds = [ResourceKind.MICRO_VIDEO] * 5 + [
        ResourceKind.ARTICLE,
        ResourceKind.VIDEO,
        ResourceKind.POSTER,
        ResourceKind.COURSEWARE,
        ResourceKind.READER,
    ]
    rows = []
    for number in range(RESOURCES):
        kind = kinds[number % len(kinds)]
        topic = TOPICS[number % len(TOPICS)]
        rows.append(
            Resource(
                region=city,
                unit=units[number % len(units)],
                title=f"{topic}{ResourceKind(kind).label}第{number // len(TOPICS) + 1}期",
                kind=kind,
                url=f"https://www.example.cn/kepu/{number + 1}",
                tags=[topic],
                emergency=topic in ("防灾减灾", "应急救护", "食品安全"),
                published_on=today - timedelta(days=rng.randint(0, 364)),
                views=rng.randint(100, 50000),
            )
        )
    Resource.objects.bulk_create(rows)


def _pingyin(rng: random.Random, today: date) -> None:
    """A few 平阴县 activities linked to its plan's per-year targets (健康科普 场次, 专家志愿服务 次数)."""
    county = Region.objects.filter(code=PINGYIN).first()
    units = list(Unit.objects.filter(region=county, is_member=True).order_by("pk")[:8]) if county else []
    if county is None or not units:
        return
    spread = Spread(units, [county], date(today.year, 1, 1), today, (), 0)
    first = Activity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    generate_activities(rng, spread, 60, co_share=0.3)
    created = list(Activity.objects.filter(pk__gt=first, region=county).values_list("pk", flat=True))
    _link_tasks(created, county)


def _health_target(target: object) -> bool:
    words = f"{getattr(target, 'text', '')}{getattr(target, 'indicator', '')}"
    return "健康" in words and getattr(target, "unit", "") == "场"


def _expert_target(target: object) -> bool:
    words = f"{getattr(target, 'text', '')}{getattr(target, 'indicator', '')}"
    return "志愿服务" in words and "专家" in f"{words}{getattr(getattr(target, 'task', None), 'text', '')}"


def _link_tasks(activity_ids: list[int], county: Region) -> None:
    from kesu.plans.models import Target

    targets = [
        t
        for t in Target.objects.filter(task__plan__region=county).select_related("task")
        if _health_target(t) or _expert_target(t)
    ]
    through = Activity.tasks.through
    links = (
        [
            through(activity_id=pk, task_id=targets[i % len(targets)].task_id)
            for i, pk in enumerate(activity_ids)
        ]
        if targets
        else []
    )
    through.objects.bulk_create(links, ignore_conflicts=True)


def _count_rules(today: date) -> None:
    """Each seed target these rows measure gets a count rule; the figures go into the indicators."""
    from kesu.plans.models import Target

    regions: dict[int, Region] = {}
    for target in Target.objects.select_related("task__plan__region", "indicator_link__indicator"):
        options = _rule_for(target)
        if options is None or _counted_elsewhere(target):
            continue
        actions_campaigns.set_count_rule(None, target, **options)
        regions[target.task.plan.region.pk] = target.task.plan.region
    for region in regions.values():
        for year in (today.year - 1, today.year):
            actions_campaigns.refresh_counts(None, region, year)


def _rule_for(target: object) -> dict[str, Any] | None:
    link = getattr(target, "indicator_link", None)
    code = link.indicator.code if link is not None else ""
    if _health_target(target) or code == "health_education_event_count":
        return {
            "what": CountWhat.ACTIVITIES,
            "indicator_code": "health_education_event_count",
            "linked_only": True,
        }
    if _expert_target(target):
        return {"what": CountWhat.EXPERT_SERVICES, "linked_only": True}
    if code == "micro_video_count" or "微视频" in str(getattr(target, "text", "")):
        return {"what": CountWhat.MICRO_VIDEOS}
    if code == "science_activity_count":
        return {"what": CountWhat.ACTIVITIES}
    return None


def _counted_elsewhere(target: object) -> bool:
    """A target another registry already measures keeps that registry's rule."""
    return any(hasattr(target, name) for name in ("volunteers_count_rule", "experts_count_rule"))

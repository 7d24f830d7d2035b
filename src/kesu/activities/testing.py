"""Test helpers of the activities app: the personas, ready-made activities and photos, and the URL walk's samples.

The personas, on ``kesu.testing.World`` (reusable by the campaigns and 科普统计 tests):

- ``office``: 平顶山市's office (素质办 at the 市科协), which reads, corrects and reviews the city's activities;
- ``host``: the liaison of 市教育体育局, a member unit that enters its own activities;
- ``partner``: the liaison of 市科协 as a unit, which co-organises (协办) the host's activity and reads it only;
- ``outsider``: 新郑市's office, which sees nothing of 平顶山市.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from kesu.activities import actions
from kesu.activities.activity_photos import CheckedPhoto, check_photo
from kesu.activities.models import Activity, ActivityStatus, Campaign, Resource
from kesu.regions.models import Region, Unit


@dataclass
class Personas:
    office: Any
    host: Any
    partner: Any
    outsider: Any
    host_unit: Unit
    partner_unit: Unit
    city: Region


def personas(world: Any) -> Personas:
    return Personas(
        office=world.pds_office,
        host=world.edu_liaison,
        partner=world.kexie_liaison,
        outsider=world.xz_office,
        host_unit=world.edu_bureau,
        partner_unit=world.kexie,
        city=world.pingdingshan,
    )


def jpeg_bytes(colour: tuple[int, int, int] = (40, 120, 200), size: tuple[int, int] = (800, 600)) -> bytes:
    """A real, small JPEG (what a phone camera sends, smaller)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=70)
    return out.getvalue()


def photos(count: int) -> list[CheckedPhoto]:
    return [check_photo(jpeg_bytes((30 * i % 255, 100, 150)), f"现场{i + 1}.jpg") for i in range(count)]


def when(days_ago: int = 3, hours: int = 2) -> tuple[datetime, datetime]:
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return start, start + timedelta(hours=hours)


def make_activity(
    unit: Unit,
    name: str = "社区健康科普讲座",
    *,
    actor: Any = None,
    region: Region | None = None,
    co_organisers: list[Unit] | None = None,
    photo_count: int = 3,
    campaign: Campaign | None = None,
    submit: bool = False,
    **fields: Any,
) -> Activity:
    """An activity held three days ago (已开展), with photos; submitted when asked."""
    start, end = when()
    values: dict[str, Any] = {
        "name": name,
        "kind": "lecture",
        "starts_at": start,
        "ends_at": end,
        "region": region or unit.region,
        "address": "光明路社区活动室",
        "key_groups": ["老年人"],
        "attendance": 120,
        "count_method": "sign_in",
        "campaign": campaign,
    } | fields
    activity = actions.create_activity(
        actor,
        unit,
        values,
        organisers=actions.Organisers(co_organisers=co_organisers or []),
        photos=photos(photo_count),
    )
    if submit:
        activity = actions.submit_activity(actor, activity)
    return activity


def url_samples(owner_unit: Unit, owner_region: Region, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on ``owner_unit``'s side (see tests/test_every_url_respects_scope.py)."""
    name = f"活动样例{owner_unit.pk}{owner_region.code[:6]}"
    activity = Activity.objects.filter(unit=owner_unit, name=name).first() or make_activity(
        owner_unit, name, photo_count=1
    )
    # Offices below read the campaigns above them (a county office sees the city's 科普月), so the
    # sample sits in a region of the owner's subtree that lies above no other persona.
    below = Region.objects.filter(code=f"{owner_region.code[:9]}999").first()
    if below is None:
        below = Region(code=f"{owner_region.code[:9]}999", name="样例街道", parent=owner_region)
        below.level, below.path = owner_region.level + 1, ""
        below.path = below.compute_path()
        below.save()
    campaign = Campaign.objects.filter(region=below, name=f"{name}主题").first() or Campaign.objects.create(
        region=below,
        name=f"{name}主题",
        kind="science_day",
        year=2026,
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=30),
    )
    resource = Resource.objects.filter(
        unit=owner_unit, title=f"{name}资源"
    ).first() or Resource.objects.create(
        region=owner_region,
        unit=owner_unit,
        title=f"{name}资源",
        kind="micro_video",
        url="https://example.org/v",
        published_on=timezone.localdate(),
    )
    return {
        "activity_id": activity.pk,
        "photo_id": activity.photos.first().pk,  # type: ignore[union-attr]
        "campaign_id": campaign.pk,
        "resource_id": resource.pk,
        "activity-detail:pk": activity.pk,
        "campaign-detail:pk": campaign.pk,
        "resource-detail:pk": resource.pk,
        "private_texts": [name],
    }


__all__ = [
    "ActivityStatus",
    "Personas",
    "jpeg_bytes",
    "make_activity",
    "personas",
    "photos",
    "url_samples",
    "when",
]

"""Test helpers of the campaigns part: activities made through the activities part's own actions."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from kesu.activities.models import Activity, ActivityKind, ActivityStatus
from kesu.regions.models import Region, Unit


def jpeg(colour: tuple[int, int, int] = (80, 120, 200)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def moment(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


def activity(
    unit: Unit,
    region: Region | None = None,
    *,
    adopt: bool = True,
    co: list[Unit] | None = None,
    when: datetime | None = None,
    **fields: Any,
) -> Activity:
    """Created, submitted with three photos and adopted (``adopt``) through act's actions."""
    from kesu.activities import actions
    from kesu.activities.activity_photos import check_photo

    starts = when or moment(2025, 5, 20)
    data = {
        "name": "科普讲座",
        "kind": ActivityKind.LECTURE,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "region": region or unit.region,
        "key_groups": ["青少年"],
        "attendance": 100,
        "count_method": "sign_in",
    } | fields
    photos = [check_photo(jpeg((i * 40, 90, 90)), f"p{i}.jpg") for i in range(3)]
    row = actions.create_activity(
        None, unit, data, organisers=actions.Organisers(co_organisers=co or []), photos=photos
    )
    if adopt and row.status == ActivityStatus.HELD:
        actions.submit_activity(None, row)
        row = actions.review_activity(None, row, actions.ADOPT)
    return row

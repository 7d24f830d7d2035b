"""Test helpers of the experts app: the URL walk's samples and a ready-made expert."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from kesu.experts import actions
from kesu.experts.models import (
    Application,
    Appointment,
    Dispatch,
    Event,
    Expert,
    Selection,
    Topic,
)
from kesu.regions.models import Region, Unit


def make_expert(
    region: Region, name: str, phone: str, *, unit: Unit | None = None, rank: str = "associate"
) -> Expert:
    return actions.create_expert(
        None,
        region,
        name=name,
        phone=phone,
        sex="male",
        rank=rank,
        discipline="medicine",
        recommending_unit=unit,
    )


def url_samples(owner_unit: Unit, owner_region: Region, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object of ``owner_region`` recommended by ``owner_unit`` (see tests/test_every_url_respects_scope.py)."""
    name = f"专家{owner_region.code[:6]}{owner_unit.pk}"
    serial = Expert.objects.count()
    expert = make_expert(owner_region, name, f"139{serial:08d}", unit=owner_unit)
    appointment = Appointment.objects.create(
        expert=expert,
        title="chief",
        level="city",
        batch="第一批",
        start=date(2024, 1, 1),
        end=date(2028, 12, 31),
    )
    selection = Selection.objects.create(region=owner_region, year=2026, level="city", batch=f"第{serial}批")
    application = Application.objects.create(selection=selection, expert=expert, recommending_unit=owner_unit)
    topic = Topic.objects.create(region=owner_region, name=f"传染病{serial}")
    event = Event.objects.create(
        region=owner_region,
        title=f"{name}应急事件",
        topic=topic,
        opened_at=timezone.make_aware(datetime(2026, 3, 1, 8)),
    )
    dispatch = Dispatch.objects.create(
        event=event, expert=expert, ask="article", requested_at=timezone.make_aware(datetime(2026, 3, 1, 9))
    )
    return {
        "expert_id": expert.pk,
        "appointment_id": appointment.pk,
        "selection_id": selection.pk,
        "application_id": application.pk,
        "topic_id": topic.pk,
        "emergency_id": event.pk,
        "dispatch_id": dispatch.pk,
        "expert-detail:pk": expert.pk,
        "private_texts": [name],
    }

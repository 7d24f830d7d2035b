"""Titles about to run out are announced to the base's unit and its office, at 6 and at 3 months."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from kesu.messaging.models import Message
from kesu.venues.testing import add, make_base

pytestmark = pytest.mark.django_db


def _told(kind: str = "designation_expiring") -> list[tuple[int, str]]:
    return sorted(Message.objects.filter(kind=kind).values_list("recipient_id", "title"))


def test_a_title_ending_this_year_is_announced_at_six_and_three_months_to_its_unit_and_office(
    world: Any,
) -> None:
    make_base(world.pingdingshan, "市青少年科技馆", number=1, unit=world.edu_bureau, years=(2026, 2030))
    call_command("send_reminders", "--date", "2030-06-30")  # 6 months and a day: not yet
    assert _told() == []
    call_command("send_reminders", "--date", "2030-07-02")
    call_command("send_reminders", "--date", "2030-07-03")  # the same reminder is never sent twice
    told = _told()
    assert {recipient for recipient, _ in told} == {world.pds_office.pk, world.edu_liaison.pk}
    assert len(told) == 2 and "2030年底到期" in told[0][1]
    call_command("send_reminders", "--date", "2030-10-02")  # within 3 months: once more
    assert len(_told()) == 4
    assert not Message.objects.filter(recipient__in=[world.kexie_liaison, world.xz_office]).exists()


def test_a_renewed_title_is_not_announced(world: Any) -> None:
    renewed = make_base(world.pingdingshan, "已续期基地", number=2, unit=world.edu_bureau, years=(2026, 2030))
    add(
        renewed,
        level=renewed.designations.get().level,
        system=renewed.designations.get().system,
        years=(2030, 2034),
    )
    call_command("send_reminders", "--date", "2030-10-02")
    assert _told() == []

"""The emergency roster and a dispatch, over HTTP: topic, event, dispatch, response, one timeline."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.core.models import AuditEvent
from kesu.experts.models import Dispatch, Event, Topic
from kesu.experts.testing import make_expert

pytestmark = pytest.mark.django_db


def test_the_office_dispatches_an_expert_and_the_event_page_tells_it_in_order(
    world: Any, client_for: Any
) -> None:
    expert = make_expert(world.pingdingshan, "孙医生", "13812340000")
    office = client_for(world.pds_office)
    office.post("/experts/roster/new/", {"name": "传染病", "response_hours": 2, "experts": [expert.pk]})
    topic = Topic.objects.get()
    assert list(topic.experts.all()) == [expert]
    assert "孙医生" in office.get("/experts/roster/").content.decode()
    office.post(
        "/experts/events/new/", {"title": "流感高发", "topic": topic.pk, "opened_at": "2026-01-05T08:00"}
    )
    event = Event.objects.get()
    office.post(
        f"/experts/events/{event.pk}/dispatch/",
        {"expert": expert.pk, "ask": "article", "requested_at": "2026-01-05T09:00"},
    )
    row = Dispatch.objects.get()
    office.post(
        f"/experts/dispatches/{row.pk}/respond/",
        {
            "responded_at": "2026-01-05T13:30",
            "output": "流感防护解读稿",
            "url": "https://example.cn/a",
            "reach": "12000",
        },
    )
    row.refresh_from_db()
    assert row.response_hours == 4.5 and row.reach == 12000
    page = office.get(event.get_absolute_url()).content.decode()
    opened, asked, answered = (
        page.index("启动：流感高发"),
        page.index("派遣 孙医生：解读稿"),
        page.index("流感防护解读稿"),
    )
    assert opened < asked < answered
    assert "超过承诺" in page  # 4.5 hours against a 2-hour promise
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"topic.save", "event.open", "dispatch.create", "dispatch.respond"} <= verbs


def test_a_response_before_the_request_is_refused_and_outsiders_reach_nothing(
    world: Any, client_for: Any
) -> None:
    expert = make_expert(world.pingdingshan, "孙医生", "13812340000")
    office = client_for(world.pds_office)
    office.post("/experts/roster/new/", {"name": "地震", "response_hours": 24, "experts": [expert.pk]})
    office.post(
        "/experts/events/new/",
        {"title": "地震", "topic": Topic.objects.get().pk, "opened_at": "2026-01-05T08:00"},
    )
    event = Event.objects.get()
    office.post(
        f"/experts/events/{event.pk}/dispatch/",
        {"expert": expert.pk, "ask": "live", "requested_at": "2026-01-05T09:00"},
    )
    row = Dispatch.objects.get()
    page = office.post(
        f"/experts/dispatches/{row.pk}/respond/",
        {"responded_at": "2026-01-05T08:30", "output": "直播"},
        follow=True,
    )
    assert "响应时间不能早于派遣时间" in page.content.decode()
    outsider = client_for(world.xz_office)
    assert outsider.get(event.get_absolute_url()).status_code == 404
    assert (
        outsider.post(
            f"/experts/events/{event.pk}/dispatch/",
            {"expert": expert.pk, "ask": "live", "requested_at": "2026-01-05T09:00"},
        ).status_code
        == 404
    )
    assert (
        client_for(world.pds_leader)
        .post(f"/experts/dispatches/{row.pk}/respond/", {"responded_at": "2026-01-05T10:00", "output": "x"})
        .status_code
        == 403
    )
    assert Dispatch.objects.count() == 1 and Dispatch.objects.get().responded_at is None

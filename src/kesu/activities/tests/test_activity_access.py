"""Who sees, edits and reviews an activity, over HTTP with the named personas."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.activities import actions
from kesu.activities.models import Activity, ActivityStatus
from kesu.activities.testing import make_activity, personas
from kesu.core.models import AuditEvent
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def shared(world: World) -> Activity:
    """市教育体育局's lecture, co-organised (协办) by 市科协."""
    who = personas(world)
    return make_activity(who.host_unit, "校园科学家精神报告会", co_organisers=[who.partner_unit])


def test_the_host_liaison_reads_and_edits_its_own_activity(
    world: World, client_for, shared: Activity
) -> None:
    client = client_for(personas(world).host)
    assert "校园科学家精神报告会" in client.get("/activities/").content.decode()
    assert client.get(shared.get_absolute_url()).status_code == 200
    assert client.get(f"/activities/{shared.pk}/edit/").status_code == 200


def test_a_co_organising_unit_reads_the_activity_but_cannot_change_it(
    world: World, client_for, shared: Activity
) -> None:
    client = client_for(personas(world).partner)
    assert "校园科学家精神报告会" in client.get("/activities/").content.decode()
    page = client.get(shared.get_absolute_url())
    assert page.status_code == 200 and "修改" not in page.content.decode().split("返回列表")[0]
    assert "协办单位" in page.content.decode() and "市教育体育局" in page.content.decode()
    assert client.get(f"/activities/{shared.pk}/edit/").status_code == 403
    events = AuditEvent.objects.count()
    assert client.post(f"/activities/{shared.pk}/edit/", {"name": "改名"}).status_code == 403
    assert client.post(f"/activities/{shared.pk}/submit/").status_code == 403
    assert AuditEvent.objects.count() == events
    assert client.get(f"/activities/photos/{shared.photos.first().pk}/").status_code == 200  # type: ignore[union-attr]


def test_an_outsider_finds_nothing(world: World, client_for, shared: Activity) -> None:
    client = client_for(personas(world).outsider)
    assert "校园科学家精神报告会" not in client.get("/activities/").content.decode()
    assert client.get(shared.get_absolute_url()).status_code == 404
    assert client.get(f"/activities/{shared.pk}/edit/").status_code == 404
    assert client.post(f"/activities/{shared.pk}/review/", {"decision": "adopt"}).status_code == 404
    assert client.get(f"/activities/photos/{shared.photos.first().pk}/").status_code == 404  # type: ignore[union-attr]
    assert (
        client.get("/activities/new/").status_code == 404
        or "市教育体育局" not in client.get("/activities/new/").content.decode()
    )


def test_a_liaison_list_never_names_another_unit(world: World, client_for, shared: Activity) -> None:
    other = make_activity(world.kexie, "市科协自办的天文观测")
    body = client_for(personas(world).host).get("/activities/").content.decode()
    assert other.name not in body
    form = client_for(personas(world).host).get("/activities/new/").content.decode()
    assert "市科协" not in form.split("更多信息")[0]  # no list of the city's units to pick from


def test_the_office_reviews_adopt_and_return_with_a_reason(
    world: World, client_for, shared: Activity
) -> None:
    who = personas(world)
    actions.submit_activity(who.host, shared)
    office = client_for(who.office)
    assert "待审核 1" in office.get("/activities/").content.decode()
    response = office.post(
        f"/activities/{shared.pk}/review/", {"decision": "return", "comment": ""}, follow=True
    )
    assert "退回时请写明退回原因" in response.content.decode()
    shared.refresh_from_db()
    assert shared.status == ActivityStatus.SUBMITTED
    office.post(f"/activities/{shared.pk}/review/", {"decision": "return", "comment": "照片不清晰"})
    shared.refresh_from_db()
    assert shared.status == ActivityStatus.RETURNED and shared.review_comment == "照片不清晰"
    host = client_for(who.host)
    assert "已退回：照片不清晰" in host.get(f"/activities/{shared.pk}/edit/").content.decode()
    host.post(f"/activities/{shared.pk}/submit/")
    office.post(f"/activities/{shared.pk}/review/", {"decision": "adopt"})
    shared.refresh_from_db()
    assert shared.status == ActivityStatus.ADOPTED
    assert client_for(who.host).get(f"/activities/{shared.pk}/edit/").status_code == 403  # adopted: frozen


def test_the_liaison_cannot_review_its_own_activity(world: World, client_for, shared: Activity) -> None:
    who = personas(world)
    actions.submit_activity(who.host, shared)
    response = client_for(who.host).post(f"/activities/{shared.pk}/review/", {"decision": "adopt"})
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.status == ActivityStatus.SUBMITTED


def test_the_office_adopts_many_at_once_with_one_event(world: World, client_for) -> None:
    who = personas(world)
    rows = [make_activity(who.host_unit, f"科普进校园第{i}场", submit=True) for i in range(3)]
    office = client_for(who.office)
    page = office.get("/activities/review/")
    assert all(row.name in page.content.decode() for row in rows)
    events = AuditEvent.objects.count()
    office.post("/activities/review/", {"activity": [str(r.pk) for r in rows[:2]]})
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.latest("pk").verb == "activity.adopt_many"
    statuses = sorted(Activity.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True))
    assert statuses == ["adopted", "adopted", "submitted"]


def test_the_lead_unit_of_a_linked_task_reviews(world: World, client_for) -> None:
    from kesu.plans.models import Plan, Responsibility, Task
    from kesu.plans.models import Role as TaskRole

    who = personas(world)
    plan = Plan.objects.create(region=who.city, title="全民科学素质行动规划")
    task = Task.objects.create(plan=plan, title="开展健康科普", order=1, external_id="T1")
    Responsibility.objects.create(task=task, unit=who.partner_unit, role=TaskRole.LEAD, mention="市科协")
    activity = make_activity(who.host_unit, "健康科普进社区", submit=True)
    lead = client_for(who.partner)
    assert lead.get(activity.get_absolute_url()).status_code == 404  # not linked yet: not theirs
    activity.tasks.add(task)
    assert "健康科普进社区" in lead.get("/activities/review/").content.decode()
    assert "审核" in lead.get(activity.get_absolute_url()).content.decode()
    response = lead.post(f"/activities/{activity.pk}/review/", {"decision": "adopt"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.ADOPTED


def test_a_leader_reads_but_enters_nothing(world: World, client_for, shared: Activity) -> None:
    client = client_for(world.pds_leader)
    assert client.get(shared.get_absolute_url()).status_code == 200
    assert client.get("/activities/new/").status_code == 403
    assert client.get(f"/activities/{shared.pk}/edit/").status_code == 403


def test_a_county_office_sees_only_activities_held_in_its_county(world: World, client_for) -> None:
    from kesu.regions.models import Region

    who = personas(world)
    baofeng = Region.objects.get(code="410421000000")
    county = account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)
    make_activity(who.host_unit, "宝丰县乡村科普大篷车", region=baofeng)
    make_activity(who.host_unit, "市区科普讲座")
    body = client_for(county).get("/activities/").content.decode()
    assert "宝丰县乡村科普大篷车" in body and "市区科普讲座" not in body


def test_the_list_filters_by_key_group_kind_and_status(world: World, client_for) -> None:
    who = personas(world)
    make_activity(who.host_unit, "青少年科技竞赛", kind="contest", key_groups=["青少年"])
    make_activity(who.host_unit, "老年人防诈讲座", key_groups=["老年人", "农民"])
    client = client_for(who.office)
    youth = client.get("/activities/", {"key_group": "青少年"}).content.decode()
    assert "青少年科技竞赛" in youth and "老年人防诈讲座" not in youth
    farmers = client.get("/activities/", {"key_group": "农民"}).content.decode()
    assert "老年人防诈讲座" in farmers and "青少年科技竞赛" not in farmers
    contests = client.get("/activities/", {"kind": "contest", "status": "held"}).content.decode()
    assert "青少年科技竞赛" in contests and "老年人防诈讲座" not in contests
    export = client.get("/activities/", {"key_group": "青少年", "format": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_host_edits_removes_a_photo_and_a_stale_form_is_refused(
    world: World, client_for, shared: Activity
) -> None:
    client = client_for(personas(world).host)
    photo = shared.photos.first()
    assert photo is not None
    data = {
        "name": "校园科学家精神报告会（第二场）",
        "kind": "lecture",
        "starts_at": shared.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": shared.ends_at.strftime("%Y-%m-%dT%H:%M"),
        "region": str(shared.region_id),
        "mode": "offline",
        "key_groups": ["青少年"],
        "attendance": "200",
        "count_method": "estimate",
        "co_organisers": "市科协",
        "remove_photo": [str(photo.pk)],
        "version": str(shared.version),
    }
    assert client.post(f"/activities/{shared.pk}/edit/", data).status_code == 302
    shared.refresh_from_db()
    assert shared.name.endswith("（第二场）") and shared.photos.count() == 2 and shared.attendance == 200
    stale = client.post(f"/activities/{shared.pk}/edit/", data | {"name": "旧页面的改动"})
    assert "已被他人修改" in stale.content.decode()
    shared.refresh_from_db()
    assert shared.name.endswith("（第二场）")

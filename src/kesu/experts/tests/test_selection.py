"""The yearly selection: 申请 → 单位推荐 (quota) → 资格审核 (职称 rule) → 评审 → 公示 → 聘任, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.core.models import AuditEvent
from kesu.experts import actions
from kesu.experts.models import Application, Appointment, Selection, Stage
from kesu.experts.testing import make_expert

pytestmark = pytest.mark.django_db


def _round(world: Any, **fields: Any) -> Selection:
    values = {
        "year": 2026,
        "level": "city",
        "batch": "第六批",
        "min_rank": "associate",
        "default_quota": 1,
        **fields,
    }
    return actions.create_selection(None, world.pingdingshan, **values)


def test_the_office_walks_an_application_from_request_to_appointment(world: Any, client_for: Any) -> None:
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    response = office.post(
        "/experts/selections/new/",
        {
            "year": 2026,
            "level": "city",
            "title": "chief",
            "batch": "第六批",
            "min_rank": "associate",
            "term_years": 5,
            "default_quota": 2,
        },
    )
    selection = Selection.objects.get()
    assert response.status_code == 302 and response["Location"] == selection.get_absolute_url()
    expert = make_expert(world.pingdingshan, "王建", "13812345678", unit=world.edu_bureau)
    office.post(
        f"/experts/selections/{selection.pk}/apply/",
        {"expert": expert.pk, "recommending_unit": world.edu_bureau.pk},
    )
    application = Application.objects.get()
    url = f"/experts/applications/{application.pk}/"
    # The unit's liaison recommends; it cannot take the office's steps.
    assert liaison.post(f"{url}advance/").status_code == 302
    application.refresh_from_db()
    assert application.stage == Stage.RECOMMENDED
    assert liaison.post(f"{url}advance/").status_code == 403
    office.post(f"{url}advance/")  # 资格审核
    office.post(f"{url}advance/", {"score": "91.5"})  # 评审
    office.post(f"{url}advance/")  # 公示
    application.refresh_from_db()
    assert application.stage == Stage.PUBLICISED and application.review_score == 91.5
    appointment = Appointment.objects.get()
    assert appointment.status == "proposed" and appointment.batch == "第六批"
    office.post(f"{url}advance/")  # 聘任
    appointment.refresh_from_db()
    assert appointment.status == "serving"
    assert (appointment.end.year - appointment.start.year) in (4, 5)
    verbs = list(AuditEvent.objects.for_target(application).order_by("pk").values_list("verb", flat=True))
    assert verbs == [
        "application.create",
        "application.recommended",
        "application.qualified",
        "application.reviewed",
        "application.publicised",
        "application.appointed",
    ]
    assert "聘任" in office.get(url).content.decode()


def test_a_unit_cannot_recommend_beyond_its_quota(world: Any, client_for: Any) -> None:
    selection = _round(world, default_quota=1)
    first = actions.apply(
        None, selection, make_expert(world.pingdingshan, "甲", "13800000001"), world.edu_bureau
    )
    second = actions.apply(
        None, selection, make_expert(world.pingdingshan, "乙", "13800000002"), world.edu_bureau
    )
    liaison = client_for(world.edu_liaison)
    liaison.post(f"/experts/applications/{first.pk}/advance/")
    page = liaison.post(f"/experts/applications/{second.pk}/advance/", follow=True).content.decode()
    assert "市教育体育局的推荐名额（1 名）已用完" in page
    second.refresh_from_db()
    assert second.stage == Stage.APPLIED
    # The office raises the quota: the second one goes through.
    client_for(world.pds_office).post(
        f"/experts/selections/{selection.pk}/quota/", {"unit": world.edu_bureau.pk, "quota": 2}
    )
    liaison.post(f"/experts/applications/{second.pk}/advance/")
    second.refresh_from_db()
    assert second.stage == Stage.RECOMMENDED


def test_the_rank_rule_is_data_and_stops_an_intermediate_title(world: Any, client_for: Any) -> None:
    selection = _round(world, min_rank="associate")
    junior = make_expert(world.pingdingshan, "丙", "13800000003", rank="intermediate")
    application = actions.apply(None, selection, junior, world.edu_bureau)
    actions.advance(None, application)
    page = client_for(world.pds_office).post(f"/experts/applications/{application.pk}/advance/", follow=True)
    assert "丙的职称为中级，不符合“副高及以上”的要求" in page.content.decode()
    application.refresh_from_db()
    assert application.stage == Stage.RECOMMENDED
    open_round = _round(world, min_rank="other", batch="第七批")
    other = actions.apply(None, open_round, junior, world.edu_bureau)
    actions.advance(None, other)
    assert actions.advance(None, other).stage == Stage.QUALIFIED


def test_a_return_needs_a_reason_and_withdraws_a_proposed_appointment(world: Any, client_for: Any) -> None:
    selection = _round(world)
    application = actions.apply(
        None, selection, make_expert(world.pingdingshan, "丁", "13800000004"), world.edu_bureau
    )
    for _ in range(4):
        actions.advance(None, application)
    assert application.stage == Stage.PUBLICISED and Appointment.objects.count() == 1
    office = client_for(world.pds_office)
    url = f"/experts/applications/{application.pk}/return/"
    assert "退回原因" in office.post(url, {"reason": ""}, follow=True).content.decode()
    application.refresh_from_db()
    assert application.stage == Stage.PUBLICISED
    office.post(url, {"reason": "公示期间收到异议"})
    application.refresh_from_db()
    assert application.stage == Stage.REVIEWED and application.returned_reason == "公示期间收到异议"
    assert Appointment.objects.count() == 0
    event = AuditEvent.objects.get(verb="application.return")
    assert event.note == "公示期间收到异议"


def test_outsiders_and_leaders_move_nothing(world: Any, client_for: Any) -> None:
    selection = _round(world)
    application = actions.apply(
        None, selection, make_expert(world.pingdingshan, "戊", "13800000005"), world.kexie
    )
    url = f"/experts/applications/{application.pk}/advance/"
    assert client_for(world.xz_office).post(url).status_code == 404
    assert client_for(world.edu_liaison).post(url).status_code == 404  # another unit's candidate
    assert client_for(world.edu_liaison).get(selection.get_absolute_url()).status_code == 404
    assert client_for(world.pds_leader).post(url).status_code == 403
    application.refresh_from_db()
    assert application.stage == Stage.APPLIED

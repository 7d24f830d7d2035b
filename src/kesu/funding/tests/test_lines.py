"""Funding lines over HTTP with the personas: who sees and edits what, bad input, the year's steps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kesu.core.models import AuditEvent
from kesu.funding.models import FundingLine, LineStatus, PerformanceTarget
from kesu.funding.testing import make_line

GOOD = {
    "name": "科技活动周",
    "nature": "appropriation",
    "project_type": "recurring",
    "budget": "50000",
    "received": "50000",
    "spent": "30000",
}


def test_a_liaison_sees_only_its_own_units_lines_on_the_list_the_export_and_the_api(
    world: Any, client_for: Any
) -> None:
    mine = make_line(world.edu_bureau, "青少年科技教育活动")
    theirs = make_line(world.kexie, "全国科普日专题活动")
    client = client_for(world.edu_liaison)
    page = client.get("/funding/").content.decode()
    assert mine.name in page and theirs.name not in page
    export = client.get("/funding/", {"format": "xlsx"}).content
    assert theirs.name.encode() not in export
    api = client.get("/api/funding-lines/").json()
    assert [row["name"] for row in api["results"]] == [mine.name]
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(f"/api/funding-lines/{theirs.pk}/").status_code == 404


def test_a_liaison_adds_a_line_for_its_own_unit_and_cannot_add_one_for_another(
    world: Any, client_for: Any
) -> None:
    client = client_for(world.edu_liaison)
    response = client.post("/funding/new/", GOOD | {"unit": world.edu_bureau.pk, "year": "2025"})
    assert response.status_code == 302, response.content.decode()[:1500]
    line = FundingLine.objects.get(name="科技活动周")
    assert line.unit == world.edu_bureau and line.created_by == world.edu_liaison
    assert AuditEvent.objects.for_target(line).filter(verb="funding_line.create").count() == 1
    refused = client.post(
        "/funding/new/", GOOD | {"name": "越权项目", "unit": world.kexie.pk, "year": "2025"}
    )
    assert refused.status_code == 200 and "invalid-feedback" in refused.content.decode()
    assert not FundingLine.objects.filter(name="越权项目").exists()


def test_a_liaison_edits_its_own_line_but_gets_404_on_another_units(world: Any, client_for: Any) -> None:
    mine, theirs = make_line(world.edu_bureau, "甲"), make_line(world.kexie, "乙")
    client = client_for(world.edu_liaison)
    assert client.post(f"/funding/{mine.pk}/edit/", GOOD | {"name": "甲（调整）"}).status_code == 302
    assert client.get(f"/funding/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/funding/{theirs.pk}/edit/", GOOD).status_code == 404
    assert client.post(f"/funding/{theirs.pk}/advance/", {"from": "declared"}).status_code == 404
    assert client.post(f"/funding/{theirs.pk}/targets/", {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "乙" and theirs.status == LineStatus.DECLARED
    event = AuditEvent.objects.for_target(mine).get(verb="funding_line.update")
    assert event.before and event.after
    assert event.before["name"] == "甲" and event.after["name"] == "甲（调整）"


def test_the_office_reads_and_edits_every_line_of_its_subtree_and_another_office_gets_404(
    world: Any, client_for: Any
) -> None:
    line = make_line(world.edu_bureau, "青少年科技教育活动")
    office = client_for(world.pds_office)
    assert line.name in office.get("/funding/").content.decode()
    assert office.post(f"/funding/{line.pk}/edit/", GOOD | {"name": "青少年科技教育"}).status_code == 302
    outsider = client_for(world.xz_office)
    assert line.unit.name not in outsider.get("/funding/").content.decode()
    assert outsider.get(line.get_absolute_url()).status_code == 404
    assert outsider.post(f"/funding/{line.pk}/edit/", GOOD).status_code == 404
    assert outsider.get("/api/funding-lines/").json()["count"] == 0


def test_a_leader_reads_the_lines_but_may_not_change_them(world: Any, client_for: Any) -> None:
    line = make_line(world.edu_bureau, "青少年科技教育活动")
    leader = client_for(world.pds_leader)
    assert leader.get(line.get_absolute_url()).status_code == 200
    assert leader.post(f"/funding/{line.pk}/edit/", GOOD).status_code == 403
    assert leader.get("/funding/new/").status_code == 403


def test_spent_above_received_without_a_note_is_refused_in_chinese_and_nothing_is_written(
    world: Any, client_for: Any
) -> None:
    client = client_for(world.edu_liaison)
    data = GOOD | {"unit": world.edu_bureau.pk, "year": "2025", "received": "30000", "spent": "45000"}
    response = client.post("/funding/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "执行数（45,000.00 元）超过到位数（30,000.00 元）：请在“执行说明”中写明原因" in page
    assert not FundingLine.objects.exists()
    with_note = client.post("/funding/new/", data | {"note": "使用上年结转资金 1.5 万元"})
    assert with_note.status_code == 302 and FundingLine.objects.get().spent == Decimal(45000)


def test_a_negative_amount_is_refused_in_chinese_and_an_edit_keeps_the_stored_figures(
    world: Any, client_for: Any
) -> None:
    line = make_line(world.edu_bureau, "甲")
    response = client_for(world.edu_liaison).post(f"/funding/{line.pk}/edit/", GOOD | {"budget": "-100"})
    assert response.status_code == 200 and "预算数不能为负数" in response.content.decode()
    line.refresh_from_db()
    assert line.budget == Decimal(100_000)
    assert not AuditEvent.objects.filter(verb="funding_line.update").exists()


def test_a_line_goes_declared_approved_executing_evaluated_published_with_one_event_per_step(
    world: Any, client_for: Any
) -> None:
    line = make_line(world.edu_bureau, "甲")
    client = client_for(world.edu_liaison)
    for expected in ("approved", "executing", "evaluated", "published"):
        before = line.status
        assert client.post(f"/funding/{line.pk}/advance/", {"from": before}).status_code == 302
        line.refresh_from_db()
        assert line.status == expected
    verbs = list(
        AuditEvent.objects.for_target(line).exclude(verb="funding_line.create").values_list("verb", flat=True)
    )
    assert sorted(verbs) == sorted(
        ["funding_line.approve", "funding_line.execute", "funding_line.evaluate", "funding_line.publish"]
    )
    # a stale page (the state it showed is gone) moves nothing
    page = client.post(f"/funding/{line.pk}/advance/", {"from": "executing"}, follow=True)
    assert "页面已过期" in page.content.decode()


def test_after_the_self_evaluation_the_amounts_can_no_longer_be_changed(world: Any, client_for: Any) -> None:
    line = make_line(world.edu_bureau, "甲", status=LineStatus.EVALUATED)
    response = client_for(world.edu_liaison).post(f"/funding/{line.pk}/edit/", GOOD)
    assert response.status_code == 200 and "金额和内容不能再修改" in response.content.decode()
    line.refresh_from_db()
    assert line.budget == Decimal(100_000)


def test_the_liaison_keeps_the_performance_targets_and_the_self_evaluation_needs_every_actual(
    world: Any, client_for: Any
) -> None:
    line = make_line(world.edu_bureau, "全国科普日专题活动", status=LineStatus.EXECUTING)
    client = client_for(world.edu_liaison)
    form = {
        "t-TOTAL_FORMS": "3",
        "t-INITIAL_FORMS": "0",
        "t-0-indicator": "开展全国科普日专题科普活动",
        "t-0-target": "10场",
        "t-0-points": "10",
        "t-1-indicator": "预算执行率",
        "t-1-target": "≥90%",
        "t-1-actual": "96%",
        "t-1-points": "20",
        "t-1-score": "20",
    }
    assert client.post(f"/funding/{line.pk}/targets/", form).status_code == 302
    assert list(PerformanceTarget.objects.filter(line=line).values_list("indicator", flat=True)) == [
        "开展全国科普日专题科普活动",
        "预算执行率",
    ]
    refused = client.post(f"/funding/{line.pk}/advance/", {"from": "executing"}, follow=True)
    assert "绩效自评前请填写每项绩效目标的实际完成值：开展全国科普日专题科普活动" in refused.content.decode()
    form |= {"t-0-actual": "9场", "t-0-score": "9"}
    client.post(f"/funding/{line.pk}/targets/", form)
    client.post(f"/funding/{line.pk}/advance/", {"from": "executing"})
    line.refresh_from_db()
    assert line.status == LineStatus.EVALUATED and line.self_score == Decimal(29)
    page = client.get(line.get_absolute_url()).content.decode()
    assert "9场" in page and "绩效自评得分" in page
    assert AuditEvent.objects.for_target(line).filter(verb="funding_line.targets").count() == 2


def test_a_score_above_its_points_is_refused_and_the_targets_stay_as_they_were(
    world: Any, client_for: Any
) -> None:
    line = make_line(world.edu_bureau, "甲")
    form = {
        "t-TOTAL_FORMS": "1",
        "t-INITIAL_FORMS": "0",
        "t-0-indicator": "满意度",
        "t-0-target": "≥90%",
        "t-0-points": "10",
        "t-0-score": "12",
    }
    response = client_for(world.edu_liaison).post(f"/funding/{line.pk}/targets/", form)
    assert response.status_code == 200 and "得分不能高于分值" in response.content.decode()
    assert not PerformanceTarget.objects.exists()


def test_the_line_page_shows_its_execution_rate_and_a_special_line_is_always_flagged_special(
    world: Any, client_for: Any
) -> None:
    line = make_line(world.edu_bureau, "甲", nature="special", is_special=False)
    assert line.is_special
    page = client_for(world.edu_liaison).get(line.get_absolute_url()).content.decode()
    assert "80.00%" in page and "执行数 ÷ 预算数" in page


def test_only_the_step_into_the_self_evaluation_warns_that_the_line_will_be_frozen(
    world: Any, client_for: Any
) -> None:
    declared = make_line(world.edu_bureau, "青少年科技教育活动")
    executing = make_line(world.edu_bureau, "科技活动周专题")
    FundingLine.objects.filter(pk=executing.pk).update(status=LineStatus.EXECUTING)
    client = client_for(world.edu_liaison)
    assert "不能再修改" not in client.get(declared.get_absolute_url()).content.decode()
    assert "提交后金额和绩效目标不能再修改" in client.get(executing.get_absolute_url()).content.decode()

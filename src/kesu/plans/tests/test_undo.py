"""Issue 12: publishing a plan is confirmed, can be undone with a reason (not once approved reports rest
on it), a draft can be deleted, and a document already imported opens the plan it made."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core.models import AuditEvent
from kesu.plans import actions
from kesu.plans.models import Plan, PlanStatus
from kesu.reporting import actions as reporting_actions
from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.testing import World

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_plans" / "pingdingshan_2021_2025.txt"


def test_publishing_a_plan_asks_for_confirmation_naming_what_follows(world: World, client_for) -> None:
    plan = actions.import_plan(world.pds_office, world.pingdingshan, SAMPLE.read_bytes(), "pds.txt")
    page = client_for(world.pds_office).get(f"/plans/{plan.pk}/").content.decode()
    assert f'action="/plans/{plan.pk}/publish/" data-confirm="发布后' in page


def test_an_office_unpublishes_a_plan_with_a_reason_kept_in_the_audit_trail(world: World, client_for) -> None:
    plan = open_test_cycle(world.edu_bureau).plan
    client = client_for(world.pds_office)
    refused = client.post(f"/plans/{plan.pk}/unpublish/", {"reason": " "}, follow=True).content.decode()
    assert "请写明撤回发布的理由" in refused
    client.post(f"/plans/{plan.pk}/unpublish/", {"reason": "责任单位写错，需更正"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert AuditEvent.objects.for_target(plan).get(verb="plan.unpublish").note == "责任单位写错，需更正"
    assert (
        client_for(world.edu_liaison).post(f"/plans/{plan.pk}/unpublish/", {"reason": "x"}).status_code == 404
    )


def test_unpublishing_is_refused_once_an_approved_report_rests_on_the_plan(world: World, client_for) -> None:
    cycle = open_test_cycle(world.edu_bureau)
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report)
    reporting_actions.submit_report(None, report)
    reporting_actions.review_report(None, report, approve=True, comments={})
    page = (
        client_for(world.pds_office)
        .post(f"/plans/{cycle.plan_id}/unpublish/", {"reason": "想改"}, follow=True)
        .content.decode()
    )
    assert "已有审核通过的报送" in page and "导入修订版" in page
    assert Plan.objects.get(pk=cycle.plan_id).status == PlanStatus.PUBLISHED


def test_an_office_deletes_a_draft_plan_but_not_a_published_one(world: World, client_for) -> None:
    draft = actions.import_plan(world.pds_office, world.pingdingshan, SAMPLE.read_bytes(), "pds.txt")
    published = open_test_cycle(world.edu_bureau).plan
    client = client_for(world.pds_office)
    assert (
        "已发布的方案不能删除" in client.post(f"/plans/{published.pk}/delete/", follow=True).content.decode()
    )
    assert client_for(world.edu_liaison).post(f"/plans/{draft.pk}/delete/").status_code == 404
    response = client.post(f"/plans/{draft.pk}/delete/", follow=True)
    assert "已删除方案草稿" in response.content.decode()
    assert not Plan.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(verb="plan.delete", target_id=str(draft.pk)).exists()


def test_uploading_a_document_already_imported_says_so_and_opens_that_plan(world: World, client_for) -> None:
    data = SAMPLE.read_bytes()
    plan = actions.import_plan(world.pds_office, world.pingdingshan, data, "pds.txt")
    client = client_for(world.pds_office)
    response = client.post("/plans/upload/", {"file": SimpleUploadedFile("再传一次.txt", data)})
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert Plan.objects.count() == 1
    assert "这份文件已经导入过" in client.get(response["Location"]).content.decode()


def test_the_unit_mapping_list_is_sorted_searchable_and_suggests_the_closest_units(
    world: World, client_for
) -> None:
    from kesu.plans.views import suggest_units
    from kesu.regions import actions as region_actions
    from kesu.regions.models import Unit

    health = region_actions.create_unit(None, world.pingdingshan, "市卫生健康委员会")
    units = list(Unit.objects.filter(region=world.pingdingshan).order_by("name"))
    assert suggest_units("市卫生健康委", units)[0] == health
    assert suggest_units("市教体局", units)[0] == world.edu_bureau  # through its alias
    assert suggest_units("某某公司", units) == []
    assert suggest_units("市气象局", units) == []  # 市…局 in common is no likeness
    assert suggest_units("市科技局", units) == []
    plan = actions.import_plan(world.pds_office, world.pingdingshan, SAMPLE.read_bytes(), "pds.txt")
    page = client_for(world.pds_office).get(f"/plans/{plan.pk}/mentions/").content.decode()
    assert "data-filter-options=" in page and "搜索单位名称" in page
    names = [u.name for u in units]
    positions = [page.index(f">{name}</option>") for name in names if f">{name}</option>" in page]
    assert positions == sorted(positions)

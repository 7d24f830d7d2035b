"""An office uploads, corrects, publishes, exports and re-imports a plan; others see only their part."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from kesu.plans import actions
from kesu.plans.models import Plan, PlanStatus, Task
from kesu.testing import World

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sample_plans"


def upload(client, name: str, data: bytes, **extra):
    return client.post("/plans/upload/", {"file": SimpleUploadedFile(name, data), **extra})


def pingdingshan_plan(world: World) -> Plan:
    data = (SAMPLES / "pingdingshan_2021_2025.txt").read_bytes()
    return actions.import_plan(world.pds_office, world.pingdingshan, data, "pingdingshan.txt")


def test_an_office_uploads_a_gbk_plan_and_sees_tasks_units_and_goal(world: World, client_for) -> None:
    text = (SAMPLES / "pingdingshan_2021_2025.txt").read_text(encoding="utf-8")
    response = upload(client_for(world.pds_office), "方案.txt", text.encode("gb18030"))
    plan = Plan.objects.get()
    assert response["Location"] == f"/plans/{plan.pk}/"
    assert plan.status == PlanStatus.DRAFT and plan.goal_value == 15 and plan.goal_year == 2025
    page = client_for(world.pds_office).get(f"/plans/{plan.pk}/").content.decode()
    assert "系统提升各阶段青少年科学意识和综合素养" in page
    assert 'class="target"' in page and 'class="goal"' in page  # targets highlighted in the source
    edu = plan.tasks.first().responsibilities.filter(mention="市教育体育局").get()  # type: ignore[union-attr]
    assert edu.unit == world.edu_bureau


def test_a_broken_upload_says_why_in_chinese_and_keeps_nothing(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    for name, data, message in [
        ("空.txt", b"", "空"),
        ("坏.docx", b"PK\x03\x04 not really a zip", "docx"),
        ("无章节.txt", "这是一段没有任何编号的文字。".encode(), "章节"),
    ]:
        response = upload(client, name, data)
        assert response.status_code == 200, name
        assert message in response.content.decode(), name
    assert not Plan.objects.exists()


def test_an_upload_over_the_size_limit_is_refused_with_the_limit_named(
    world: World, client_for, settings
) -> None:
    settings.KESU_MAX_UPLOAD_MB = 1
    response = upload(client_for(world.pds_office), "大.txt", b"x" * (1024 * 1024 + 10))
    assert "1 MB" in response.content.decode()
    assert not Plan.objects.exists()


def test_unknown_unit_names_wait_for_review_and_block_publication(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    pending = dict(actions.unresolved_mentions(plan))
    assert "市科技局" in pending and "市教育体育局" not in pending
    client = client_for(world.pds_office)
    client.post(f"/plans/{plan.pk}/publish/")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    client.post(f"/plans/{plan.pk}/mentions/", {"mention": "市科技局", "new_unit_name": ""})
    assert "市科技局" not in dict(actions.unresolved_mentions(plan))
    client.post(f"/plans/{plan.pk}/mentions/", {"mention": "市委宣传部", "unit": world.kexie.pk})
    assert world.kexie.aliases.filter(alias="市委宣传部").exists()
    client.post(f"/plans/{plan.pk}/mentions/", {"all_new": "1"})
    assert actions.unresolved_mentions(plan) == []
    client.post(f"/plans/{plan.pk}/publish/")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED


def test_the_breakdown_table_exports_in_the_circulated_form(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    response = client_for(world.pds_office).get(f"/plans/{plan.pk}/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)[1:]  # under the print title
    assert rows[0] == (
        "序号",
        "所属行动/工程",
        "任务",
        "主要内容",
        "牵头单位",
        "参与单位",
        "目标指标",
        "完成时限",
    )
    assert len(rows) == plan.tasks.count() + 1
    assert "市教育体育局" in rows[1][4] and rows[1][1]
    assert any("150" in (r[6] or "") for r in rows[1:])


def test_reimporting_a_corrected_version_updates_tasks_in_place(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    first = plan.tasks.order_by("order").first()
    assert first is not None
    text = (SAMPLES / "pingdingshan_2021_2025.txt").read_text(encoding="utf-8")
    corrected = text.replace("加强中小学教师科学素质建设。", "加强中小学教师和校长科学素质建设。", 1)
    client = client_for(world.pds_office)
    preview = client.post(
        f"/plans/{plan.pk}/reimport/", {"file": SimpleUploadedFile("v2.txt", corrected.encode())}
    )
    page = preview.content.decode()
    assert "确认更新" in page and "加强中小学教师" in page
    assert plan.documents.count() == 1  # nothing applied before confirmation
    token = preview.context["token"]
    client.post(f"/plans/{plan.pk}/reimport/", {"token": token, "filename": "v2.txt"})
    assert plan.documents.count() == 2
    assert Task.objects.filter(pk=first.pk, is_active=True).exists()  # same row, same id
    assert plan.tasks.filter(title__startswith="加强中小学教师和校长", is_active=True).exists()


def test_a_failed_reimport_leaves_the_plan_as_it_was(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    tasks_before = list(plan.tasks.values_list("pk", "title"))
    response = client_for(world.pds_office).post(
        f"/plans/{plan.pk}/reimport/", {"file": SimpleUploadedFile("坏.pdf", b"%PDF-1.4 garbage")}
    )
    assert "原方案未做任何改动" in response.content.decode()
    assert list(plan.tasks.values_list("pk", "title")) == tasks_before


def test_tasks_filter_by_key_group_part_and_unit(world: World, client_for) -> None:
    pingdingshan_plan(world)
    client = client_for(world.pds_office)
    youth = client.get("/plans/tasks/?key_group=青少年").content.decode()
    assert "深入开展各类科技教育活动" in youth and "加强农业科技培训和人才培养" not in youth
    projects = client.get("/plans/tasks/?part_kind=project").content.decode()
    assert "系统提升各阶段青少年科学意识" not in projects
    api = client.get(f"/api/tasks/?unit={world.edu_bureau.pk}").json()
    assert api["count"] > 0
    assert all(any(r["unit"] == world.edu_bureau.pk for r in t["responsibilities"]) for t in api["results"])


def test_a_liaison_sees_its_units_tasks_of_published_plans_only(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    client = client_for(world.edu_liaison)
    assert client.get(f"/plans/{plan.pk}/").status_code == 404  # still a draft
    for mention, _ in actions.unresolved_mentions(plan):
        actions.resolve_mention(None, plan, mention)
    actions.publish_plan(None, plan)
    tasks = client.get("/api/tasks/").json()["results"]
    assert tasks and all(any(r["unit"] == world.edu_bureau.pk for r in t["responsibilities"]) for t in tasks)
    other = plan.tasks.exclude(responsibilities__unit=world.edu_bureau).first()
    assert other is not None
    assert client.get(f"/plans/tasks/{other.pk}/").status_code == 404
    assert client.post(f"/plans/tasks/{tasks[0]['id']}/", {"title": "改", "text": "改"}).status_code == 404


def test_xinzheng_office_cannot_open_pingdingshan_plans(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    client = client_for(world.xz_office)
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    assert client.get("/api/plans/").json()["results"] == []


def test_correcting_a_task_is_audited_with_before_and_after(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    task = plan.tasks.order_by("order").first()
    assert task is not None
    client_for(world.pds_office).post(
        f"/plans/tasks/{task.pk}/",
        {
            "title": task.title,
            "text": task.text,
            "lead": "市教育体育局、市科协",
            "participating": "",
            "responsible": "",
        },
    )
    assert task.lead_names == ["市教育体育局", "市科协"]
    from kesu.core.models import AuditEvent

    event = AuditEvent.objects.get(verb="task.update")
    assert "市科技局" in (event.before or {})["lead"] and "市科技局" not in (event.after or {})["lead"]


def test_plans_compare_side_by_side_on_their_literacy_goals(world: World, client_for) -> None:
    pingdingshan_plan(world)
    data = (SAMPLES / "pingyin_2021_2025.txt").read_bytes()
    actions.import_plan(None, world.pingyin, data, "pingyin.txt")
    page = (
        client_for(world.admin).get("/plans/compare/?drafts=1", follow=True).content.decode()
    )  # both drafts
    assert "15%" in page and "18.5%" in page


def test_the_plan_list_and_home_page_count_each_task_once(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    actions.resolve_all_as_new_units(None, plan)
    actions.publish_plan(None, plan)
    tasks = plan.tasks.count()
    client = client_for(world.pds_office)
    assert f">{tasks}</td>" in client.get("/plans/").content.decode().replace(" ", "")
    assert f"{tasks} 项任务" in client.get("/").content.decode()


def test_a_liaisons_home_page_shows_its_unit_tasks(world: World, client_for) -> None:
    plan = pingdingshan_plan(world)
    actions.resolve_all_as_new_units(None, plan)
    actions.publish_plan(None, plan)
    led = plan.tasks.filter(responsibilities__unit=world.edu_bureau, responsibilities__role="lead").count()
    page = client_for(world.edu_liaison).get("/").content.decode()
    assert "本单位承担的任务" in page and f"<strong>{led}</strong> 项" in page


def test_confirming_a_reimport_with_a_broken_or_foreign_token_asks_to_upload_again(
    world: World, client_for
) -> None:
    plan = pingdingshan_plan(world)
    client = client_for(world.pds_office)
    for token in ("not-a-uuid", "../../settings", "00000000-0000-0000-0000-000000000000"):
        response = client.post(
            f"/plans/{plan.pk}/reimport/", {"token": token, "filename": "v2.txt"}, follow=True
        )
        assert response.status_code == 200 and "请重新上传" in response.content.decode()
    other = actions.import_plan(
        None, world.xinzheng, (SAMPLES / "xinzheng_2021_2025.txt").read_bytes(), "xz.txt"
    )
    text = (SAMPLES / "pingdingshan_2021_2025.txt").read_bytes()
    preview = client.post(f"/plans/{plan.pk}/reimport/", {"file": SimpleUploadedFile("v2.txt", text)})
    foreign = client_for(world.xz_office).post(
        f"/plans/{other.pk}/reimport/", {"token": preview.context["token"]}, follow=True
    )
    assert "请重新上传" in foreign.content.decode() and other.documents.count() == 1
    assert plan.documents.count() == 1

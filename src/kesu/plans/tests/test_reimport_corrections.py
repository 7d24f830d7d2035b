"""A re-import keeps what the office corrected by hand, and asks where the new document disagrees."""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from docx import Document

from kesu.core.models import AuditEvent
from kesu.indicators import actions as indicator_actions
from kesu.indicators.models import TargetLink
from kesu.plans import actions
from kesu.plans.models import Plan, Target, Task
from kesu.testing import World

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sample_plans"

TITLE = "平顶山市2024年全民科学素质工作要点"
MUSEUMS = "1.建设校园科技馆。到2024年底，全市建成校园科技馆{count}所。"
LECTURES = "2.开展科普讲座。全年开展科普讲座不少于{count}场次，覆盖各县（市、区）。"


def docx(*paragraphs: str) -> bytes:
    """A small Word document, one paragraph a line, as an office would upload it."""
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def work_points(
    museums: str = MUSEUMS.format(count=20),
    museums_lead: str = "市教育体育局",
    lectures: str = LECTURES.format(count=60),
    lectures_with: str = "市教体局、市卫生健康委",
) -> bytes:
    return docx(
        TITLE,
        "一、重点任务",
        museums,
        f"牵头单位：{museums_lead}",
        lectures,
        "牵头单位：市科协",
        f"参与单位：{lectures_with}",
        "二、保障措施",
        "加强组织领导。",
    )


def uploaded(world: World, client: Client) -> Plan:
    response = client.post("/plans/upload/", {"file": SimpleUploadedFile("要点.docx", work_points())})
    assert response.status_code == 302
    return Plan.objects.get(region=world.pingdingshan)


def task(plan: Plan, title: str) -> Task:
    return plan.tasks.get(title=title)


def correct_target(client: Client, row: Target, **changes: Any) -> None:
    values = {
        "indicator": row.indicator,
        "comparator": row.comparator,
        "value": row.value,
        "unit": row.unit,
        "year": row.year or "",
        **({"per_year": "on"} if row.per_year else {}),
        **changes,
    }
    response = client.post(
        f"/plans/tasks/{row.task_id}/targets/{row.pk}/", {f"t{row.pk}-{k}": v for k, v in values.items()}
    )
    assert response.status_code == 302


def correct_task(client: Client, row: Task, **changes: str) -> None:
    values = {
        "title": row.title,
        "text": row.text.replace("\n", "\r\n"),  # as a browser sends a textarea
        "lead": "、".join(row.lead_names),
        "participating": "、".join(row.participating_names),
        "responsible": "、".join(row.responsible_names),
        **changes,
    }
    assert client.post(f"/plans/tasks/{row.pk}/", values).status_code == 302


def corrected_plan(world: World, client: Client) -> tuple[Plan, Task, Target]:
    """The parser read 20 所; the office fixed it to 25 个 and made 市科协 the lead unit."""
    plan = uploaded(world, client)
    museums = task(plan, "建设校园科技馆")
    correct_target(client, museums.targets.get(), value=25, unit="个")
    correct_task(client, museums, lead="市科协")
    museums.refresh_from_db()
    assert set(museums.corrections) == {"lead"}
    assert museums.targets.get().corrections == {"value": 20, "unit": "所"}
    return plan, museums, museums.targets.get()


def preview(client: Client, plan: Plan, data: bytes, name: str = "要点（修订）.docx") -> Any:
    response = client.post(f"/plans/{plan.pk}/reimport/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    return response


def confirm(client: Client, plan: Plan, shown: Any, **choices: str) -> Any:
    form = {"token": shown.context["token"], "fingerprint": shown.context["diff"].fingerprint}
    return client.post(f"/plans/{plan.pk}/reimport/", {**form, **choices}, follow=True)


def reported_on(world: World, client: Client) -> tuple[Plan, Any]:
    """The work points published, a half-year opened, and the education bureau's liaison has reported
    12 school science museums built on its entry (so the task and its target carry a value)."""
    from datetime import date

    from kesu.periods import Period
    from kesu.reporting import actions as reporting_actions

    plan = uploaded(world, client)
    actions.resolve_all_as_new_units(world.pds_office, plan)
    actions.publish_plan(world.pds_office, plan)
    museums = task(plan, "建设校园科技馆")
    cycle = reporting_actions.open_cycle(None, plan, Period.parse("2024H2"), due_date=date(2099, 12, 30))
    entry = cycle.reports.get(unit=world.edu_bureau).entries.get(task=museums)
    values: dict[int, float | None] = {museums.targets.get().pk: 12}
    reporting_actions.save_entry(
        world.edu_liaison,
        entry,
        version=entry.version,
        status="in_progress",
        percent=50,
        narrative="已建成 12 所",
        values=values,
    )
    entry.refresh_from_db()
    return plan, entry


def test_saving_a_task_unchanged_records_no_correction(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    lectures = task(uploaded(world, client), "开展科普讲座")
    correct_task(client, lectures)  # the form shows 市教育体育局 where the document wrote 市教体局
    lectures.refresh_from_db()
    assert lectures.corrections == {}


def test_corrections_stay_and_the_documents_other_changes_apply(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    plan, museums, target = corrected_plan(world, client)
    museum_count = indicator_actions.create_indicator(
        world.pds_office, world.pingdingshan, code="school-museums", name="校园科技馆数", unit="个"
    )
    link = indicator_actions.link_target(world.pds_office, target, museum_count)
    revised = work_points(
        museums="1.建设校园科技馆。坚持因地制宜。到2024年底，全市建成校园科技馆20所。",
        lectures=LECTURES.format(count=80),
        lectures_with="市教体局、市卫生健康委、市科技局",
    )
    shown = preview(client, plan, revised)
    page = shown.content.decode()
    assert "您手工修改过：" not in page  # the document did not touch what the office corrected
    assert "保留您的手工修改 3 处" in page and "保持为“市科协”" in page and "保持为“25”" in page
    assert museums.targets.get().value == 25 and plan.documents.count() == 1  # nothing before confirming

    assert "保留手工修改 3 处" in confirm(client, plan, shown).content.decode()
    museums.refresh_from_db()
    assert "坚持因地制宜" in museums.text  # the document's change to a field the office never touched
    assert museums.lead_names == ["市科协"]
    kept = museums.targets.get()
    assert (kept.pk, kept.value, kept.unit) == (target.pk, 25, "个")  # the same row: its link stays
    assert TargetLink.objects.get(target=kept) == link
    lectures = task(plan, "开展科普讲座")
    assert lectures.targets.get().value == 80
    assert "市科技局" in lectures.participating_names
    event = AuditEvent.objects.get(verb="plan.reimport")
    assert event.after is not None
    assert "建设校园科技馆：牵头单位（市科协）" in event.after["kept_corrections"]
    assert any("目标值（25）" in c for c in event.after["kept_corrections"])
    assert event.after["taken_from_document"] == []


@pytest.mark.parametrize("choice", ["office", "document"])
def test_a_document_that_changes_a_corrected_field_asks_and_keeps_the_office_value_by_default(
    world: World, client_for, choice: str
) -> None:
    client = client_for(world.pds_office)
    plan, museums, target = corrected_plan(world, client)
    shown = preview(
        client, plan, work_points(museums=MUSEUMS.format(count=30), museums_lead="市教体局、市科协")
    )
    page = shown.content.decode()
    assert "您手工修改过：" in page and "新文件为：" in page
    conflicts = {c.label: c for c in shown.context["diff"].conflicts}
    value = conflicts["目标“全市建成校园科技馆”的目标值"]
    assert (value.office, value.document) == ("25", "30")
    assert (conflicts["牵头单位"].office, conflicts["牵头单位"].document) == ("市科协", "市教体局、市科协")
    assert "计量单位" not in " ".join(conflicts)  # the document still says 所: the office's 个 stays quietly
    assert page.count('value="office" checked') == 2
    target.refresh_from_db()
    assert target.value == 25 and plan.documents.count() == 1

    picks = {f"take:{value.key}": choice} if choice == "document" else {}
    confirm(client, plan, shown, **picks)
    target.refresh_from_db()
    museums.refresh_from_db()
    assert museums.lead_names == ["市科协"]  # kept either way: not chosen
    assert target.unit == "个"
    if choice == "document":
        assert target.value == 30 and target.corrections == {"unit": "所"}
    else:
        assert target.value == 25 and target.corrections == {"value": 30, "unit": "所"}
    event = AuditEvent.objects.get(verb="plan.reimport")
    assert event.after is not None
    taken = event.after["taken_from_document"]
    assert taken == (
        ["建设校园科技馆：目标“全市建成校园科技馆”的目标值（30）"] if choice == "document" else []
    )


def test_a_document_that_now_says_what_the_office_wrote_raises_no_conflict(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    plan, museums, target = corrected_plan(world, client)
    shown = preview(client, plan, work_points(museums=MUSEUMS.format(count=25), museums_lead="市科协"))
    diff = shown.context["diff"]
    assert diff.conflicts == [] and "您手工修改过：" not in shown.content.decode()
    assert [c.label for c in diff.kept] == ["目标“全市建成校园科技馆”的计量单位"]
    confirm(client, plan, shown)
    target.refresh_from_db()
    museums.refresh_from_db()
    assert (target.value, target.unit, target.corrections) == (25, "个", {"unit": "所"})
    assert museums.corrections == {} and museums.lead_names == ["市科协"]


def test_a_preview_gone_stale_applies_nothing(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    plan, museums, target = corrected_plan(world, client)
    shown = preview(client, plan, work_points(museums=MUSEUMS.format(count=30)))
    correct_task(client, task(plan, "开展科普讲座"), title="开展科普讲座活动")  # after the preview
    page = confirm(client, plan, shown).content.decode()
    assert "请重新上传" in page
    target.refresh_from_db()
    assert target.value == 25 and plan.documents.count() == 1


def test_a_target_the_office_added_survives_a_reimport(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    plan = uploaded(world, client)
    lectures = task(plan, "开展科普讲座")
    response = client.post(
        f"/plans/tasks/{lectures.pk}/targets/",
        {"new-indicator": "科普讲座受众", "new-comparator": ">=", "new-value": "5000", "new-unit": "人次"},
    )
    assert response.status_code == 302
    confirm(client, plan, preview(client, plan, work_points(lectures=LECTURES.format(count=70))))
    assert sorted(t.value for t in lectures.targets.all()) == [70, 5000]


def test_others_cannot_preview_or_confirm_a_reimport(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    plan, _museums, target = corrected_plan(world, client)
    shown = preview(client, plan, work_points(museums=MUSEUMS.format(count=30)))
    form = {"token": shown.context["token"], "fingerprint": shown.context["diff"].fingerprint}
    data = work_points(museums=MUSEUMS.format(count=40))
    for user, status in [(world.xz_office, 404), (world.edu_liaison, 404), (world.pds_leader, 403)]:
        other = client_for(user)
        assert other.post(f"/plans/{plan.pk}/reimport/", form).status_code == status
        upload = {"file": SimpleUploadedFile("v2.docx", data)}
        assert other.post(f"/plans/{plan.pk}/reimport/", upload).status_code == status
    target.refresh_from_db()
    assert target.value == 25 and plan.documents.count() == 1


def test_the_sample_plan_imported_again_keeps_every_correction_quietly(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    data = (SAMPLES / "pingdingshan_2021_2025.txt").read_bytes()
    plan = actions.import_plan(world.pds_office, world.pingdingshan, data, "pingdingshan.txt")
    first = plan.tasks.order_by("order").first()
    assert first is not None and first.targets.exists()
    row = first.targets.order_by("pk").first()
    assert row is not None
    correct_target(client, row, value=row.value + 1)
    correct_task(client, first, title=f"{first.title}（修改）")
    shown = preview(client, plan, data, "方案.txt")
    diff = shown.context["diff"]
    assert diff.conflicts == [] and len(diff.kept) == 2
    assert diff.added == diff.removed == diff.changed == []  # a unit named twice in a task is no change
    confirm(client, plan, shown)
    row.refresh_from_db()
    first.refresh_from_db()
    assert row.value == row.corrections["value"] + 1 and first.title.endswith("（修改）")


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.txt")))
def test_each_sample_plan_read_again_changes_nothing(world: World, sample: str) -> None:
    data = (SAMPLES / sample).read_bytes()
    plan = actions.import_plan(world.pds_office, world.pingdingshan, data, sample)
    draft, _text = actions.parse_upload(data, sample, 10 * 1024 * 1024)
    diff = actions.diff_reimport(plan, draft)
    assert diff.is_empty and diff.kept == [] and diff.unchanged == plan.tasks.count()


def test_corrections_made_before_the_upgrade_are_read_back_from_the_audit_trail(
    world: World, client_for
) -> None:
    from django.apps import apps

    migration = importlib.import_module("kesu.plans.migrations.0004_task_and_target_corrections")
    client = client_for(world.pds_office)
    plan, museums, target = corrected_plan(world, client)
    client.post(
        f"/plans/tasks/{museums.pk}/targets/",
        {"new-indicator": "科技馆讲解员", "new-comparator": ">=", "new-value": "40", "new-unit": "人"},
    )
    Task.objects.update(corrections={})
    Target.objects.update(corrections={}, added_by_office=False)  # as before the upgrade
    migration.read_corrections_from_the_audit_trail(apps, None)
    museums.refresh_from_db()
    target.refresh_from_db()
    assert museums.corrections == {"lead": ["市教育体育局"]}
    assert target.corrections == {"value": 20, "unit": "所"}
    assert museums.targets.get(indicator="科技馆讲解员").added_by_office
    shown = preview(client, plan, work_points())
    assert shown.context["diff"].conflicts == [] and len(shown.context["diff"].kept) == 3


def test_a_corrected_headline_goal_is_kept_and_a_new_one_in_the_document_asks(
    world: World, client_for
) -> None:
    client = client_for(world.pds_office)
    data = (SAMPLES / "pingdingshan_2021_2025.txt").read_bytes()
    plan = actions.import_plan(world.pds_office, world.pingdingshan, data, "pingdingshan.txt")
    assert plan.goal_value == 15
    client.post(
        f"/plans/{plan.pk}/goal/", {"value": "16", "year": "2025", "comparator": plan.goal_comparator}
    )
    same = preview(client, plan, data, "方案.txt").context["diff"]
    assert same.conflicts == [] and [c.label for c in same.kept] == ["总体目标"] and same.header_changes == []
    raised = data.decode().replace("比例达到15%", "比例达到18%").encode()
    shown = preview(client, plan, raised, "方案.txt")
    [goal] = shown.context["diff"].conflicts
    assert (goal.task, goal.office, goal.document) == ("总体目标", "16", "18")
    confirm(client, plan, shown)
    plan.refresh_from_db()
    assert plan.goal_value == 16 and plan.corrections == {"goal_value": 18}


def test_a_reported_target_keeps_its_values_through_reimports_and_is_kept_when_the_document_drops_it(
    world: World, client_for
) -> None:
    from kesu.reporting.models import TargetValue

    client = client_for(world.pds_office)
    plan, entry = reported_on(world, client)
    target = entry.task.targets.get()
    confirm(client, plan, preview(client, plan, work_points(museums=MUSEUMS.format(count=30))))
    target.refresh_from_db()
    assert target.value == 30 and TargetValue.objects.get(target=target).value == 12  # same row

    shown = preview(client, plan, work_points(museums="1.建设校园科技馆。推进校园科技馆建设。"))
    assert "因已有成员单位填报的数值而保留的目标" in shown.content.decode()
    confirm(client, plan, shown)
    assert TargetValue.objects.get(target=target).value == 12

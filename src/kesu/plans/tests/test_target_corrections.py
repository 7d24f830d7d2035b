"""The office corrects a task's targets on its page; a unit is on a task once; the review page shows warnings."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core.models import AuditEvent
from kesu.plans import actions
from kesu.plans.models import Plan, Target, Task
from kesu.testing import World

pytestmark = pytest.mark.django_db

WORK_POINTS = (
    "平顶山市2024年全民科学素质工作要点\n"
    "一、重点任务\n"
    "1.建设校园科技馆20所。\n"
    "牵头单位：市教育体育局\n"
    "2.全年开展科普讲座不少于60场次。\n"
    "牵头单位：市科协\n"
    "参与单位：市教体局、市科协\n"
    "二、保障措施\n"
)


def work_points(world: World) -> Plan:
    return actions.import_plan(world.pds_office, world.pingdingshan, WORK_POINTS.encode(), "要点.txt")


def first_task(plan: Plan) -> Task:
    task = plan.tasks.order_by("order").first()
    assert task is not None
    return task


def test_the_office_changes_a_targets_value_unit_comparator_and_year_and_its_source_span_stays(
    world: World, client_for
) -> None:
    task = first_task(work_points(world))
    target = task.targets.get()
    span = (target.span_start, target.span_end, target.text)
    response = client_for(world.pds_office).post(
        f"/plans/tasks/{task.pk}/targets/{target.pk}/",
        {
            f"t{target.pk}-indicator": "校园科技馆",
            f"t{target.pk}-comparator": ">",
            f"t{target.pk}-value": "25",
            f"t{target.pk}-unit": "个",
            f"t{target.pk}-year": "2025",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.indicator, target.comparator, target.value, target.unit, target.year) == (
        "校园科技馆",
        ">",
        25,
        "个",
        2025,
    )
    assert (target.span_start, target.span_end, target.text) == span
    event = AuditEvent.objects.get(verb="target.update")
    assert (event.before or {})["value"] == 20 and (event.after or {})["value"] == 25
    assert (event.after or {})["span_start"] == span[0]


def test_a_target_made_per_year_loses_its_year(world: World, client_for) -> None:
    task = first_task(work_points(world))
    target = task.targets.get()
    client_for(world.pds_office).post(
        f"/plans/tasks/{task.pk}/targets/{target.pk}/",
        {
            f"t{target.pk}-indicator": "校园科技馆",
            f"t{target.pk}-comparator": ">=",
            f"t{target.pk}-value": "5",
            f"t{target.pk}-unit": "所",
            f"t{target.pk}-per_year": "on",
        },
    )
    target.refresh_from_db()
    assert target.per_year and target.year is None


def test_the_office_adds_a_target_with_its_quote_located_in_the_source(world: World, client_for) -> None:
    plan = work_points(world)
    task = plan.tasks.order_by("order")[1]
    client_for(world.pds_office).post(
        f"/plans/tasks/{task.pk}/targets/",
        {
            "new-indicator": "科普讲座听众",
            "new-comparator": ">=",
            "new-value": "3000",
            "new-unit": "人次",
            "new-year": "2024",
            "new-quote": "全年开展科普讲座",
        },
    )
    added = task.targets.get(indicator="科普讲座听众")
    document = plan.current_document
    assert document is not None
    assert document.text[added.span_start : added.span_end] == "全年开展科普讲座"
    assert AuditEvent.objects.filter(verb="target.add").count() == 1


def test_a_bad_target_correction_is_refused_with_a_chinese_message_and_nothing_changes(
    world: World, client_for
) -> None:
    task = first_task(work_points(world))
    target = task.targets.get()
    page = (
        client_for(world.pds_office)
        .post(
            f"/plans/tasks/{task.pk}/targets/{target.pk}/",
            {
                f"t{target.pk}-indicator": "校园科技馆",
                f"t{target.pk}-comparator": ">=",
                f"t{target.pk}-value": "-3",
                f"t{target.pk}-unit": "所",
                f"t{target.pk}-year": "2024",
                f"t{target.pk}-per_year": "on",
            },
        )
        .content.decode()
    )
    assert "目标填写有误" in page and "“每年”的目标不填完成年份" in page
    target.refresh_from_db()
    assert target.value == 20


def test_the_office_deletes_a_target_and_the_deletion_is_audited(world: World, client_for) -> None:
    task = first_task(work_points(world))
    target = task.targets.get()
    client_for(world.pds_office).post(f"/plans/tasks/{task.pk}/targets/{target.pk}/", {"delete": "1"})
    assert not Target.objects.filter(pk=target.pk).exists()
    event = AuditEvent.objects.get(verb="target.delete")
    assert (event.before or {})["indicator"] == target.indicator


def test_a_liaison_cannot_touch_targets(world: World, client_for) -> None:
    task = first_task(work_points(world))
    target = task.targets.get()
    client = client_for(world.edu_liaison)
    assert client.post(f"/plans/tasks/{task.pk}/targets/{target.pk}/", {"delete": "1"}).status_code == 404
    assert client.post(f"/plans/tasks/{task.pk}/targets/", {"new-value": "1"}).status_code == 404
    assert Target.objects.filter(pk=target.pk).exists()


def test_the_task_page_offers_the_office_a_form_per_target_and_one_to_add(world: World, client_for) -> None:
    task = first_task(work_points(world))
    page = client_for(world.pds_office).get(f"/plans/tasks/{task.pk}/").content.decode()
    assert "更正目标" in page and "新增目标" in page and "删除" in page
    assert "更正目标" not in client_for(world.pds_leader).get(f"/plans/tasks/{task.pk}/").content.decode()


def test_a_name_and_its_alias_on_one_task_give_the_unit_once(world: World) -> None:
    task = work_points(world).tasks.order_by("order")[1]
    # 参与单位 names 市教体局 (an alias of 市教育体育局) and 市科协, which already leads
    assert [(r.role, r.unit) for r in task.responsibilities.all()] == [
        ("lead", world.kexie),
        ("participating", world.edu_bureau),
    ]


def test_mapping_a_name_to_a_unit_already_on_the_task_leaves_one_row(world: World) -> None:
    text = WORK_POINTS.replace(
        "牵头单位：市科协\n参与单位：市教体局、市科协", "牵头单位：市教育体育局\n参与单位：教体局"
    )
    plan = actions.import_plan(world.pds_office, world.pingdingshan, text.encode(), "要点.txt")
    assert "教体局" in dict(actions.unresolved_mentions(plan))
    actions.resolve_mention(world.pds_office, plan, "教体局", unit=world.edu_bureau)
    task = plan.tasks.order_by("order")[1]
    assert [(r.role, r.unit) for r in task.responsibilities.all()] == [("lead", world.edu_bureau)]
    event = AuditEvent.objects.get(verb="plan.resolve_mention")
    assert (event.after or {})["merged_duplicates"] == 1


def test_the_review_page_lists_what_the_parser_skipped_or_doubted(world: World, client_for) -> None:
    plan = work_points(world)
    assert any("保障措施" in w for w in plan.warnings)
    page = client_for(world.pds_office).get(f"/plans/{plan.pk}/").content.decode()
    assert "解析提示" in page and "标题“二、保障措施”下没有内容" in page


def test_every_one_line_item_of_an_uploaded_work_plan_is_a_task(world: World) -> None:
    plan = work_points(world)
    assert list(plan.tasks.order_by("order").values_list("title", flat=True)) == [
        "建设校园科技馆20所",
        "全年开展科普讲座不少于60场次",
    ]
    assert [t.indicator for t in Target.objects.filter(task__plan=plan).order_by("task__order")] == [
        "建设校园科技馆",
        "开展科普讲座",
    ]


def test_an_uploaded_docx_with_a_task_table_gives_a_task_per_row_with_its_units(
    world: World, client_for
) -> None:
    from kesu.docparse.tests.test_plan_shapes import task_table_docx

    response = client_for(world.pds_office).post(
        "/plans/upload/", {"file": SimpleUploadedFile("要点.docx", task_table_docx())}
    )
    assert response.status_code == 302
    plan = Plan.objects.get()
    titles = list(plan.tasks.order_by("order").values_list("title", flat=True))
    assert titles == [
        "召开全县科学素质工作推进会",
        "建设校园科技馆",
        "开展科普讲座",
        "培育高素质农民",
        "加强督促检查",
    ]
    built = plan.tasks.get(title="建设校园科技馆")
    assert built.lead_names == ["县教体局"] and built.participating_names == ["县科协", "县财政局"]
    page = client_for(world.pds_office).get(f"/plans/{plan.pk}/").content.decode()
    assert "不是任务分工表" in page  # the contact list, named in the parse warnings

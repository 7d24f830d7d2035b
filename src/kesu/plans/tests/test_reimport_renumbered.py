"""A revision that inserts a task (renumbering the rest) or rewords a heading keeps each task's
reports and values on the same task, and says so on the preview."""

from __future__ import annotations

import pytest

from kesu.plans.models import Task
from kesu.reporting.models import TargetValue
from kesu.testing import World

from .test_reimport_corrections import TITLE, confirm, docx, preview, reported_on, task, uploaded

pytestmark = pytest.mark.django_db

CONTESTS = "1.组织青少年科技创新大赛。每年举办一届，评选优秀作品。"


def revision(lectures_heading: str = "开展科普讲座") -> bytes:
    """The work points with a task inserted first and, optionally, the lectures' heading reworded."""
    return docx(
        TITLE,
        "一、重点任务",
        CONTESTS,
        "牵头单位：市科协",
        "2.建设校园科技馆。到2024年底，全市建成校园科技馆20所。",
        "牵头单位：市教育体育局",
        f"3.{lectures_heading}。全年开展科普讲座不少于60场次，覆盖各县（市、区）。",
        "牵头单位：市科协",
        "参与单位：市教体局、市卫生健康委",
        "二、保障措施",
        "加强组织领导。",
    )


def test_an_inserted_task_and_a_reworded_heading_keep_every_report_on_its_task(
    world: World, client_for
) -> None:
    office = client_for(world.pds_office)
    plan, entry = reported_on(world, office)
    tasks_before = plan.tasks.count()
    museums, lectures = entry.task, task(plan, "开展科普讲座")

    shown = preview(office, plan, revision(lectures_heading="举办科普讲座活动"))
    page = shown.content.decode()
    assert "新增任务 1 项：组织青少年科技创新大赛" in page
    assert "将停用的任务" not in page  # nothing the units reported on is left behind
    assert "序号 1 → 2" in page and "任务名称改为“举办科普讲座活动”" in page

    confirm(office, plan, shown)
    museums.refresh_from_db()
    lectures.refresh_from_db()
    assert (museums.number, museums.is_active) == ("2", True)
    assert (lectures.title, lectures.number, lectures.is_active) == ("举办科普讲座活动", "3", True)
    entry.refresh_from_db()
    assert (entry.task_id, entry.narrative) == (museums.pk, "已建成 12 所")
    assert TargetValue.objects.get(target__task=museums).value == 12
    assert not plan.tasks.filter(is_active=False).exists()
    assert plan.tasks.count() == tasks_before + 1  # the inserted one

    again = preview(office, plan, revision(lectures_heading="举办科普讲座活动"))
    assert again.context["diff"].is_empty  # the new ids are the tasks' own now


def test_a_task_replaced_by_a_different_one_at_its_place_is_still_removed(world: World, client_for) -> None:
    office = client_for(world.pds_office)
    plan = uploaded(world, office)
    lectures = task(plan, "开展科普讲座")
    replaced = docx(
        TITLE,
        "一、重点任务",
        "1.建设校园科技馆。到2024年底，全市建成校园科技馆20所。",
        "牵头单位：市教育体育局",
        "2.推进应急科普进社区。每个社区每年开展应急演练一次。",
        "牵头单位：市应急管理局",
        "二、保障措施",
        "加强组织领导。",
    )
    shown = preview(office, plan, replaced)
    page = shown.content.decode()
    assert "新增任务 1 项：推进应急科普进社区" in page and "将停用的任务 1 项：开展科普讲座" in page
    confirm(office, plan, shown)
    assert Task.objects.get(pk=lectures.pk).is_active is False

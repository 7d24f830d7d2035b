"""The liaison's and the office's everyday pages say what to do next, in Chinese, and read on a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from kesu.periods import Period
from kesu.plans.models import Responsibility, Task
from kesu.regions import actions as region_actions
from kesu.reporting import actions, supervision
from kesu.reporting.models import Cycle, Entry, Report
from kesu.reporting.testing import fill_report, open_test_cycle, reporting_plan
from kesu.testing import World

pytestmark = pytest.mark.django_db


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return str(response.content.decode())


def _tasks(report: Report) -> list[Entry]:
    return list(report.entries.order_by("task__order"))


def _returned_with_a_comment_on_the_first_task(world: World) -> tuple[Cycle, Report, list[Entry]]:
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    first, second = _tasks(report)
    actions.review_report(world.pds_office, report, approve=False, comments={first.pk: "请补充基地名单"})
    return cycle, report, [first, second]


def test_a_returned_report_says_which_tasks_to_change_before_resubmitting(world: World, client_for) -> None:
    _, report, (first, _) = _returned_with_a_comment_on_the_first_task(world)
    liaison = client_for(world.edu_liaison)

    page = _page(liaison, f"/reporting/reports/{report.pk}/")
    assert "素质办已退回，请按审核意见修改 1 项任务后重新提交" in page
    assert "请补充基地名单" in page and "需修改" in page and "重新提交报送" in page
    assert "全部任务已填写，可以提交" not in page  # the office asked for changes
    todo = _page(liaison, "/reporting/todo/")
    assert "素质办已退回，请按审核意见修改 1 项任务" in todo and "需修改" in todo

    first.refresh_from_db()
    liaison.post(
        f"/reporting/entries/{first.pk}/",
        {"version": first.version, "status": "in_progress", "percent": 60, "narrative": "已补充基地名单"},
    )
    assert "已修改 1 项" in _page(liaison, f"/reporting/reports/{report.pk}/")


def test_an_overdue_draft_says_by_how_many_days_on_its_report_and_task_pages(
    world: World, client_for
) -> None:
    due = timezone.localdate() - timedelta(days=3)
    cycle = open_test_cycle(world.edu_bureau, due=due)  # still open: it locks 30 days after the due date
    report = cycle.reports.get(unit=world.edu_bureau)
    liaison = client_for(world.edu_liaison)

    assert "已逾期 3 天" in _page(liaison, f"/reporting/reports/{report.pk}/")
    task_page = _page(liaison, f"/reporting/entries/{_tasks(report)[0].pk}/")
    assert "已逾期 3 天" in task_page and f"截止 {due.year}年{due.month}月{due.day}日" in task_page
    assert "还剩" not in task_page


def test_a_task_page_leads_back_to_the_report_and_on_to_the_next_task(world: World, client_for) -> None:
    cycle = open_test_cycle(world.edu_bureau)
    report = cycle.reports.get(unit=world.edu_bureau)
    first, second = _tasks(report)
    liaison = client_for(world.edu_liaison)

    page = _page(liaison, f"/reporting/entries/{first.pk}/")
    assert "返回报送" in page and f'href="/reporting/reports/{report.pk}/"' in page
    assert re.search(rf'href="/reporting/entries/{second.pk}/"[^>]*>下一项任务', page)
    last = _page(liaison, f"/reporting/entries/{second.pk}/")
    assert "下一项任务" not in last and "上一项" in last
    # 保存并填写下一项 saves, then opens the next task.
    saved = liaison.post(
        f"/reporting/entries/{first.pk}/",
        {
            "version": first.version,
            "status": "in_progress",
            "percent": 30,
            "narrative": "已启动",
            "then": "next",
        },
    )
    assert saved.status_code == 302 and saved.url == f"/reporting/entries/{second.pk}/"
    first.refresh_from_db()
    assert first.narrative == "已启动"


def test_a_task_page_shows_the_units_earlier_periods_of_that_task(world: World, client_for) -> None:
    plan = reporting_plan(world.edu_bureau, partner=world.kexie)
    earlier = actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))
    fill_report(earlier.reports.get(unit=world.edu_bureau), narrative="上半年新建基地 40 个")
    fill_report(earlier.reports.get(unit=world.kexie), narrative="市科协上半年的配合")
    actions.submit_report(None, earlier.reports.get(unit=world.edu_bureau))
    actions.review_report(
        world.pds_office, earlier.reports.get(unit=world.edu_bureau), approve=True, comments={}
    )
    current = actions.open_cycle(None, plan, Period.parse("2025H2"), due_date=date(2099, 12, 30))
    entry = _tasks(current.reports.get(unit=world.edu_bureau))[0]

    page = _page(client_for(world.edu_liaison), f"/reporting/entries/{entry.pk}/")
    earlier_part = page[page.index("往期（本单位）") :]
    assert (
        "2025年上半年" in earlier_part and "上半年新建基地 40 个" in earlier_part and "已通过" in earlier_part
    )
    assert "50%" in earlier_part
    assert "市科协上半年的配合" not in page  # another unit's earlier period is not this unit's history


def test_a_return_shows_only_on_the_tasks_it_commented_on(world: World, client_for) -> None:
    _, _, (first, second) = _returned_with_a_comment_on_the_first_task(world)
    liaison = client_for(world.edu_liaison)

    commented = _page(liaison, f"/reporting/entries/{first.pk}/")
    assert "退回修改" in commented and "请补充基地名单" in commented
    untouched = _page(liaison, f"/reporting/entries/{second.pk}/")
    assert "退回修改" not in untouched and "请补充基地名单" not in untouched
    # The submission concerns every task: it is there, marked as the whole report's step.
    assert re.search(r"提交报送<span[^>]*>整份报送", untouched)


def test_a_lead_sees_which_participating_units_have_written_and_no_other_lead(
    world: World, client_for
) -> None:
    plan = reporting_plan(world.edu_bureau, partner=world.kexie)
    task = Task.objects.get(plan=plan, order=1)
    science = region_actions.create_unit(None, world.pingdingshan, "市科技局")
    health = region_actions.create_unit(None, world.pingdingshan, "市卫生健康委")
    Responsibility.objects.create(task=task, role="lead", mention=science.name, unit=science)
    Responsibility.objects.create(task=task, role="participating", mention=health.name, unit=health)
    cycle = actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))
    kexie = cycle.reports.get(unit=world.kexie)
    fill_report(kexie, narrative="市科协组织科技志愿者 300 人次")
    actions.submit_report(world.kexie_liaison, kexie)
    fill_report(cycle.reports.get(unit=science), narrative="科技局牵头推进的内容")
    lead_entry = cycle.reports.get(unit=world.edu_bureau).entries.get(task=task)

    page = _page(client_for(world.edu_liaison), f"/reporting/entries/{lead_entry.pk}/")
    panel = page[page.index('id="participants"') : page.index("佐证材料")]
    assert "2 家参与单位，已填写 1 家" in panel and "尚未填写：市卫生健康委" in panel
    assert "市科协组织科技志愿者 300 人次" in panel and "已提交报送" in panel
    assert "科技局牵头推进的内容" not in page  # another lead unit is not a participant
    assert "共同牵头：市科技局" in panel


def test_a_participating_unit_sees_the_lead_unit_and_what_it_wrote(world: World, client_for) -> None:
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    lead = _tasks(cycle.reports.get(unit=world.edu_bureau))[0]
    target = lead.task.targets.get()
    actions.save_entry(
        world.edu_liaison,
        lead,
        version=lead.version,
        status="in_progress",
        percent=60,
        narrative="新建市级科普教育基地 12 个",
        values={target.pk: 132.0},
    )
    mine = cycle.reports.get(unit=world.kexie).entries.get()

    page = _page(client_for(world.kexie_liaison), f"/reporting/entries/{mine.pk}/")
    panel = page[page.index('id="leads"') : page.index("佐证材料")]
    assert "市教育体育局（牵头）" in panel and "新建市级科普教育基地 12 个" in panel and "60%" in panel
    assert "市级科普教育基地：132 / 目标 ≥150个" in panel


def test_an_empty_target_shows_its_goal_and_values_print_without_decimals(world: World, client_for) -> None:
    cycle = open_test_cycle(world.edu_bureau)
    report = cycle.reports.get(unit=world.edu_bureau)
    entry = _tasks(report)[0]
    liaison = client_for(world.edu_liaison)
    assert "市级科普教育基地：— / 目标 ≥150个" in _page(liaison, f"/reporting/reports/{report.pk}/")

    target = entry.task.targets.get()
    actions.save_entry(
        world.edu_liaison,
        entry,
        version=entry.version,
        status="in_progress",
        percent=60,
        narrative="进展",
        values={target.pk: 132.0},
    )
    page = _page(liaison, f"/reporting/reports/{report.pk}/")
    assert "市级科普教育基地：132 / 目标 ≥150个" in page and "132.0" not in page
    assert f'name="target_{target.pk}" value="132"' in _page(liaison, f"/reporting/entries/{entry.pk}/")


def test_tasks_come_in_the_same_order_on_the_to_do_and_report_pages_own_lead_tasks_first(
    world: World, client_for
) -> None:
    plan = reporting_plan(world.edu_bureau, partner=world.kexie)  # 市科协 participates in 任务1
    second = Task.objects.get(plan=plan, order=2)
    Responsibility.objects.create(task=second, role="lead", mention=world.kexie.name, unit=world.kexie)
    cycle = actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))
    report = cycle.reports.get(unit=world.kexie)
    liaison = client_for(world.kexie_liaison)

    def order(page: str) -> list[str]:
        return re.findall(r'href="/reporting/entries/\d+/">(任务\d)</a>', page)

    assert order(_page(liaison, "/reporting/todo/")) == ["任务2", "任务1"]
    assert order(_page(liaison, f"/reporting/reports/{report.pk}/")) == ["任务2", "任务1"]


def test_the_review_puts_each_comment_in_its_tasks_row_and_the_decision_in_one_bar(
    world: World, client_for
) -> None:
    cycle = open_test_cycle(world.edu_bureau)
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    first, second = _tasks(report)
    office = client_for(world.pds_office)

    page = _page(office, f"/reporting/reports/{report.pk}/")
    marks = [
        f'href="/reporting/entries/{first.pk}/"',
        f'name="comment_{first.pk}"',
        f'href="/reporting/entries/{second.pk}/"',
        f'name="comment_{second.pk}"',
        'id="review-form"',
    ]
    positions = [page.index(mark) for mark in marks]
    assert positions == sorted(positions)  # each box right under its task, the buttons after the table
    assert page.count('form="review-form"') == 2
    bar = page[page.index('id="review-form"') :]
    assert "审核通过并锁定" in bar and "退回修改" in bar and 'name="overall"' in bar

    office.post(
        f"/reporting/reports/{report.pk}/review/", {"decision": "return", f"comment_{second.pk}": "请补充"}
    )
    second.refresh_from_db()
    assert second.review_comment == "请补充"


def test_a_liaisons_messages_name_no_channel(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the return notifies the liaison after commit
        _returned_with_a_comment_on_the_first_task(world)

    page = _page(client_for(world.edu_liaison), "/messages/")
    assert "请补充基地名单" in page and "退回修改" in page
    assert "站内消息" not in page and "未送达" not in page
    assert not re.search(r">(inapp|email|sms|wecom|dingtalk|log)<", page)
    assert not re.search(r"\d{4}-\d\d-\d\d", page)  # dates read 2026年12月1日


def test_an_office_opens_a_cycle_by_year_and_half_year(world: World, client_for) -> None:
    plan = reporting_plan(world.edu_bureau)
    office = client_for(world.pds_office)
    form = _page(office, "/reporting/cycles/")
    assert "请选择方案" in form and "---------" not in form
    assert 'name="period_0"' in form and "下半年" in form and "全年" in form

    common = {"plan": plan.pk, "timely_days": 0, "lock_days": 30, "warn_days": 7}
    assert (
        office.post("/reporting/cycles/", {**common, "period_0": "2025", "period_1": "2"}).status_code == 302
    )
    assert (
        office.post("/reporting/cycles/", {**common, "period_0": "2026", "period_1": "0"}).status_code == 302
    )
    assert sorted(Cycle.objects.filter(plan=plan).values_list("period", flat=True)) == ["2025H2", "2026"]
    bad = office.post("/reporting/cycles/", {**common, "period_0": "", "period_1": "1"}).content.decode()
    assert "请填写年度" in bad

    listing = _page(office, "/reporting/cycles/")
    assert (
        "2025年下半年" in listing and "2025年12月30日" in listing and "2026年1月29日" in listing
    )  # due, lock
    assert not re.search(r"\d{4}-\d\d-\d\d", listing)


def test_a_missing_page_says_so_in_chinese_inside_the_layout(world: World, client_for) -> None:
    response = client_for(world.edu_liaison).get("/reporting/reports/999999/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在，或您没有查看权限" in page and 'href="/"' in page
    assert "报送待办" in page  # the signed-in user's menu is still there
    error = server_error(RequestFactory().get("/"))
    assert error.status_code == 500 and "系统出错，请稍后再试" in error.content.decode()


def test_an_office_sees_what_awaits_it_instead_of_an_empty_unit_list(world: World, client_for) -> None:
    cycle = open_test_cycle(
        world.edu_bureau, partner=world.kexie, due=timezone.localdate() + timedelta(days=10)
    )
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    entry = _tasks(report)[0]
    notice = supervision.issue_notice(
        world.pds_office,
        entry.task,
        world.edu_bureau,
        "请加快推进",
        timezone.localdate() + timedelta(days=20),
        cycle,
    )
    supervision.sign_notice(world.edu_liaison, notice)
    supervision.respond_notice(world.edu_liaison, notice, "已整改")
    office = client_for(world.pds_office)

    todo = _page(office, "/reporting/todo/")
    assert "本单位当前没有待报送的任务" not in todo
    assert "份报送待审核" in todo and "市教育体育局" in todo
    to_close = todo[todo.index("已反馈、待办结的督办") :]
    assert notice.number in to_close
    due_soon = todo[todo.index("近期截止的报送周期") :]
    assert "还剩 10 天" in due_soon and "1 / 2 家" in due_soon and "未报 1 家" in due_soon
    home = _page(office, "/")
    assert "1</strong> 份报送已提交，等待审核" in home and "1</strong> 件督办已反馈，等待办结" in home


def test_a_leader_sees_the_current_cycles_rates_linking_to_their_boards(world: World, client_for) -> None:
    cycle = open_test_cycle(
        world.edu_bureau, partner=world.kexie, due=timezone.localdate() + timedelta(days=10)
    )
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    leader = client_for(world.pds_leader)

    todo = _page(leader, "/reporting/todo/")
    assert "本单位当前没有待报送的任务" not in todo
    assert "当前报送周期" in todo and "50.0%" in todo and f'href="/reporting/cycles/{cycle.pk}/"' in todo
    home = _page(leader, "/")
    assert "报送概况" in home and "报送率 50.0%" in home and "及时率 50.0%" in home


def test_every_page_has_a_phone_menu_behind_a_button(world: World, client_for) -> None:
    page = _page(client_for(world.edu_liaison), "/reporting/todo/")
    assert 'data-bs-target="#kesu-menu"' in page and 'aria-label="打开菜单"' in page
    menu = page[page.index('id="kesu-menu"') - 200 :]
    assert "offcanvas-md" in menu[:400] and "报送待办" in menu

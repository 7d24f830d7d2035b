"""The summary and the 督办通报 as the office downloads them, and the 督办 steps that feed them."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from docx import Document
from docx.document import Document as DocxDocument
from openpyxl import load_workbook

from kesu.core.models import AuditEvent
from kesu.periods import Period
from kesu.plans.models import Target
from kesu.reporting import actions
from kesu.reporting.models import Cycle, Entry, Notice, NoticeStatus, Report
from kesu.reporting.testing import fill_report, reporting_plan
from kesu.testing import World

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _document(response) -> DocxDocument:
    assert response.status_code == 200, response.status_code
    return Document(io.BytesIO(response.content))


def _lines(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs if p.text]


def _lead(report: Report, order: int) -> Entry:
    return report.entries.get(task__order=order)


def _approve(report: Report) -> None:
    actions.submit_report(None, report)
    actions.review_report(None, report, approve=True, comments={})


@pytest.fixture
def four_task_cycle(world: World) -> Cycle:
    """平顶山市's plan with tasks 1 and 3 in 提升行动, 2 and 4 in 重点工程; 市科协 takes part in task 1.

    Task 1 has 市级科普教育基地 ≥150 个 and 科普志愿者 ≥5000 人; task 2 an at-most target.
    """
    plan = reporting_plan(world.edu_bureau, partner=world.kexie, tasks=4)
    task_1, task_2 = plan.tasks.get(order=1), plan.tasks.get(order=2)
    Target.objects.create(
        task=task_1, indicator="注册科普志愿者", value=5000, unit="人", year=2025, span_start=9
    )
    Target.objects.create(
        task=task_2, indicator="科普场馆年闭馆天数", value=30, unit="天", comparator="<=", year=2025
    )
    return actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))


def test_the_summary_states_each_target_with_its_value_and_ratio_and_lists_unreported_ones(
    world: World, four_task_cycle: Cycle, client_for
) -> None:
    edu = four_task_cycle.reports.get(unit=world.edu_bureau)
    fill_report(edu, narrative="建成市级科普教育基地 132 个")
    bases = Target.objects.get(indicator="市级科普教育基地")
    closures = Target.objects.get(indicator="科普场馆年闭馆天数")
    reported: list[tuple[int, dict[int, float | None]]] = [(1, {bases.pk: 132.0}), (2, {closures.pk: 40.0})]
    for order, values in reported:
        entry = _lead(edu, order)
        actions.save_entry(
            None,
            entry,
            version=entry.version,
            status="in_progress",
            percent=60,
            narrative=entry.narrative,
            values=values,
        )
    _approve(edu)
    kexie = four_task_cycle.reports.get(unit=world.kexie)
    fill_report(kexie, narrative="市科协尚待审核的内容")
    actions.submit_report(None, kexie)

    document = _document(client_for(world.pds_office).get(f"/reporting/cycles/{four_task_cycle.pk}/summary/"))
    lines = _lines(document)

    assert lines[0] == "平顶山市全民科学素质行动2025年上半年工作总结"
    assert "报送率 100%" in lines[1] and "及时率 100%" in lines[1]
    assert lines[2].startswith("本总结依据已审核通过的报送（1 家单位）")
    headings = [
        p.text for p in document.paragraphs if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert headings == [
        "一、提升行动",
        "（一）任务1",
        "（二）任务3",
        "二、重点工程",
        "（一）任务2",
        "（二）任务4",
    ]
    assert "市教育体育局（牵头）：推进中，完成 60%。建成市级科普教育基地 132 个" in lines
    assert "目标：市级科普教育基地 ≥150 个（2025年）；市教育体育局报送 132 个，完成 88%。" in lines
    assert "目标：注册科普志愿者 ≥5000 人（2025年）；未报。" in lines
    # At most 30 days closed, 40 reported: 30 / 40, not 40 / 30.
    assert "目标：科普场馆年闭馆天数 ≤30 天（2025年）；市教育体育局报送 40 天，完成 75%。" in lines
    assert not any("市科协尚待审核的内容" in line for line in lines)


def test_a_report_not_yet_approved_leaves_its_targets_unreported_in_the_summary(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, narrative="尚在审核中的进展")
    entry = _lead(report, 1)
    target = Target.objects.get(task=entry.task)
    actions.save_entry(
        None,
        entry,
        version=entry.version,
        status="in_progress",
        percent=50,
        narrative=entry.narrative,
        values={target.pk: 132.0},
    )
    actions.submit_report(None, report)

    lines = _lines(_document(client_for(world.pds_office).get(f"/reporting/cycles/{cycle.pk}/summary/")))

    assert lines[2].startswith("本总结依据已审核通过的报送（0 家单位）")
    assert "目标：市级科普教育基地 ≥150 个（2025年）；未报。" in lines
    assert not any("尚在审核中的进展" in line for line in lines)


def test_every_run_of_the_summary_names_a_chinese_font(world: World, cycle: Cycle, client_for) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report)
    _approve(report)
    document = _document(client_for(world.pds_office).get(f"/reporting/cycles/{cycle.pk}/summary/"))
    runs = [run for p in document.paragraphs for run in p.runs]
    assert runs
    fonts = {run._element.xpath("string(w:rPr/w:rFonts/@w:eastAsia)") for run in runs}
    assert fonts == {"宋体", "黑体"}  # body and headings; no run left to a Latin theme font


class Clock:
    """A settable ``timezone.now``, so the notice times the documents print are known in advance.

    Audit events keep the real time: their field's default holds Django's own ``now``.
    """

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(datetime(2025, 11, 3, 10, 5, tzinfo=SHANGHAI))
    monkeypatch.setattr(timezone, "now", fake.now)
    return fake


def _issue(office, entry: Entry, requirement: str, deadline: str = "2025-11-30") -> Notice:
    response = office.post(
        f"/reporting/entries/{entry.pk}/notice/", {"requirement": requirement, "deadline": deadline}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Notice.objects.get(requirement=requirement)


def test_the_notice_report_lists_open_and_closed_notices_with_level_and_every_steps_time(
    world: World, cycle: Cycle, client_for, clock: Clock
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    done = _issue(office, _lead(report, 1), "请报送基地建设进展")  # 2025年11月3日 10:05
    clock.advance(minutes=5)
    lagging = _issue(office, _lead(report, 2), "请加快场馆建设")  # 10:10
    clock.advance(hours=1)
    liaison.post(f"/reporting/notices/{done.pk}/", {"step": "sign"})  # 11:10
    liaison.post(f"/reporting/notices/{lagging.pk}/", {"step": "sign"})
    clock.advance(hours=4)  # within the 8-hour session
    liaison.post(f"/reporting/notices/{done.pk}/", {"step": "respond", "response": "已建成 132 个"})  # 15:10
    clock.advance(hours=2, minutes=5)
    office.post(f"/reporting/notices/{done.pk}/", {"step": "close", "note": "同意办结"})  # 17:15
    office.post(
        f"/reporting/notices/{lagging.pk}/",
        {"step": "escalate", "note": "逾期未反馈", "deadline": "2025-11-20"},
    )

    document = _document(office.get("/reporting/notices/?format=docx"))
    lines = _lines(document)

    assert lines[0].endswith("全民科学素质行动督办事项通报")
    assert "尚未办结 1 件（其中升级督办 1 件，已超过办理时限 0 件），已办结 1 件" in lines[1]
    assert "一、尚未办结的督办事项（1 件）" in lines and "二、已办结的督办事项（1 件）" in lines
    open_table, closed_table = document.tables
    open_row = {h: c.text for h, c in zip(_texts(open_table.rows[0]), open_table.rows[1].cells, strict=True)}
    closed_row = {
        h: c.text for h, c in zip(_texts(closed_table.rows[0]), closed_table.rows[1].cells, strict=True)
    }
    assert open_row["督办级别"] == "二级督办（升级督办）" and open_row["办理时限"] == "2025年11月20日"
    assert open_row["办理过程"].splitlines() == [
        "交办 2025年11月3日 10:10",
        "签收 2025年11月3日 11:10",
        "升级督办 2025年11月3日 17:15",
    ]
    assert "升级督办要求：逾期未反馈" in open_row["办理情况"]
    assert closed_row["督办级别"] == "一级督办" and closed_row["状态"] == "已办结"
    assert closed_row["办理过程"].splitlines() == [
        "交办 2025年11月3日 10:05",
        "签收 2025年11月3日 11:10",
        "反馈 2025年11月3日 15:10",
        "办结 2025年11月3日 17:15",
    ]
    assert closed_row["办理情况"].splitlines() == ["已建成 132 个", "办结意见：同意办结"]

    sheet = load_workbook(io.BytesIO(office.get("/reporting/notices/?format=xlsx").content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert rows[lagging.number]["升级督办"] == datetime(2025, 11, 3, 17, 15)
    assert rows[done.number]["升级督办"] in ("", None) and rows[done.number]["办结"] == datetime(
        2025, 11, 3, 17, 15
    )


def _texts(row) -> list[str]:
    return [cell.text for cell in row.cells]


def test_escalating_without_a_valid_new_deadline_is_refused_in_chinese_and_changes_nothing(
    world: World, cycle: Cycle, client_for
) -> None:
    office = client_for(world.pds_office)
    entry = _lead(cycle.reports.get(unit=world.edu_bureau), 1)
    office.post(
        f"/reporting/entries/{entry.pk}/notice/", {"requirement": "请加快推进", "deadline": "2099-07-01"}
    )
    notice = Notice.objects.get()
    url = f"/reporting/notices/{notice.pk}/"

    missing = office.post(url, {"step": "escalate", "note": "整改不到位", "deadline": ""})
    past = office.post(url, {"step": "escalate", "note": "整改不到位", "deadline": "2000-01-01"})
    no_reason = office.post(url, {"step": "escalate", "note": " ", "deadline": "2099-08-01"})

    assert missing.status_code == 200 and "请填写新的办理时限。" in missing.content.decode()
    assert "Invalid isoformat" not in missing.content.decode()
    assert "整改不到位" in missing.content.decode()  # the reason the office wrote is still in the form
    assert "办理时限不能早于今天。" in past.content.decode()
    assert "请写明升级督办的理由和要求。" in no_reason.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED and notice.level == 1 and notice.escalated_at is None
    assert not AuditEvent.objects.filter(verb="notice.escalate").exists()


def test_issuing_a_notice_with_a_past_or_missing_deadline_is_refused(
    world: World, cycle: Cycle, client_for
) -> None:
    office = client_for(world.pds_office)
    entry = _lead(cycle.reports.get(unit=world.edu_bureau), 1)
    url = f"/reporting/entries/{entry.pk}/notice/"

    past = office.post(url, {"requirement": "请加快推进", "deadline": "2000-01-01"}).content.decode()
    missing = office.post(url, {"requirement": "请加快推进", "deadline": ""}).content.decode()

    assert "办理时限不能早于今天。" in past and "请加快推进" in past
    assert "请填写办理时限。" in missing
    assert not Notice.objects.exists()


def test_responding_without_a_response_is_refused_and_the_notice_stays_signed(
    world: World, cycle: Cycle, client_for
) -> None:
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    entry = _lead(cycle.reports.get(unit=world.edu_bureau), 1)
    office.post(
        f"/reporting/entries/{entry.pk}/notice/", {"requirement": "请加快推进", "deadline": "2099-07-01"}
    )
    notice = Notice.objects.get()
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "sign"})

    refused = liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "respond", "response": "  "})

    assert refused.status_code == 200 and "请填写办理情况后再反馈。" in refused.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SIGNED and notice.responded_at is None
    # Closing before the unit has responded is refused with the notice's state named.
    early = office.post(f"/reporting/notices/{notice.pk}/", {"step": "close", "note": ""}, follow=True)
    assert "当前为“已签收”，不能进行此操作" in early.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SIGNED and notice.closed_at is None


def test_every_notice_step_is_timed_and_shown_in_the_tasks_history(
    world: World, cycle: Cycle, client_for
) -> None:
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    entry = _lead(cycle.reports.get(unit=world.edu_bureau), 1)
    notice = _issue(office, entry, "请报送基地建设进展", deadline="2099-07-01")
    steps = [
        (liaison, {"step": "sign"}),
        (liaison, {"step": "respond", "response": "已建成 120 个"}),
        (office, {"step": "escalate", "note": "数量不足", "deadline": "2099-07-15"}),
        (liaison, {"step": "sign"}),
        (liaison, {"step": "respond", "response": "已建成 150 个"}),
        (office, {"step": "close", "note": "同意办结"}),
    ]
    for client, data in steps:
        assert client.post(f"/reporting/notices/{notice.pk}/", data).status_code == 302, data

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED and notice.level == 2
    # 签收 and 反馈 keep the second round's times, after the escalation.
    assert notice.signed_at and notice.responded_at and notice.escalated_at and notice.closed_at
    assert (
        notice.issued_at <= notice.escalated_at <= notice.signed_at <= notice.responded_at <= notice.closed_at
    )
    page = liaison.get(f"/reporting/entries/{entry.pk}/").content.decode()
    history = re.findall(
        r'text-nowrap">(\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d)</span>[^<]*<strong>([^<]*)</strong>([^<]*)', page
    )
    notice_lines = [(label, note) for _, label, note in history if "督办" in label]
    assert [label for label, _ in notice_lines] == [
        "督办办结",
        "反馈督办",
        "签收督办",
        "升级督办",
        "反馈督办",
        "签收督办",
        "交办督办",
    ]  # newest first, each with its time
    assert "已建成 120 个" in notice_lines[4][1] and "新的办理时限 2099年7月15日" in notice_lines[3][1]
    detail = liaison.get(f"/reporting/notices/{notice.pk}/").content.decode()
    closed = timezone.localtime(notice.closed_at)
    assert f"办结 {closed.year}年{closed.month}月{closed.day}日 {closed:%H:%M}" in detail


def test_a_liaison_of_another_unit_cannot_sign_or_respond_and_a_liaison_cannot_close(
    world: World, cycle: Cycle, client_for
) -> None:
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    other = client_for(world.kexie_liaison)
    entry = _lead(cycle.reports.get(unit=world.edu_bureau), 1)
    office.post(
        f"/reporting/entries/{entry.pk}/notice/", {"requirement": "请加快推进", "deadline": "2099-07-01"}
    )
    notice = Notice.objects.get()
    url = f"/reporting/notices/{notice.pk}/"

    assert other.get(url).status_code == 404
    assert other.post(url, {"step": "sign"}).status_code == 404
    liaison.post(url, {"step": "sign"})
    assert other.post(url, {"step": "respond", "response": "代为反馈"}).status_code == 404
    liaison.post(url, {"step": "respond", "response": "已整改"})
    # The liaison reads the notice, so a step it may not take is refused (403 无权限), not hidden.
    assert liaison.post(url, {"step": "close", "note": "自行办结"}).status_code == 403
    assert liaison.post(url, {"step": "escalate", "note": "x", "deadline": "2099-08-01"}).status_code == 403

    notice.refresh_from_db()
    assert (
        notice.status == NoticeStatus.RESPONDED and notice.response == "已整改" and notice.closed_at is None
    )
    assert not AuditEvent.objects.filter(actor=world.kexie_liaison).exists()

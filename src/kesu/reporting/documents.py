"""Word documents: the half-year / annual summary from approved reports, and the 督办通报."""

from __future__ import annotations

import io
from collections import defaultdict

from django.utils import timezone
from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt

from kesu.plans.models import PartKind
from kesu.reporting.models import Cycle, Entry, Notice, ReportStatus

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _new_document(title: str) -> DocxDocument:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    document.add_heading(title, level=0)
    return document


def _bytes(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def summary_docx(cycle: Cycle) -> bytes:
    """Per action and project, what each unit reported and where the targets stand (approved only)."""
    plan = cycle.plan
    document = _new_document(f"{plan.region.name}全民科学素质行动{cycle.period_label}工作总结")
    reports = cycle.reports.all()
    approved = reports.filter(status=ReportStatus.APPROVED).count()
    document.add_paragraph(
        f"依据《{plan.title}》，本期应报单位 {reports.count()} 家，已审核通过 {approved} 家。以下内容汇总自已审核通过的报送"
        f"（生成于 {timezone.localtime():%Y年%m月%d日}）。")
    entries = (Entry.objects.filter(report__cycle=cycle, report__status=ReportStatus.APPROVED)
               .select_related("task", "report__unit").prefetch_related("values__target")
               .order_by("task__order", "role", "report__unit__name"))
    by_part: dict[str, dict[int, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        by_part[entry.task.part_kind][entry.task_id].append(entry)
    for kind in (PartKind.ACTION, PartKind.PROJECT, PartKind.OTHER):
        tasks = by_part.get(kind)
        if not tasks:
            continue
        document.add_heading(str(kind.label), level=1)
        for task_entries in tasks.values():
            task = task_entries[0].task
            document.add_heading(task.title[:120], level=2)
            for entry in task_entries:
                status = entry.get_status_display() if entry.status else ""
                head = f"{entry.report.unit.name}（{entry.role_label}）"
                if entry.is_lead and status:
                    head += f"：{status}，完成 {entry.percent or 0}%"
                paragraph = document.add_paragraph(style="List Bullet")
                paragraph.add_run(head + "。").bold = True
                paragraph.add_run(entry.narrative)
                for value in entry.values.all():
                    t = value.target
                    document.add_paragraph(f"{t.indicator}：{value.value:g}{t.unit}（目标 {t.comparator_label}{t.value_label}"
                                           f"{t.unit}，完成 {100 * value.value / t.value if t.value else 0:.0f}%）",
                                           style="List Bullet 2")
    return _bytes(document)


def notices_docx(notices: list[Notice], title: str) -> bytes:
    document = _new_document(title)
    open_count = sum(1 for n in notices if n.is_open)
    document.add_paragraph(f"共 {len(notices)} 件督办事项，已办结 {len(notices) - open_count} 件，尚未办结 {open_count} 件。")
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["督办单号", "单位", "任务", "时限", "状态", "办理情况"], strict=True):
        cell.text = text
    for n in notices:
        cells = table.add_row().cells
        for cell, text in zip(cells, [n.number, n.unit.name, n.task.title[:40], f"{n.deadline:%Y-%m-%d}",
                                      n.get_status_display(), n.response[:80]], strict=True):
            cell.text = text
    return _bytes(document)

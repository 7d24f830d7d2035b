"""Word documents: the half-year / annual summary from approved reports, and the 督办通报.

Both are meant to be sent as they are, so they follow the habits of an official Chinese document:
A4, a centred title, 一、（一） numbering, 宋体 body and 黑体 headings. Word picks the font of
Chinese text from ``w:eastAsia``; python-docx's ``font.name`` sets only the Latin font, and the
default template's headings name theme fonts that win over it, so every style and every run here
gets its East Asian font set explicitly.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.utils import timezone
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.styles import CT_Style
from docx.oxml.text.run import CT_R
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from kesu.core.formats import day_text, moment_text
from kesu.plans.models import PartKind, Target, Task
from kesu.reporting import board, rules
from kesu.reporting.models import Cycle, Entry, Notice, ReportStatus
from kesu.text import printable

LATIN_FONT, BODY_FONT, HEADING_FONT = "Times New Roman", "宋体", "黑体"
_THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_STYLES = {"Normal": (BODY_FONT, 12), "Heading 1": (HEADING_FONT, 14), "Heading 2": (HEADING_FONT, 12)}
_ROLE_ORDER = {"lead": 0, "responsible": 1, "participating": 2}
_DIGITS = "零一二三四五六七八九"


# ---- writing ------------------------------------------------------------------------------------


def _east_asian(element: CT_R | CT_Style, east_asia: str) -> None:
    """Names the Chinese font on a style's or run's properties and drops theme fonts that override it."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in _THEME_FONTS:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _new_document(title: str, *, landscape: bool = False) -> DocxDocument:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = (Cm(29.7), Cm(21)) if landscape else (Cm(21), Cm(29.7))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2.5))
    for name, (east_asia, size) in _STYLES.items():
        style = document.styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        _east_asian(style.element, east_asia)
        # Body paragraphs start two characters in, as official documents do; headings do not.
        style.paragraph_format.first_line_indent = Pt(2 * size) if name == "Normal" else 0
    document.core_properties.title = printable(title)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.first_line_indent = 0
    _run(heading, title, bold=True, size=18)
    return document


def _run(
    paragraph: Paragraph, text: str, *, bold: bool = False, size: float | None = None, font: str = BODY_FONT
) -> Run:
    run = paragraph.add_run(printable(text))  # stored text may hold characters XML refuses
    run.bold = bold or None
    if size is not None:
        run.font.size = Pt(size)
    _east_asian(run._element, font)
    return run


def _paragraph(
    document: DocxDocument, text: str = "", *, style: str | None = None, font: str = BODY_FONT
) -> Paragraph:
    paragraph = document.add_paragraph(style=style)
    if text:
        _run(paragraph, text, font=font)
    return paragraph


def _heading(document: DocxDocument, text: str, level: int) -> Paragraph:
    return _paragraph(document, text, style=f"Heading {level}", font=HEADING_FONT)


def _cell(cell: _Cell, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.first_line_indent = 0
    for line_number, line in enumerate(text.split("\n")):
        if line_number:
            paragraph.runs[-1].add_break()
        _run(paragraph, line, bold=bold, size=9)


def _bytes(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def chinese_number(n: int) -> str:
    """一 … 九十九 for headings (一、（一）); larger numbers stay in digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS[tens]}十")
    return head + (_DIGITS[ones] if ones else "")


def number_text(value: float) -> str:
    """132.0 → 132, 0.125 → 0.125; never the 1.5e+06 of ``:g``."""
    return str(int(value)) if float(value).is_integer() else f"{value:.4f}".rstrip("0").rstrip(".")


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{number_text(rate)}%"


# ---- summary ------------------------------------------------------------------------------------


def summary_title(cycle: Cycle) -> str:
    """平顶山市全民科学素质行动2025年上半年工作总结 / …2025年度工作总结."""
    period = cycle.period_obj
    when = period.label if period.is_half_year else f"{period.year}年度"
    return f"{cycle.plan.region.name}全民科学素质行动{when}工作总结"


def summary_docx(cycle: Cycle) -> bytes:
    """Per action and project, what each unit reported and where the targets stand (approved only)."""
    document = _new_document(summary_title(cycle))
    reports = cycle.reports.all()
    rates = board.rates_of(reports)
    approved = reports.filter(status=ReportStatus.APPROVED).count()
    _paragraph(
        document,
        f"依据《{cycle.plan.title}》，本期应报单位 {rates.expected} 家，已报送 {rates.submitted} 家，"
        f"报送率 {_percent(rates.reporting_rate)}；按时报送 {rates.on_time} 家，"
        f"及时率 {_percent(rates.on_time_rate)}；报送截止日 {day_text(cycle.due_date)}。",
    )
    _paragraph(
        document,
        f"本总结依据已审核通过的报送（{approved} 家单位），生成于 {day_text(timezone.localdate())}；"
        "尚未审核通过的报送不计入，其目标值列为“未报”。",
    )
    entries = (
        Entry.objects.filter(report__cycle=cycle, report__status=ReportStatus.APPROVED)
        .select_related("report__unit")
        .prefetch_related("values")
    )
    by_task: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_task[entry.task_id].append(entry)
    tasks = (
        Task.objects.filter(entries__report__cycle=cycle)
        .distinct()
        .order_by("order")
        .prefetch_related("targets")
    )
    by_kind: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        by_kind[task.part_kind].append(task)
    kinds = [k for k in (PartKind.ACTION, PartKind.PROJECT, PartKind.OTHER) if by_kind.get(k)]
    for number, kind in enumerate(kinds, start=1):
        _heading(document, f"{chinese_number(number)}、{kind.label}", 1)
        for task_number, task in enumerate(by_kind[kind], start=1):
            _heading(document, f"（{chinese_number(task_number)}）{task.title}", 2)
            _task_section(document, task, by_task.get(task.pk, []))
    return _bytes(document)


def _task_section(document: DocxDocument, task: Task, entries: list[Entry]) -> None:
    if not entries:
        _paragraph(document, "本期暂无已审核通过的报送。")
    for entry in sorted(entries, key=lambda e: (_ROLE_ORDER.get(e.role, 9), e.report.unit.name)):
        paragraph = document.add_paragraph()
        _run(paragraph, f"{entry.report.unit.name}（{entry.role_label}）：{entry_line(entry)}", bold=True)
        _run(paragraph, entry.narrative or "未填写工作情况。")
    for target in task.targets.all():
        _paragraph(document, f"目标：{target_line(target, entries)}")


def entry_line(entry: Entry) -> str:
    """推进中，完成 50%。 for a lead unit; nothing for a contribution, which has no status of its own."""
    if not entry.is_lead:
        return ""
    status = entry.get_status_display() if entry.status else "未填写进展"
    return f"{status}，完成 {entry.percent}%。" if entry.percent is not None else f"{status}。"


def target_label(target: Target) -> str:
    """市级科普教育基地 ≥150 个（2025年）."""
    amount = f"{target.comparator_label}{number_text(target.value)}" + (
        f" {target.unit}" if target.unit else ""
    )
    when = f"（{target.deadline_label}）" if target.deadline_label else ""
    return f"{target.indicator} {amount}{when}"


def target_line(target: Target, entries: Iterable[Entry]) -> str:
    """The target, each unit's approved value with its ratio (≤ targets inverted), or 未报."""
    reported = [
        (e.report.unit.name, v.value) for e in entries for v in e.values.all() if v.target_id == target.pk
    ]
    if not reported:
        return f"{target_label(target)}；未报。"
    suffix = f" {target.unit}" if target.unit else ""
    parts = [
        f"{unit}报送 {number_text(value)}{suffix}，完成 "
        f"{100 * rules.target_ratio(value, target.value, target.comparator):.0f}%"
        for unit, value in reported
    ]
    return f"{target_label(target)}；{'；'.join(parts)}。"


# ---- 督办通报 -------------------------------------------------------------------------------------

NOTICE_HEADERS = [
    "序号",
    "督办单号",
    "督办级别",
    "督办单位",
    "任务",
    "办理时限",
    "状态",
    "办理过程",
    "办理情况",
]
_NOTICE_WIDTHS = [0.9, 2.8, 2.4, 2.6, 3.9, 2.4, 1.7, 4.2, 3.8]  # cm, on A4 landscape's 24.7 cm


def notices_docx(notices: list[Notice], title: str) -> bytes:
    """Open and closed notices in two tables, each with its level and every step's time."""
    document = _new_document(title, landscape=True)
    today = timezone.localdate()
    still_open = sorted((n for n in notices if n.is_open), key=lambda n: n.issued_at)
    closed = sorted((n for n in notices if not n.is_open), key=lambda n: n.issued_at)
    escalated = sum(1 for n in still_open if n.level > 1)
    overdue = sum(1 for n in still_open if n.deadline < today)
    _paragraph(
        document,
        f"截至 {day_text(today)}，共有督办事项 {len(notices)} 件：尚未办结 {len(still_open)} 件"
        f"（其中升级督办 {escalated} 件，已超过办理时限 {overdue} 件），已办结 {len(closed)} 件。",
    )
    for number, (label, group) in enumerate(
        (("尚未办结的督办事项", still_open), ("已办结的督办事项", closed)), start=1
    ):
        _heading(document, f"{chinese_number(number)}、{label}（{len(group)} 件）", 1)
        if group:
            _notice_table(document, group, today)
        else:
            _paragraph(document, "无。")
    return _bytes(document)


def _notice_table(document: DocxDocument, notices: list[Notice], today: date) -> None:
    table = document.add_table(rows=1, cols=len(NOTICE_HEADERS))
    table.style = "Table Grid"
    table.autofit = False
    header = table.rows[0]
    header._tr.get_or_add_trPr().append(header._tr.makeelement(qn("w:tblHeader"), {}))  # repeat on each page
    for cell, text in zip(header.cells, NOTICE_HEADERS, strict=True):
        _cell(cell, text, bold=True)
    for index, notice in enumerate(notices, start=1):
        overdue = "（已逾期）" if notice.is_open and notice.deadline < today else ""
        row = [
            str(index),
            notice.number,
            level_text(notice.level),
            notice.unit.name,
            notice.task.title,
            day_text(notice.deadline) + overdue,
            notice.get_status_display(),
            "\n".join(notice_steps(notice)),
            notice_outcome(notice),
        ]
        for cell, text in zip(table.add_row().cells, row, strict=True):
            _cell(cell, text)
    for column, width in zip(table.columns, _NOTICE_WIDTHS, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice and WPS follow
        for cell in column.cells:
            cell.width = Cm(width)  # each cell, which Word follows


def level_text(level: int) -> str:
    """一级督办; from the second level on, marked 升级督办."""
    return f"{chinese_number(level)}级督办" + ("（升级督办）" if level > 1 else "")


def notice_steps(notice: Notice) -> list[str]:
    """交办 2025年11月3日 10:05, then each later step in the order it happened.

    签收 and 反馈 keep the latest round's times, so after an escalation they follow the 升级 line.
    """
    steps = [
        ("交办", notice.issued_at),
        ("签收", notice.signed_at),
        ("反馈", notice.responded_at),
        ("升级督办", notice.escalated_at),
        ("办结", notice.closed_at),
    ]
    done = sorted(
        ((label, moment) for label, moment in steps if moment is not None), key=lambda step: step[1]
    )
    return [f"{label} {moment_text(moment)}" for label, moment in done]


def notice_outcome(notice: Notice) -> str:
    lines = [notice.response or "尚未反馈"]
    if notice.closing_note:
        lines.append(("办结意见：" if notice.closed_at else "升级督办要求：") + notice.closing_note)
    return "\n".join(lines)

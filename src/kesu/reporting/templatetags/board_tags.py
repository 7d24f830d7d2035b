"""The status board's rows, rendered in Python.

A board shows 50 task rows and 50 unit rows; drawn by the template language each row cost about
1,300 Python calls (variable lookups, filters, includes, a URL reversed per link) — a third of the
whole request. These tags write the same HTML, byte for byte, at a tenth of that. The traffic light's
markup lives here once (``light_badge``); ``_light.html`` draws it with this tag on every page.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from functools import cache

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from kesu.core.templatetags.kesu import badge
from kesu.reporting import rules
from kesu.reporting.board import TaskRow, UnitRow

register = template.Library()

_BADGE = {rules.RED: "text-bg-danger", rules.YELLOW: "text-bg-warning", rules.GREY: "text-bg-secondary"}


@register.filter(is_safe=True)
def short(value: object, length: int) -> str:
    """``truncatechars`` with its result unchanged, without its cost for text that already fits.

    Django's filter walks every character (to skip combining marks) even when nothing is cut. Text of
    at most ``length`` characters, already in NFC (as Django would return it), is returned as it is;
    anything else goes through ``truncatechars``."""
    text = str(value)
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return truncatechars(text, length)


@register.simple_tag
def light_badge(light: rules.Light, detail: bool = False) -> SafeString:
    """A traffic light as a badge with its reason in the tooltip; ``detail`` also prints the reason below."""
    html = format_html(
        '<span class="badge text-nowrap {}" title="{}"><i class="bi bi-circle-fill"></i> {}</span>',
        _BADGE.get(light.colour, "text-bg-success"),
        light.reason,
        light.label,
    )
    if detail:
        html += format_html('<div class="small text-muted light-reason">{}</div>', light.reason)
    return html


def _light_cell(light: rules.Light) -> SafeString:
    """What ``{% include "reporting/_light.html" with light=… detail=True %}`` writes: the include's
    comment line leaves a newline before the badge, the file's last line one after it."""
    return mark_safe(f"\n{light_badge(light, True)}\n")


@cache
def _url_pattern(name: str, kwarg: str) -> tuple[str, str]:
    """A URL with one integer argument as (before, after) the number: reversed once, not per row."""
    marker = 987654321
    before, after = reverse(name, kwargs={kwarg: marker}).split(str(marker))
    return before, after


def _url(name: str, kwarg: str, pk: int) -> str:
    before, after = _url_pattern(name, kwarg)
    return f"{before}{int(pk)}{after}"


def _number(value: object) -> str:
    """A number as ``{{ value }}`` writes it; below a thousand no grouping applies to an integer, so
    it is its digits, without the locale lookups."""
    if isinstance(value, int) and -1000 < value < 1000:
        return str(value)
    return str(localize(value))


@register.simple_tag
def unit_options(choices: list[tuple[int, str]], chosen: int | None) -> SafeString:
    """The 单位 filter's ``<option>``s, the chosen unit selected."""
    return format_html_join(
        "",
        '<option value="{}" {}>{}</option>',
        ((pk, "selected" if pk == chosen else "", name) for pk, name in choices),
    )


@register.simple_tag
def task_row(row: TaskRow) -> SafeString:
    """One row of the 按任务 table: light, task, the lead unit's progress, the units."""
    task, lead = row.task, row.lead
    progress: str = "—"
    if lead is not None:
        percent = f" · {_number(lead.percent)}%" if lead.percent is not None else ""
        progress = format_html(
            '<a href="{}">{}{}</a>',
            _url("reporting:entry", "entry_id", lead.pk),
            lead.get_status_display() or "未填",
            percent,
        )
    return format_html(
        '<tr><td style="max-width:16rem">{}</td>\n'
        '    <td>{}<div class="small text-muted">{}</div></td>\n'
        '    <td class="small text-nowrap">{}</td>\n'
        '    <td class="small">{}</td></tr>',
        _light_cell(row.light),
        short(task.title, 60),
        short(task.part or task.get_part_kind_display(), 30),
        progress,
        _units_cell(row.units),
    )


def _units_cell(units: list[tuple[str, bool]]) -> SafeString:
    """The first four units (lead units in bold), then 等 N 家 with all of them in the tooltip."""
    shown = "、".join(
        format_html('<strong title="牵头单位">{}</strong>', name) if lead else escape(name)
        for name, lead in units[:4]
    )
    if len(units) > 4:
        everyone = "、".join(f"{name}（牵头）" if lead else name for name, lead in units)
        shown += format_html(
            ' <span class="text-muted" title="{}">等 {} 家</span>', everyone, _number(len(units))
        )
    return mark_safe(shown)


@register.simple_tag
def unit_row(row: UnitRow, can_notice: bool) -> SafeString:
    """One row of the 按单位 table: light, unit, report state, tasks filled, first submission, on time,
    the unit's rates over the plan's cycles, and the 督办/催报 button for an office that may issue it."""
    report = row.report
    submitted = _when(report.first_submitted_at) or "—"
    on_time: str = "—"
    if report.on_time:
        on_time = mark_safe('<i class="bi bi-check text-success"></i>')
    elif report.on_time is False:
        on_time = mark_safe('<span class="text-danger small">逾期</span>')
    notice: str = ""
    if can_notice:
        notice = format_html(
            '<a class="btn btn-sm btn-outline-danger text-nowrap" href="{}">{}</a>',
            _url("reporting:report_notice", "report_id", report.pk),
            "督办" if report.is_handed_in else "催报",
        )
    return format_html(
        '<tr><td style="max-width:18rem">{}</td><td><a href="{}">{}</a></td>\n'
        "    <td>{}</td><td>{}/{}</td>\n"
        '    <td class="small text-nowrap">{}</td><td>{}</td>\n'
        "    <td>{}%</td><td>{}%</td>\n"
        '    <td class="d-print-none">{}</td></tr>',
        _light_cell(row.light),
        _url("reporting:report", "report_id", report.pk),
        report.unit.name,
        mark_safe(f"{badge(report.status_choice)}\n"),  # as the _status.html include wrote it
        _number(row.filled),
        _number(row.entries),
        submitted,
        on_time,
        _rate(row.history.reporting_rate),
        _rate(row.history.on_time_rate),
        notice,
    )


def _when(moment: datetime | None) -> str:
    """``|date:"Y年n月j日 H:i"`` of a stored moment, in the site's time zone as templates show it."""
    if moment is None:
        return ""
    return str(
        date_filter(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "Y年n月j日 H:i")
    )


def _rate(value: float | None) -> str:
    return "—" if value is None else _number(value)

"""The status board after it was made cheaper (issue 14): every light is still the rule's for that
entry, in the order the board lists them, and its rows — now written in Python by ``board_tags`` —
read exactly as the template wrote them before.

The reference here is the slow, obvious computation: each entry as a model, judged by
``rules.entry_light`` one by one, and the former template fragments rendered by Django.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from kesu.periods import Period
from kesu.plans.models import Responsibility, Target, Task
from kesu.progress.status import Point
from kesu.regions import actions as region_actions
from kesu.reporting import actions, board, rules
from kesu.reporting.models import Cycle, Entry, Report, ReportStatus, TargetValue
from kesu.reporting.templatetags.board_tags import light_badge, task_row, unit_options, unit_row
from kesu.reporting.testing import fill_report, reporting_plan
from kesu.testing import World

pytestmark = pytest.mark.django_db

# The fragments of cycle_board.html and _light.html as they were before the rows moved to Python.
_LIGHT = (
    "{% with c=light.colour %}<span class=\"badge text-nowrap {% if c == 'red' %}text-bg-danger"
    "{% elif c == 'yellow' %}text-bg-warning{% elif c == 'grey' %}text-bg-secondary{% else %}"
    'text-bg-success{% endif %}" title="{{ light.reason }}"><i class="bi bi-circle-fill"></i> '
    '{{ light.label }}</span>{% if detail %}<div class="small text-muted light-reason">'
    "{{ light.reason }}</div>{% endif %}{% endwith %}"
)
OLD_TASK_ROW = Template(
    '<tr><td style="max-width:16rem">{% with light=t.light detail=True %}\n'
    + _LIGHT
    + "\n{% endwith %}</td>\n"
    '    <td>{{ t.task.title|truncatechars:60 }}<div class="small text-muted">'
    "{{ t.task.part|default:t.task.get_part_kind_display|truncatechars:30 }}</div></td>\n"
    '    <td class="small text-nowrap">{% if t.lead %}<a href="{% url \'reporting:entry\' t.lead.pk %}">'
    '{{ t.lead.get_status_display|default:"未填" }}{% if t.lead.percent is not None %} · '
    "{{ t.lead.percent }}%{% endif %}</a>{% else %}—{% endif %}</td>\n"
    '    <td class="small">{% for name, lead in t.units %}{% if forloop.counter <= 4 %}'
    '{% if not forloop.first %}、{% endif %}{% if lead %}<strong title="牵头单位">{{ name }}</strong>'
    "{% else %}{{ name }}{% endif %}{% endif %}{% endfor %}{% if t.units|length > 4 %} "
    '<span class="text-muted" title="{% for name, lead in t.units %}{{ name }}{% if lead %}（牵头）'
    '{% endif %}{% if not forloop.last %}、{% endif %}{% endfor %}">等 {{ t.units|length }} 家</span>'
    "{% endif %}</td></tr>"
)
OLD_UNIT_ROW = Template(
    "{% load kesu %}"
    '<tr><td style="max-width:18rem">{% with light=u.light detail=True %}\n' + _LIGHT + "\n{% endwith %}</td>"
    '<td><a href="{{ u.report.get_absolute_url }}">{{ u.report.unit.name }}</a></td>\n'
    "    <td>{% badge u.report.status_choice %}\n</td><td>{{ u.filled }}/{{ u.entries }}</td>\n"
    '    <td class="small text-nowrap">{{ u.report.first_submitted_at|date:"Y年n月j日 H:i"|default:"—" }}'
    '</td><td>{% if u.report.on_time %}<i class="bi bi-check text-success"></i>{% elif u.report.on_time is False %}'
    '<span class="text-danger small">逾期</span>{% else %}—{% endif %}</td>\n'
    '    <td>{{ u.history.reporting_rate|default_if_none:"—" }}%</td>'
    '<td>{{ u.history.on_time_rate|default_if_none:"—" }}%</td>\n'
    '    <td class="d-print-none">{% if can_notice %}<a class="btn btn-sm btn-outline-danger text-nowrap" '
    "href=\"{% url 'reporting:report_notice' u.report.pk %}\">{% if u.report.is_handed_in %}督办{% else %}"
    "催报{% endif %}</a>{% endif %}</td></tr>"
)
OLD_OPTIONS = Template(
    '{% for pk, name in choices %}<option value="{{ pk }}" {% if pk == chosen %}selected{% endif %}>'
    "{{ name }}</option>{% endfor %}"
)


def _busy_cycle(world: World) -> Cycle:
    """A plan whose first task has seven units (a lead and six participating), due five days ago:
    the lead handed in late with varied progress, two partners handed in, the rest still drafts."""
    plan = reporting_plan(world.edu_bureau, partner=world.kexie, tasks=5)
    first = Task.objects.get(plan=plan, order=1)
    partners = [region_actions.create_unit(None, world.pingdingshan, f"测试协作单位{n}") for n in range(5)]
    for unit in partners:
        Responsibility.objects.create(task=first, role="participating", mention=unit.name, unit=unit)
    Task.objects.filter(plan=plan, order=2).update(
        title="很长的任务名称" * 12, part="一、青少年科学素质提升行动"
    )
    due = timezone.localdate() - timedelta(days=5)
    cycle = actions.open_cycle(None, plan, Period(due.year, 1 if due.month <= 6 else 2), due_date=due)
    lead = cycle.reports.get(unit=world.edu_bureau)
    fill_report(lead, world.edu_liaison)
    progress = {
        1: ("in_progress", 5),
        2: ("lagging", 40),
        3: ("done", 100),
        4: ("in_progress", 95),
        5: ("in_progress", 60),
    }
    for entry in lead.entries.select_related("task"):
        status, percent = progress.get(entry.task.order, ("", None))
        actions.save_entry(
            world.edu_liaison,
            entry,
            version=entry.version,
            status=status,
            percent=percent,
            narrative="已推进" if status else "",
        )
    actions.submit_report(world.edu_liaison, lead)
    for unit in (world.kexie, partners[0]):
        report = cycle.reports.get(unit=unit)
        fill_report(report)
        actions.submit_report(None, report)
    return cycle


def _rule_lights(cycle: Cycle, on: date) -> dict[int, rules.Light]:
    """Each entry's light, the obvious way: one model, one call of the rule."""
    expected = board.cycle_expected_percent(cycle)
    targets = board.target_facts(cycle)
    return {
        e.pk: rules.entry_light(
            rules.EntryFacts(
                e.report.status, e.status, e.percent, expected if e.is_lead else None, targets.get(e.pk, ())
            ),
            cycle.due_date,
            on,
            cycle.warn_days,
        )
        for e in Entry.objects.filter(report__cycle=cycle).select_related("report")
    }


def test_every_light_on_the_board_is_the_rule_applied_to_that_entry_on_any_day(world: World) -> None:
    cycle = _busy_cycle(world)
    tasks = Task.objects.filter(plan=cycle.plan).active().order_by("order")
    for on in (cycle.due_date - timedelta(days=40), cycle.due_date - timedelta(days=2), timezone.localdate()):
        lights = _rule_lights(cycle, on)
        result = board.build_board(cycle, tasks, on)
        for row in result.tasks:
            entries = sorted(
                Entry.objects.filter(report__cycle=cycle, task=row.task).select_related("report__unit"),
                key=lambda e: (e.report.unit.name, e.report_id),
            )
            leads = [e for e in entries if e.is_lead] or entries
            light = rules.task_light([lights[e.pk] for e in leads], row.task.not_reported)
            assert row.light == light, row.task.title  # one lead unit: its light, word for word
            assert row.units == sorted(
                ((e.report.unit.name, e.is_lead) for e in entries), key=lambda u: (not u[1], u[0])
            )
        for unit_row_ in result.units:
            report = unit_row_.report
            own = Entry.objects.filter(report=report).select_related("task").order_by("task__order")
            expected = rules.unit_light(
                rules.report_light(report.status, cycle.due_date, on, cycle.warn_days),
                [(e.task.title, lights[e.pk]) for e in own],
            )
            assert unit_row_.light == expected, report.unit.name
        assert result.light_counts == board.task_light_counts(cycle, on)
    colours = {row.light.colour for row in board.build_board(cycle, tasks, timezone.localdate()).tasks}
    assert {rules.RED, rules.GREEN} <= colours  # the case covers more than one kind of light


def test_the_boards_rows_read_exactly_as_the_template_wrote_them(world: World) -> None:
    cycle = _busy_cycle(world)
    result = board.build_board(cycle, Task.objects.filter(plan=cycle.plan).active(), timezone.localdate())
    assert any(len(row.units) > 4 for row in result.tasks)  # 等 N 家, with everyone in the tooltip
    for row in result.tasks:
        assert task_row(row) == OLD_TASK_ROW.render(Context({"t": row}))
    assert {u.report.on_time for u in result.units} >= {False, None}  # late, and not handed in
    for can_notice in (True, False):
        for unit in result.units:
            assert unit_row(unit, can_notice) == OLD_UNIT_ROW.render(
                Context({"u": unit, "can_notice": can_notice})
            )
    choices = board.unit_choices(result)
    chosen = choices[1][0]
    assert unit_options(choices, chosen) == OLD_OPTIONS.render(
        Context({"choices": choices, "chosen": chosen})
    )
    for light in (row.light for row in result.tasks):
        assert light_badge(light, True) == Template(_LIGHT).render(Context({"light": light, "detail": True}))


def test_the_board_page_shows_its_rows_and_counts_for_the_office_only(world: World, client_for) -> None:
    cycle = _busy_cycle(world)
    office = client_for(world.pds_office).get(f"/reporting/cycles/{cycle.pk}/")
    page = office.content.decode()
    assert office.status_code == 200
    assert "等 7 家" in page and "测试协作单位4" in page and "催报" in page and "逾期" in page
    assert page.count("light-reason") >= 5 + 7  # a reason under every task's and unit's light
    report = Report.objects.get(cycle=cycle, unit=world.edu_bureau)
    assert f'href="/reporting/reports/{report.pk}/"' in page
    assert client_for(world.edu_liaison).get(f"/reporting/cycles/{cycle.pk}/").status_code == 404


def test_a_targets_baseline_is_the_first_approved_value_even_when_the_plans_first_cycle_has_none(
    world: World,
) -> None:
    """The board looks for baselines in the plan's first cycle first; a unit whose report there was
    never approved takes its baseline from the next approved cycle, as before."""
    plan = reporting_plan(world.edu_bureau)
    target = Target.objects.get(task__plan=plan)

    def reported(period: Period, value: float, *, approved: bool) -> Entry:
        cycle = actions.open_cycle(None, plan, period, due_date=period.end + timedelta(days=10))
        lead = Entry.objects.get(report__cycle=cycle, task=target.task, role="lead")
        TargetValue.objects.create(entry=lead, target=target, value=value)
        if approved:
            cycle.reports.update(status=ReportStatus.APPROVED, round=1)
        return lead

    reported(Period(2023, 2), 80, approved=False)  # the plan's first cycle: never approved
    reported(Period(2024, 1), 100, approved=True)
    reported(Period(2024, 2), 110, approved=True)
    lead = reported(Period(2025, 1), 130, approved=False)
    (facts,) = board.target_facts(lead.report.cycle)[lead.pk]
    assert facts.spec.baseline == Point("2024H1", 100)
    Report.objects.filter(cycle__plan=plan, cycle__period="2023H2").update(status=ReportStatus.APPROVED)
    (facts,) = board.target_facts(lead.report.cycle)[lead.pk]
    assert facts.spec.baseline == Point("2023H2", 80)

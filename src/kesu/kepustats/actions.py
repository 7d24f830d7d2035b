"""Every write of the 科普统计: opening a round (a Reporting cycle), pre-filling, the unit's figures.

Pre-fill never overwrites a figure the unit typed: it refreshes that figure's ``computed`` value and
provenance only, so the page can show “系统计算为 …” beside what the unit wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kesu.core import audit
from kesu.kepustats import form as formdef
from kesu.kepustats import prefill
from kesu.kepustats.models import KIND, Figure, Source, StatisticsForm
from kesu.periods import Period
from kesu.plans.models import Plan
from kesu.regions.models import Region, Unit
from kesu.reporting import actions as reporting
from kesu.reporting.actions import ReportingError
from kesu.reporting.models import Cycle, Report

if TYPE_CHECKING:
    from kesu.accounts.models import User

Progress = Callable[[int, str], None]


class StatisticsError(ValueError):
    """A write that cannot go ahead; the message is for the user."""


def round_plan(region: Region, year: int) -> Plan:
    """The region's published plan the round hangs on (Reporting's cycles are per plan): the one
    covering the year, else the newest."""
    plans = Plan.objects.filter(region=region).published()
    covering = plans.filter(period_start__lte=year, period_end__gte=year).order_by("-period_start", "-pk")
    plan = covering.first() or plans.order_by("-period_start", "-pk").first()
    if plan is None:
        raise StatisticsError(f"{region.name}还没有已发布的方案，无法开启科普统计报送。")
    return plan


def member_units(region: Region) -> list[int]:
    return list(
        Unit.objects.filter(region=region, is_member=True).order_by("pk").values_list("pk", flat=True)
    )


@transaction.atomic
def open_round(
    actor: User | None, region: Region, year: int, *, due_date: date | None = None, prefill_now: bool = True
) -> Cycle:
    """A 科普统计 round for ``year``: a Reporting cycle of kind kepustats, one report and one form per
    member unit, pre-filled from Kesu's rows (the city's forms are a few queries: see prefill)."""
    plan = round_plan(region, year)
    units = member_units(region)
    if not units:
        raise StatisticsError(f"{region.name}没有成员单位。")
    try:
        cycle = reporting.open_cycle(
            actor,
            plan,
            Period(year, None),
            due_date=due_date or date(year + 1, 5, 31),
            kind=KIND,
            units=units,
        )
    except ReportingError as error:
        raise StatisticsError(str(error).replace("报送周期", "科普统计报送")) from error
    form_year = formdef.form_year_for(year)
    StatisticsForm.objects.bulk_create(
        StatisticsForm(report=report, year=year, form_year=form_year) for report in cycle.reports.all()
    )
    if prefill_now:
        prefill_forms(actor, StatisticsForm.objects.filter(report__cycle=cycle))
    return cycle


@dataclass
class PrefillResult:
    forms: int
    written: int  # figures whose value was (re)written from Kesu's rows
    kept: int  # typed figures left as the unit wrote them


def prefill_forms(
    actor: User | None, forms: QuerySet[StatisticsForm], progress: Progress | None = None
) -> PrefillResult:
    """(Re-)pre-fill the forms: one computation for all their units, then bulk writes per form year."""
    forms_list = list(forms.select_related("report__unit"))
    result = PrefillResult(0, 0, 0)
    by_year: dict[int, list[StatisticsForm]] = {}
    for f in forms_list:
        by_year.setdefault(f.year, []).append(f)
    for year, group in by_year.items():
        if progress:
            progress(10, f"正在汇总{year}年度的活动、经费、基地和人员数据")
        computed = prefill.compute(sorted({f.report.unit_id for f in group}), year)
        if progress:
            progress(60, f"正在写入 {len(group)} 张统计表")
        with transaction.atomic():
            written, kept = _write_prefill(group, computed)
        result.forms += len(group)
        result.written += written
        result.kept += kept
    if forms_list:
        audit.record(
            actor,
            "kepustats.prefill",
            forms_list[0] if len(forms_list) == 1 else None,
            target_repr=None if len(forms_list) == 1 else f"科普统计表 {len(forms_list)} 张",
            after={"forms": result.forms, "written": result.written, "kept": result.kept},
        )
    return result


def _write_prefill(
    forms: list[StatisticsForm], computed: Mapping[int, prefill.UnitFigures]
) -> tuple[int, int]:
    existing: dict[tuple[int, str], Figure] = {
        (f.form_id, f.code): f for f in Figure.objects.filter(form__in=forms).select_for_update()
    }
    create, update = [], []
    kept = 0
    for f in forms:
        wanted = [i for i in f.definition.indicators if i.prefillable]
        figures = computed.get(f.report.unit_id, {})
        for item in wanted:
            pre = figures.get(item.code) or prefill.Prefilled(0, "科速中无相关记录")
            figure = existing.get((f.pk, item.code))
            if figure is None:
                create.append(_new_figure(f, item.code, pre))
                continue
            before = (figure.value, figure.missing, figure.computed, figure.provenance, figure.link)
            figure.computed, figure.provenance, figure.link = pre.value, pre.provenance[:500], pre.link[:300]
            if figure.source == Source.PREFILL:
                figure.value, figure.missing = pre.value, False
            else:
                kept += 1
            if before != (figure.value, figure.missing, figure.computed, figure.provenance, figure.link):
                update.append(figure)  # unchanged figures are not written again
    # Pre-filled figures that changed are replaced (a multi-row INSERT), not updated: a bulk UPDATE is a
    # CASE over every id, quadratic in the batch, which made a city's re-pre-fill take half a minute.
    rewritten = [f for f in update if f.source == Source.PREFILL]
    Figure.objects.filter(pk__in=[f.pk for f in rewritten]).delete()
    for figure in rewritten:
        figure.pk = None
    Figure.objects.bulk_create([*create, *rewritten], batch_size=2000)
    typed = [f for f in update if f.source != Source.PREFILL]
    Figure.objects.bulk_update(typed, ["computed", "provenance", "link"], batch_size=100)
    StatisticsForm.objects.filter(pk__in=[f.pk for f in forms]).update(prefilled_at=timezone.now())
    return len(create) + sum(1 for f in update if f.source == Source.PREFILL), kept


def _new_figure(f: StatisticsForm, code: str, pre: prefill.Prefilled) -> Figure:
    return Figure(
        form=f,
        code=code,
        value=pre.value,
        source=Source.PREFILL,
        computed=pre.value,
        provenance=pre.provenance[:500],
        link=pre.link[:300],
    )


# ---- the unit's figures -------------------------------------------------------------------------


@dataclass
class Typed:
    """One cell as posted: its text and, when it departs from the pre-filled figure, the reason."""

    text: str
    reason: str = ""


def _check_writable(form: StatisticsForm) -> None:
    report = form.report
    if report.is_approved:
        raise StatisticsError("本统计表已审核通过并锁定；如需修改，请素质办先重新开放。")
    if report.awaits_review:
        raise StatisticsError("本统计表已提交，等待审核；审核退回后才能修改。")
    if report.is_draft and timezone.localdate() > report.cycle.lock_date:
        raise StatisticsError("本轮科普统计已锁定，请联系素质办开放后再填写。")


@transaction.atomic
def save_figures(
    actor: User | None, form: StatisticsForm, cells: Mapping[str, Typed], *, version: int
) -> list[formdef.Problem]:
    """Store what the unit typed; all or nothing. Returns the form's problems after saving (shown,
    not blocking: the checks block at submission). Raises StatisticsError with every refused cell."""
    form = StatisticsForm.objects.select_for_update().select_related("report__cycle").get(pk=form.pk)
    _check_writable(form)
    if form.version != version:
        raise StatisticsError("他人已在您打开本页后保存了这张统计表，请刷新页面查看后再修改。")
    definition = form.definition
    existing = {f.code: f for f in form.figures.all()}
    changes, errors = _changes(definition, existing, cells)
    if errors:
        raise StatisticsError("；".join(errors))
    for code, (cell, reason) in changes.items():
        _apply(form, existing, code, cell, reason, actor)
    if changes:
        form.version += 1
        form.save(update_fields=["version"])
        audit.record(
            actor,
            "kepustats.save",
            form,
            region=form.report.unit.region,
            after={code: formdef.cell_text(cell) for code, (cell, _r) in changes.items()},
        )
    return formdef.check(definition, form.values())


def _changes(
    definition: formdef.FormDef, existing: Mapping[str, Figure], cells: Mapping[str, Typed]
) -> tuple[dict[str, tuple[formdef.Cell | None, str]], list[str]]:
    changes: dict[str, tuple[formdef.Cell | None, str]] = {}
    errors: list[str] = []
    for code, typed in cells.items():
        if code not in definition.by_code:
            continue
        item = definition[code]
        try:
            cell = formdef.parse_cell(typed.text)
        except formdef.FormError as error:
            errors.append(f"「{item.name}」{error}")
            continue
        figure = existing.get(code)
        if figure is not None and figure.cell == cell and (cell is not None or figure.computed is None):
            continue  # unchanged
        if figure is None and cell is None:
            continue
        if figure is not None and _needs_reason(figure, cell, typed.reason):
            errors.append(f"「{item.name}」与系统预填数 {figure.computed} 不同，请填写修改理由")
            continue
        changes[code] = (cell, typed.reason.strip()[:300])
    return changes, errors


def _needs_reason(figure: Figure, cell: formdef.Cell | None, reason: str) -> bool:
    """A figure departing from the pre-fill needs a reason (unless it already departed the same way)."""
    if figure.computed is None or cell is None or cell == figure.computed:
        return False
    if figure.source == Source.TYPED and figure.cell == cell and figure.reason:
        return False
    return not reason.strip()


def _apply(
    form: StatisticsForm,
    existing: dict[str, Figure],
    code: str,
    cell: formdef.Cell | None,
    reason: str,
    actor: User | None,
) -> None:
    figure = existing.get(code) or Figure(form=form, code=code)
    if cell is None and figure.computed is not None:
        # Clearing a pre-filled item gives the figure back to the pre-fill.
        figure.value, figure.missing, figure.source, figure.reason = (
            figure.computed,
            False,
            Source.PREFILL,
            "",
        )
    elif cell is None:
        figure.value, figure.missing, figure.source = None, False, Source.TYPED
    else:
        figure.missing = not isinstance(cell, int)
        figure.value = cell if isinstance(cell, int) else None
        if figure.computed is not None and cell == figure.computed:
            figure.source, figure.reason = Source.PREFILL, ""
        else:
            figure.source, figure.reason = Source.TYPED, reason or figure.reason
    figure.updated_by = actor
    figure.save()
    existing[code] = figure


# ---- submission ---------------------------------------------------------------------------------


def check_before_submit(report: Report) -> None:
    """Reporting's submit hook for kind kepustats: every item filled (“0” or “-”) and no rule broken."""
    form = StatisticsForm.objects.filter(report=report).first()
    if form is None:
        raise ReportingError("本报送没有科普统计表，请联系素质办。")
    problems = formdef.submit_problems(form.definition, form.values())
    if problems:
        shown = "；".join(p.message for p in problems[:5])
        more = f"等 {len(problems)} 处" if len(problems) > 5 else f"共 {len(problems)} 处"
        raise ReportingError(f"科普统计表还有问题（{more}）：{shown}")


def forms_of(cycles: Iterable[Cycle]) -> QuerySet[StatisticsForm]:
    return StatisticsForm.objects.filter(report__cycle__in=list(cycles))

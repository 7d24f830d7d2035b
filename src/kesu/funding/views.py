"""Pages of the funding register on ``kesu.core.objectviews``: lines by year, the office's overview with
人均科普经费, a line with its 绩效目标 and its steps, the import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from kesu.core.exports import xlsx_response
from kesu.core.http import AuthedRequest, current_region, managed_region, writable_or_403
from kesu.core.objectviews import (
    Checked,
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectImportView,
    ObjectListView,
)
from kesu.funding import actions, counting, importing, national
from kesu.funding.arithmetic import (
    Basis,
    Denominator,
    LineAmounts,
    Numerator,
    breakdown,
    execution_rate,
    per_capita,
)
from kesu.funding.filters import FundingLineFilterSet
from kesu.funding.forms import FundingLineForm, NewFundingLineForm, TargetFormSet
from kesu.funding.models import FundingError, FundingLine, creatable_units
from kesu.regions.models import Region


def _rate(line: FundingLine) -> str:
    rate = line.execution_rate
    return "—" if rate is None else f"{rate}%"


COLUMNS = (
    Column("年度", "year", sort="year"),
    Column("单位", "unit.name", sort="unit"),
    Column("项目名称", "name", link=True, sort="name"),
    Column("资金性质", "get_nature_display"),
    Column("科普专项", "is_special"),
    Column("预算数（元）", "budget", sort="budget"),
    Column("到位数（元）", "received"),
    Column("执行数（元）", "spent", sort="spent"),
    Column("执行率", _rate),
    Column("状态", "get_status_display"),
)


class LineList(ObjectListView):
    model, columns, filterset_class = FundingLine, COLUMNS, FundingLineFilterSet
    title, create_url = "科普经费项目", "funding:line_create"
    template_name = "funding/line_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        # by unit id, not the unit's own ordering (a join to sort on): the list index answers it
        lines = FundingLine.objects.visible_to(self.request.user).select_related("unit")
        return lines.order_by("-year", "unit_id", "name")

    def can_create(self) -> bool:
        return creatable_units(self.request.user).exists()

    def extra_context(self) -> dict[str, Any]:
        region = current_region(self.request)
        return {"can_import": region is not None and _may_import(self.request, region)}


class LineDetail(ObjectDetailView):
    model, template_name, pk_url_kwarg = FundingLine, "funding/line_detail.html", "line_id"

    def get_queryset(self) -> QuerySet[Any]:
        return FundingLine.objects.visible_to(self.request.user).select_related("unit__region")

    def extra_context(self, obj: FundingLine) -> dict[str, Any]:
        targets = list(obj.performance_targets.all())
        return {
            "targets": targets,
            "tasks": obj.tasks.visible_to(self.request.user),
            "splits": [
                (label, getattr(obj, key))
                for key, label in (
                    ("spent_activities", "科普活动支出"),
                    ("spent_venue_building", "场馆基建支出"),
                    ("spent_exhibits", "展品、设施支出"),
                    ("spent_other", "其他支出"),
                )
            ],
            "points": sum((t.points for t in targets if t.points is not None), Decimal(0)),
        }


def _tasks_for(request: AuthedRequest) -> QuerySet[Any]:
    from kesu.plans.models import Task

    access = request.user.access
    tasks = Task.objects.visible_to(request.user).active().select_related("plan")
    if access.is_liaison and not access.is_office:
        tasks = tasks.filter(responsibilities__unit_id__in=access.liaison_unit_ids).distinct()
    return tasks.order_by("plan_id", "order")


class LineCreate(ObjectCreateView):
    model, form_class, action_errors = FundingLine, NewFundingLineForm, (FundingError,)
    success_message = "已添加经费项目：{object}"

    def allowed(self) -> None:
        self.units = self._units()
        if not self.units.exists():
            if self.request.user.access.is_leader:
                raise PermissionDenied("只有单位联络员和素质办可以填报经费")
            raise Http404

    def _units(self) -> QuerySet[Any]:
        units = creatable_units(self.request.user)
        region = current_region(self.request)
        if region is not None and self.request.user.access.manages_path(region.path):
            units = units.filter(region__path__startswith=region.path)
        return units

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return NewFundingLineForm(data, units=self.units, tasks=_tasks_for(self.request))

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)

    def save(self, form: Any, obj: Any) -> FundingLine:
        data = dict(form.cleaned_data)
        unit, year, tasks = data.pop("unit"), data.pop("year"), list(data.pop("tasks"))
        return actions.create_line(self.request.user, unit, year, tasks=tasks, **data)


class LineEdit(ObjectEditView):
    model, form_class, action_errors = FundingLine, FundingLineForm, (FundingError,)
    pk_url_kwarg = "line_id"
    template_name = "funding/line_form.html"

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        from kesu.plans.models import Task

        fresh = FundingLine.objects.get(pk=obj.pk)
        # the tasks the editor may link, and those already linked (kept even if out of the editor's view)
        tasks = Task.objects.filter(
            Q(pk__in=_tasks_for(self.request).values("pk")) | Q(pk__in=obj.tasks.values("pk"))
        ).order_by("plan_id", "order")
        return FundingLineForm(data, instance=fresh, tasks=tasks)

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)

    def save(self, form: Any, obj: FundingLine) -> FundingLine:
        data = dict(form.cleaned_data)
        tasks = list(data.pop("tasks"))
        return actions.update_line(self.request.user, obj, tasks=tasks, **data)


def _line_for_write(request: AuthedRequest, line_id: int) -> FundingLine:
    return writable_or_403(
        FundingLine.objects.manageable_by(request.user).select_related("unit__region"),
        FundingLine.objects.visible_to(request.user),
        pk=line_id,
    )


@require_POST
def line_advance(request: AuthedRequest, line_id: int) -> HttpResponse:
    line = _line_for_write(request, line_id)
    try:
        moved = actions.advance_line(request.user, line, request.POST.get("from", ""))
    except FundingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已更新状态：{moved.get_status_display()}")
    return redirect(line)


def line_targets(request: AuthedRequest, line_id: int) -> HttpResponse:
    """The 绩效目标 table of a line, edited as a whole (added, changed, removed, in order)."""
    line = _line_for_write(request, line_id)
    initial = [
        {
            "indicator": t.indicator,
            "target": t.target,
            "actual": t.actual,
            "points": t.points,
            "score": t.score,
        }
        for t in line.performance_targets.all()
    ]
    # a POST is read on its own: a row counts because it is filled in, not because it differs from before
    formset = (
        TargetFormSet(request.POST, prefix="t")
        if request.method == "POST"
        else TargetFormSet(initial=initial, prefix="t")
    )
    if request.method == "POST" and formset.is_valid():
        rows = [
            actions.TargetRow(**{k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            actions.save_targets(request.user, line, rows)
        except FundingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已保存 {len(rows)} 项绩效目标")
            return redirect(line)
    return render(request, "funding/targets.html", {"object": line, "formset": formset})


# ---- the overview -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One row of the overview: a unit of this level or a whole sub-region, with its sums."""

    name: str
    where: str
    link: str  # the line list narrowed to it
    lines: int
    budget: Decimal
    received: Decimal
    spent: Decimal

    @property
    def rate(self) -> Decimal | None:
        return execution_rate(self.spent, self.budget)


SUMS = {"n": Count("id"), "budget": Sum("budget"), "received": Sum("received"), "spent": Sum("spent")}


def _choice(request: AuthedRequest, key: str, kind: Any, default: Any) -> Any:
    try:
        return kind(request.GET.get(key, default))
    except ValueError:
        return default


def _year(request: AuthedRequest, lines: QuerySet[FundingLine]) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    latest = lines.order_by("-year").values_list("year", flat=True).first()
    return latest or date.today().year


def unit_rows(lines: QuerySet[FundingLine], region: Region, year: int) -> list[Row]:
    """The units of the region itself, one row each."""
    grouped: Any = (
        lines.filter(region_path=region.path)  # the region's own units: equal path, on the path index
        .order_by()
        .values("unit_id", "unit__name")
        .annotate(**SUMS)
        .order_by("unit__name")
    )
    base = reverse("funding:line_list")
    return [
        Row(
            g["unit__name"],
            region.name,
            f"{base}?year={year}&unit={g['unit_id']}",
            g["n"],
            g["budget"],
            g["received"],
            g["spent"],
        )
        for g in grouped
    ]


def by_path(lines: QuerySet[FundingLine]) -> list[dict[str, Any]]:
    """The year's lines summed per (region, 资金性质, 专项) in one query: the sub-region rows, the totals by
    nature and the per-capita numerator are all folded from it (a province has 50,000 lines)."""
    grouped: Any = lines.order_by().values("region_path", "nature", "is_special").annotate(**SUMS)
    return list(grouped)


def amounts_from(grouped: list[dict[str, Any]]) -> list[LineAmounts]:
    return [
        LineAmounts(g["nature"], g["is_special"], g["budget"], g["received"], g["spent"], g["n"])
        for g in grouped
    ]


def subregion_rows(grouped: list[dict[str, Any]], region: Region, year: int) -> list[Row]:
    """Each sub-region as one row (its units and everything below it): a province reads 17 cities,
    not 10,000 units."""
    children: dict[str, list[Any]] = {}
    for g in grouped:
        rest = g["region_path"][len(region.path) :].strip("/")
        if not rest:
            continue  # the region's own units have their rows
        sums = children.setdefault(rest.split("/")[0], [0, Decimal(0), Decimal(0), Decimal(0)])
        for index, key in enumerate(("n", "budget", "received", "spent")):
            sums[index] += g[key]
    names = dict(Region.objects.filter(code__in=list(children)).values_list("code", "name"))
    base = reverse("funding:line_list")
    return [
        Row(names.get(code, code), "下级区划", f"{base}?year={year}&region={code}", *sums)
        for code, sums in sorted(children.items())
    ]


@require_safe
def overview(request: AuthedRequest) -> HttpResponse:
    """By unit for a year, totals by 资金性质, 执行率; 人均科普经费 for those who read the whole region."""
    region = current_region(request)
    if region is None:
        raise Http404("没有可查看的区划")
    visible = FundingLine.objects.visible_to(request.user).in_region(region)
    year = _year(request, visible)
    lines = visible.filter(year=year)
    grouped = by_path(lines)
    amounts = amounts_from(grouped)
    reads_region = request.user.access.reads_path(region.path)
    context: dict[str, Any] = {
        "region": region,
        "year": year,
        # the years on file (any unit's: a year is no secret), read off the (year, unit) index
        "years": list(FundingLine.objects.order_by("-year").values_list("year", flat=True).distinct()[:15]),
        "tables": [
            (f"本级单位（{region.name}）", unit_rows(lines, region, year)),
            ("下级区划（含其所属单位）", subregion_rows(grouped, region, year)),
        ],
        "breakdown": breakdown(amounts),
        "reads_region": reads_region,
        "can_import": request.user.access.manages_path(region.path),
    }
    if reads_region:  # they read every line of the region: the per-capita numerator is the same sums
        context |= _per_capita_context(request, region, year, amounts)
    return render(request, "funding/overview.html", context)


def _per_capita_context(
    request: AuthedRequest, region: Region, year: int, amounts: list[LineAmounts]
) -> dict[str, Any]:
    numerator = _choice(request, "numerator", Numerator, Numerator.OWN_FISCAL)
    basis = _choice(request, "basis", Basis, Basis.RECEIVED)
    denominator = _choice(request, "denominator", Denominator, Denominator.RESIDENT)
    people = counting.population(region, year, denominator)
    per_head = per_capita(amounts, people.count, numerator, basis, denominator)
    published = national.latest_for(year)
    # a share of the national figure only where the two mean the same thing (科普专项 per head)
    comparable = published is not None and per_head.value is not None and numerator is Numerator.SPECIAL
    return {
        "per_head": per_head,
        "people": people,
        "national": published,
        "share": (per_head.value / published.value * 100).quantize(Decimal("0.1")) if comparable else None,  # type: ignore[operator, union-attr]
        "numerators": list(Numerator),
        "bases": list(Basis),
        "denominators": list(Denominator),
    }


# ---- import -------------------------------------------------------------------------------------------


class LineImport(ObjectImportView):
    title, success_url = "导入科普经费项目", "funding:line_list"
    template_name = "funding/import.html"
    success_message = "已导入 {count} 个经费项目"

    def allowed(self) -> None:
        """Whoever may add lines for a unit in the current region imports them: the office for its
        subtree, a liaison for its own unit (``creatable_units``, also applied row by row); a leader
        403, anyone else 404."""
        region = current_region(self.request)
        if region is not None and _may_import(self.request, region):
            self.region = region
        else:
            self.region = managed_region(self.request)

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        checked = importing.check(data, filename, self.region, self.request.user)
        return Checked(checked.rows, checked.errors.messages())

    def background(self, data: bytes, filename: str, form: Any) -> HttpResponse | None:
        if not importing.goes_to_background(data, filename):
            return None
        job = actions.start_import(self.request.user, self.region, data, filename)
        messages.info(self.request, "文件较大，已转入后台导入：本页显示进度，完成后可在项目清单中查看。")
        return redirect(job)

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        created, updated = actions.import_lines(self.request.user, self.region, rows, filename=filename)
        return created + updated

    def extra_context(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "template_url": reverse("funding:import_template"),
            "own_units_only": not self.request.user.access.manages_path(self.region.path),
            "in_request_rows": importing.IN_REQUEST_ROWS,
            "max_rows": importing.LIMITS.max_rows,
        }


def _may_import(request: AuthedRequest, region: Region) -> bool:
    if request.user.access.manages_path(region.path):
        return True
    return creatable_units(request.user).filter(region__path__startswith=region.path).exists()


@require_safe
def import_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(
        "科普经费项目导入模板.xlsx",
        "科普经费项目",
        importing.TEMPLATE_HEADERS,
        [importing.TEMPLATE_EXAMPLE],
        print_title="",
    )

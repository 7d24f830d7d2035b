"""Indicator pages: catalogue, values and their import, target links, dashboards, the public page."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import AuthedRequest, current_region, managed_region, manages_current_region
from kesu.core.models import Job
from kesu.core.objectviews import Checked, ObjectImportView
from kesu.indicators import actions, comparison, dashboard, geo, importing
from kesu.indicators.filters import IndicatorFilterSet, IndicatorValueFilterSet
from kesu.indicators.forms import BoundaryUploadForm, IndicatorForm, TargetLinkForm, ValueImportForm
from kesu.indicators.models import Boundary, Indicator, IndicatorValue, Publication, TargetLink
from kesu.plans.models import Plan, Target
from kesu.regions.models import Region

PAGE_SIZE = 50


def _readable_region(request: AuthedRequest, region_code: str) -> Region:
    """A region whose dashboards this user reads (an office or leader of it or above); else 404."""
    region = get_object_or_404(Region, code=region_code)
    if not request.user.access.reads_path(region.path):
        raise Http404
    return region


def _managed_region(request: AuthedRequest, region_code: str) -> Region:
    region = get_object_or_404(Region, code=region_code)
    if not request.user.access.manages_path(region.path):
        raise Http404
    return region


def _indicator(request: AuthedRequest, code: str) -> Indicator:
    return get_object_or_404(Indicator.objects.visible_to(request.user), code=code)


@require_safe
def overview_home(request: AuthedRequest) -> HttpResponse:
    region = current_region(request)
    if region is None or not request.user.access.reads_path(region.path):
        raise Http404
    return redirect("indicators:region", region_code=region.code)


@require_safe
def region_overview(request: AuthedRequest, region_code: str) -> HttpResponse:
    region = _readable_region(request, region_code)
    as_of = timezone.localdate().year
    headline, headline_status, facts = dashboard.headline(region)
    targets, statuses = dashboard.targets_block(region, as_of)
    blocks = [
        headline,
        targets,
        dashboard.status_counts_block(statuses),
        dashboard.tasks_block(region),
        dashboard.completeness_block(region),
    ]
    response = dashboard.download(request, blocks, f"{region.name}监测")
    if response is not None:
        return response
    children = Region.objects.filter(parent=region).order_by("code")
    unlinked = sum(1 for s in statuses if s.link is None)
    unconfirmed = sum(1 for s in statuses if s.is_unconfirmed)
    context = {
        "region": region,
        "blocks": {b.key: b for b in blocks},
        "headline_status": headline_status,
        "facts": facts,
        "statuses": statuses,
        "children": children,
        "unlinked": unlinked,
        "unconfirmed": unconfirmed,
        "can_manage": request.user.access.manages_path(region.path),
        "parent": region.parent
        if region.parent and request.user.access.reads_path(region.parent.path)
        else None,
    }
    return render(request, "indicators/region_overview.html", context)


@require_safe
def region_compare(request: AuthedRequest, region_code: str) -> HttpResponse:
    region = _readable_region(request, region_code)
    indicators = Indicator.objects.visible_to(request.user).available_in(region)
    code = request.GET.get("indicator") or dashboard.HEADLINE
    indicator = indicators.filter(code=code).first() or get_object_or_404(indicators, code=dashboard.HEADLINE)
    block = dashboard.compare_block(region, indicator, request.GET.get("period"))
    map_block = _map_block(request, region, indicator, block)
    response = dashboard.download(
        request, [block, *([map_block] if map_block else [])], f"{region.name}下级比较"
    )
    if response is not None:
        return response
    return render(
        request,
        "indicators/region_compare.html",
        {
            "region": region,
            "indicator": indicator,
            "indicators": indicators,
            "compare": block,
            "map": map_block,
            "can_manage": request.user.access.manages_path(region.path),
        },
    )


def _map_block(
    request: AuthedRequest, region: Region, indicator: Indicator, compare: dashboard.Block
) -> dashboard.Block | None:
    """The choropleth beside the bar chart, only when the office uploaded an approved boundary file."""
    boundary = Boundary.objects.visible_to(request.user).current_for(region)
    if boundary is None or not compare.rows:
        return None
    url = f"{reverse('indicators:boundary_geojson', kwargs={'region_code': region.code})}?v={boundary.pk}"
    return dashboard.map_block(region, compare, boundary, url, indicator.unit, indicator.higher_is_better)


@require_safe
def indicator_detail(request: AuthedRequest, region_code: str, indicator_code: str) -> HttpResponse:
    region = _readable_region(request, region_code)
    indicator = _indicator(request, indicator_code)
    keys = dashboard.disaggregation_keys(indicator, region)
    key = request.GET.get("group", "")
    key = key if key in keys else ""
    trend, breakdown, targets = dashboard.indicator_blocks(region, indicator, request.GET.get("period"), key)
    map_block = _map_block(request, region, indicator, breakdown)
    response = dashboard.download(
        request, [trend, breakdown, *([map_block] if map_block else [])], f"{region.name}{indicator.name}"
    )
    if response is not None:
        return response
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "region": region,
            "indicator": indicator,
            "trend": trend,
            "breakdown": breakdown,
            "targets": targets,
            "groups": keys,
            "group": key,
            "map": map_block,
        },
    )


@require_safe
def catalogue(request: AuthedRequest) -> HttpResponse:
    indicators = Indicator.objects.visible_to(request.user).select_related("region")
    filterset = IndicatorFilterSet(request.GET, queryset=indicators)
    rows = filterset.qs
    if wants_xlsx(request):
        return xlsx_response(
            "指标目录.xlsx",
            "指标目录",
            ["代码", "名称", "单位", "汇总方式", "时间属性", "来源", "定义", "添加单位"],
            [
                (
                    i.code,
                    i.name,
                    i.unit,
                    i.get_aggregation_display(),
                    i.get_temporal_display(),
                    i.source,
                    i.definition,
                    i.region.name if i.region else "标准目录",
                )
                for i in rows
            ],
        )
    can_add = manages_current_region(request)
    return render(
        request,
        "indicators/catalogue.html",
        {"indicators": rows, "filterset": filterset, "can_add": can_add, "region": current_region(request)},
    )


def indicator_create(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data.items())
        try:
            indicator = actions.create_indicator(request.user, region, **fields)
        except actions.IndicatorError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, f"已新增指标“{indicator.name}”")
            return redirect("indicators:catalogue")
    return render(request, "indicators/indicator_form.html", {"form": form, "region": region})


def indicator_edit(request: AuthedRequest, indicator_code: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator.objects.manageable_by(request.user), code=indicator_code)
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        indicator.refresh_from_db()  # the form changed the instance in memory; the action records before/after
        actions.update_indicator(request.user, indicator, **fields)
        messages.success(request, "指标已更新")
        return redirect("indicators:catalogue")
    return render(request, "indicators/indicator_form.html", {"form": form, "indicator": indicator})


@require_safe
def value_list(request: AuthedRequest) -> HttpResponse:
    values = IndicatorValue.objects.visible_to(request.user).select_related("indicator", "region")
    region = current_region(request)
    if region is not None:
        values = values.filter(region__path__startswith=region.path)
    filterset = IndicatorValueFilterSet(request.GET, queryset=values)
    if wants_xlsx(request) or request.GET.get("format") == "csv":
        return _values_download(request, filterset.qs)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_import = manages_current_region(request)
    return render(
        request,
        "indicators/value_list.html",
        {"page": page, "filterset": filterset, "can_import": can_import},
    )


VALUE_HEADERS = [
    "指标",
    "指标名称",
    "区划代码",
    "区划名称",
    "期间",
    "分组",
    "数值",
    "分子",
    "分母",
    "来源",
    "出处",
]


def value_rows(values: Iterable[IndicatorValue]) -> list[list[object]]:
    return [
        [
            v.indicator.code,
            v.indicator.name,
            v.region.code,
            v.region.name,
            v.period,
            "" if not v.disaggregation else v.disaggregation_label,
            v.value,
            v.numerator,
            v.denominator,
            v.get_source_display(),
            v.provenance,
        ]
        for v in values
    ]


def _values_download(request: AuthedRequest, values: Iterable[IndicatorValue]) -> HttpResponse:
    rows = value_rows(values)
    if request.GET.get("format") == "csv":
        return dashboard.csv_response("指标数值.csv", VALUE_HEADERS, rows)
    return xlsx_response("指标数值.xlsx", "指标数值", VALUE_HEADERS, rows)


class ValueImport(ObjectImportView):
    """A tidy table of values, checked in full, then stored in one bulk write (``actions.import_values``)."""

    form_class = ValueImportForm
    template_name = "indicators/value_import.html"
    success_message = "已导入 {count} 个指标值"
    success_url = "indicators:values"

    def allowed(self) -> None:
        self.region = managed_region(self.request)

    def check(self, data: bytes, filename: str, form: ValueImportForm) -> Checked:
        try:
            parsed = importing.parse_upload(data, filename, self.request.user.access)
        except importing.ValueImportError as error:
            return Checked([], error.errors)
        return Checked(parsed.rows, parsed.errors)

    background_limits, results_name = importing.LIMITS, "指标数值"

    def hand_to_job(self, data: bytes, filename: str, form: ValueImportForm) -> Job:
        provenance = f"{form.cleaned_data['provenance']}（{filename}）"
        return actions.start_value_import(
            self.request.user, self.region, data, filename, provenance=provenance
        )

    def store(self, rows: list[dict], form: ValueImportForm, filename: str) -> int:
        provenance = f"{form.cleaned_data['provenance']}（{filename}）"
        return actions.import_values(
            self.request.user, self.region, rows, filename=filename, provenance=provenance
        )

    def extra_context(self) -> dict[str, object]:
        return {"region": self.region}


@require_safe
def value_template(request: AuthedRequest) -> HttpResponse:
    region = current_region(request)
    code = region.code if region else "410400000000"
    rows = [
        ["注册科技志愿者数", code, "2024年下半年", "", 5200, "", ""],
        ["科普教育基地数", code, "2024年", "市级", 120, "", ""],
        ["科普中国信息员注册比例", code, "2024年", "", "", 180000, 4980000],
    ]
    return xlsx_response(
        "指标数值导入模板.xlsx",
        "指标数值",
        ["指标", "区划代码", "期间", "级别", "数值", "分子", "分母"],
        rows,
    )


def plan_links(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.manageable_by(request.user).select_related("region"), pk=plan_id)
    indicators = Indicator.objects.visible_to(request.user).available_in(plan.region)
    targets = list(
        Target.objects.filter(task__plan=plan, task__is_active=True)
        .select_related("task", "indicator_link__indicator")
        .order_by("task__order", "span_start")
    )
    if request.method == "POST":
        if request.POST.get("suggest"):
            made = actions.suggest_links(
                request.user, [t for t in targets if not hasattr(t, "indicator_link")]
            )
            messages.success(request, f"已按指标目录推荐 {made} 项对应，请逐项核对后确认")
            return redirect("indicators:plan_links", plan_id=plan.pk)
        return _save_link(request, plan, targets, indicators)
    rows = []
    for target in targets:
        link: TargetLink | None = getattr(target, "indicator_link", None)
        suggested = actions.suggest_indicator(target) if link is None else None
        initial = {
            "target": target.pk,
            "indicator": link.indicator_id if link else (suggested.pk if suggested else None),
            "baseline_year": link.baseline_year
            if link
            else (plan.period_start - 1 if plan.period_start else None),
            "baseline_value": link.baseline_value if link else None,
            "level": ";".join(
                f"{k}={v}"
                for k, v in (link.disaggregation if link else actions.suggest_disaggregation(target)).items()
            ),
        }
        rows.append(
            (
                target,
                link,
                suggested,
                TargetLinkForm(initial=initial, indicators=indicators, prefix=f"t{target.pk}"),
            )
        )
    return render(request, "indicators/plan_links.html", {"plan": plan, "rows": rows})


def _save_link(request: AuthedRequest, plan: Plan, targets: list[Target], indicators: object) -> HttpResponse:
    target_id = request.POST.get("target_id", "")
    target = next((t for t in targets if str(t.pk) == target_id), None)
    if target is None:
        raise Http404
    form = TargetLinkForm(request.POST, indicators=indicators, prefix=f"t{target.pk}")
    if not form.is_valid():
        messages.error(
            request, "填写有误：" + "；".join(str(e) for errs in form.errors.values() for e in errs)
        )
    elif form.cleaned_data["indicator"] is None:
        link = getattr(target, "indicator_link", None)
        if link is not None:
            actions.unlink_target(request.user, link)
        messages.success(request, f"已取消“{target.indicator}”与指标的对应")
    else:
        actions.link_target(
            request.user,
            target,
            form.cleaned_data["indicator"],
            baseline_year=form.cleaned_data["baseline_year"],
            baseline_value=form.cleaned_data["baseline_value"],
            disaggregation=form.disaggregation(),
            confirmed=True,
        )
        messages.success(
            request,
            f"已确认“{target.text or target.indicator}”对应指标“{form.cleaned_data['indicator'].name}”",
        )
    return redirect(f"{request.path}#target-{target.pk}")


def publication(request: AuthedRequest, region_code: str) -> HttpResponse:
    region = _managed_region(request, region_code)
    indicators = Indicator.objects.visible_to(request.user).available_in(region)
    if request.method == "POST":
        indicator = get_object_or_404(indicators, code=request.POST.get("indicator", ""))
        publish = request.POST.get("published") == "1"
        actions.set_published(request.user, region, indicator, publish)
        messages.success(request, f"“{indicator.name}”已{'公开' if publish else '取消公开'}")
        return redirect("indicators:publication", region_code=region.code)
    published = set(Publication.objects.filter(region=region).values_list("indicator_id", flat=True))
    with_values = set(
        IndicatorValue.objects.filter(region__path__startswith=region.path)
        .values_list("indicator_id", flat=True)
        .distinct()
    )
    rows = [(i, i.pk in published, i.pk in with_values) for i in indicators]
    return render(request, "indicators/publication.html", {"region": region, "rows": rows})


@login_not_required
@require_safe
def public_dashboard(request: HttpRequest, region_code: str) -> HttpResponse:
    """What the office chose to publish, and nothing else; a region that published nothing has no page."""
    region = get_object_or_404(Region, code=region_code)
    publications = list(Publication.objects.filter(region=region).select_related("indicator"))
    if not publications:
        raise Http404
    boundary = Boundary.objects.filter(public=True).current_for(region)
    if request.GET.get("boundary") == "geojson":
        return _geojson_response(request, region, boundary)
    blocks = []
    for pub in publications:
        keys = dashboard.disaggregation_keys(pub.indicator, region)
        key = "" if "" in keys or not keys else keys[0]  # 基地 are recorded by 级别 only
        trend, _breakdown, _targets = dashboard.indicator_blocks(region, pub.indicator, None, key)
        trend.key = f"public-{pub.indicator.code}"
        trend.title = f"{pub.indicator.name}（{key.replace('=', '：')}）" if key else pub.indicator.name
        trend.headers, trend.rows = trend.headers[:3], [row[:3] for row in trend.rows]
        blocks.append(trend)
    map_block, mapped = _public_map(request, region, boundary, [p.indicator for p in publications])
    response = dashboard.download(
        request, [*blocks, *([map_block] if map_block else [])], f"{region.name}公开数据"
    )
    if response is not None:
        return response
    return render(
        request,
        "indicators/public_dashboard.html",
        {
            "region": region,
            "blocks": blocks,
            "map": map_block,
            "mapped": mapped,
            "published": [p.indicator for p in publications],
        },
    )


def _public_map(
    request: HttpRequest, region: Region, boundary: Boundary | None, published: list[Indicator]
) -> tuple[dashboard.Block | None, Indicator | None]:
    """One published indicator (``?map=<code>``) over the sub-regions, if the office made its map public."""
    if boundary is None:
        return None, None
    indicator = next((i for i in published if i.code == request.GET.get("map")), published[0])
    compare = dashboard.compare_block(region, indicator, None)
    if not compare.rows:
        return None, indicator
    url = f"{reverse('indicators:public', kwargs={'region_code': region.code})}?boundary=geojson&v={boundary.pk}"
    return dashboard.map_block(
        region, compare, boundary, url, indicator.unit, indicator.higher_is_better
    ), indicator


def _geojson_response(request: HttpRequest, region: Region, boundary: Boundary | None) -> HttpResponse:
    if boundary is None:
        raise Http404
    text = Boundary.objects.values_list("geojson", flat=True).get(pk=boundary.pk)
    response = HttpResponse(text, content_type="application/geo+json; charset=utf-8")
    # The URL carries the upload's id, so a replaced map is a new URL and a day of caching is safe.
    response["Cache-Control"] = (
        "private, max-age=86400" if request.GET.get("v") == str(boundary.pk) else "no-cache"
    )
    return response


@require_safe
def boundary_geojson(request: AuthedRequest, region_code: str) -> HttpResponse:
    region = _readable_region(request, region_code)
    return _geojson_response(request, region, Boundary.objects.visible_to(request.user).current_for(region))


def boundary(request: AuthedRequest, region_code: str) -> HttpResponse:
    """The office's boundary file: upload (all-or-nothing, 审图号 required), public toggle, history."""
    region = _managed_region(request, region_code)
    current = Boundary.objects.manageable_by(request.user).current_for(region)
    form = BoundaryUploadForm(
        request.POST or None, request.FILES or None, initial={"public": current.public if current else False}
    )
    errors: list[str] = []
    if request.method == "POST" and "toggle_public" in request.POST:
        if current is None:
            raise Http404
        public = request.POST.get("public") == "1"
        actions.set_boundary_public(request.user, current, public)
        messages.success(request, "地图已在公开数据页显示" if public else "地图已从公开数据页撤下")
        return redirect("indicators:boundary", region_code=region.code)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            saved = actions.upload_boundary(
                request.user,
                region,
                upload.read(),
                filename=upload.name,
                approval_number=form.cleaned_data["approval_number"],
                source=form.cleaned_data["source"],
                public=form.cleaned_data["public"],
            )
        except geo.BoundaryError as error:
            errors = error.errors
        else:
            note = (
                f"；边界文件中没有：{'、'.join(saved.missing)}，这些区划在地图上不显示"
                if saved.missing
                else ""
            )
            messages.success(request, f"已上传边界文件，匹配 {saved.feature_count} 个下级区划{note}")
            return redirect("indicators:boundary", region_code=region.code)
    history = (
        Boundary.objects.manageable_by(request.user)
        .filter(region=region)
        .defer("geojson")
        .select_related("uploaded_by")
    )
    return render(
        request,
        "indicators/boundary.html",
        {
            "region": region,
            "form": form,
            "errors": errors,
            "current": current,
            "history": history,
            "sub_regions": actions.sub_regions(region),
        },
    )


COMPARE_DEFAULT = 6  # plans shown before the office chooses


@require_safe
def plan_compare(request: AuthedRequest) -> HttpResponse:
    """方案对比: the plans the office ticks (published ones; drafts only when asked), row by indicator."""
    drafts = request.GET.get("drafts") == "1"
    choosable = (
        Plan.objects.visible_to(request.user)
        .select_related("region")
        .order_by("region__code", "-period_start")
    )
    if not drafts:
        choosable = choosable.published()
    chosen = {int(pk) for pk in request.GET.getlist("plans") if pk.isdigit()}
    plans = [p for p in choosable if p.pk in chosen] if chosen else list(choosable[:COMPARE_DEFAULT])
    targets = list(
        Target.objects.filter(task__plan__in=plans, task__is_active=True)
        .select_related("task__plan", "indicator_link__indicator")
        .order_by("task__order", "span_start")
    )
    result = comparison.compare(plans, targets)
    shared = bool(request.GET.get("shared")) and len(plans) > 1
    manageable = set(
        Plan.objects.manageable_by(request.user)
        .filter(pk__in=[p.pk for p in plans])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "indicators/plan_compare.html",
        {
            "comparison": result,
            "plans": plans,
            "shared": shared,
            "rows": [(row, result.columns(row)) for row in (result.shared() if shared else result.rows)],
            "choosable": choosable,
            "chosen": {p.pk for p in plans},
            "drafts": drafts,
            "manageable": manageable,
        },
    )

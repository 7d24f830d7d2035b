"""Survey pages: instruments, waves (design, collection, weighting), the report, the public questionnaire."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from kesu.core import audit, uploads
from kesu.core.downloads import DOCX_TYPE
from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import (
    AuthedRequest,
    client_ip,
    current_region,
    managed_region,
    manages_current_region,
    writable_or_403,
)
from kesu.survey import actions, itemstats, report
from kesu.survey.actions import SurveyError
from kesu.survey.columns import RESPONSE_LIMITS
from kesu.survey.demographics import CATEGORY_ORDER, variable_label
from kesu.survey.filters import RespondentFilterSet
from kesu.survey.forms import (
    CodesForm,
    InstrumentImportForm,
    ProfileForm,
    QuotaForm,
    UploadForm,
    WaveForm,
    WeightingForm,
)
from kesu.survey.models import (
    Instrument,
    Item,
    Respondent,
    RespondentResult,
    RespondentStatus,
    RunStatus,
    Wave,
    WaveStatus,
    WeightingRun,
)
from kesu.tables import DEFAULT_LIMITS, Limits, TableError


def _managed_wave(request: AuthedRequest, wave_id: int) -> Wave:
    return writable_or_403(
        Wave.objects.manageable_by(request.user), Wave.objects.visible_to(request.user), pk=wave_id
    )


@require_safe
def index(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    if not (access.is_office or access.is_leader):
        raise Http404  # liaisons have no part in surveys
    latest_message = (
        WeightingRun.objects.filter(wave=OuterRef("pk"), status=RunStatus.SUCCEEDED)
        .order_by("-pk")
        .values("message")[:1]
    )  # one query for the list, not one per wave
    waves = (
        Wave.objects.visible_to(request.user)
        .select_related("region", "instrument")
        .annotate(
            complete=Count("respondents", filter=Q(respondents__status=RespondentStatus.COMPLETE)),
            latest_message=Subquery(latest_message),
        )
    )
    instruments = (
        Instrument.objects.visible_to(request.user).select_related("region").annotate(n_items=Count("items"))
    )
    region = current_region(request)
    if region is not None:
        waves = waves.filter(region__path__startswith=region.path)
        instruments = instruments.filter(region__path__startswith=region.path)
    if wants_xlsx(request):
        return xlsx_response(
            "调查轮次.xlsx",
            "调查轮次",
            ["名称", "区划", "期间", "问卷", "状态", "已提交问卷", "最新估计"],
            [
                (
                    w.title,
                    w.region.name,
                    w.period,
                    str(w.instrument),
                    w.get_status_display(),
                    w.complete,
                    w.latest_message or "",
                )
                for w in waves
            ],
        )
    can_manage = manages_current_region(request)
    return render(
        request, "survey/index.html", {"waves": waves, "instruments": instruments, "can_manage": can_manage}
    )


def instrument_import(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    form = InstrumentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            instrument = actions.import_instrument(
                request.user, region, form.cleaned_data["name"], upload.read(), upload.name
            )
        except SurveyError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, f"已导入 {instrument.items.count()} 道题目。")
            return redirect(instrument)
    return render(request, "survey/instrument_import.html", {"form": form, "region": region})


@require_POST
def instrument_starter(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    instrument = actions.import_starter_bank(request.user, region)
    messages.success(request, f"已导入入门题库 {instrument.items.count()} 道题目（公开来源，非官方问卷）。")
    return redirect(instrument)


@require_safe
def instrument_detail(request: AuthedRequest, instrument_id: int) -> HttpResponse:
    instrument = get_object_or_404(
        Instrument.objects.visible_to(request.user).select_related("region"), pk=instrument_id
    )
    if wants_xlsx(request):
        return xlsx_response(
            f"{instrument.name}-第{instrument.version}版.xlsx",
            "题目",
            actions.EXPORT_HEADERS,
            actions.instrument_rows(instrument),
        )
    can_manage = Instrument.objects.manageable_by(request.user).filter(pk=instrument.pk).exists()
    items = instrument.items.all()
    dimensions = items.values("dimension").annotate(n=Count("pk")).order_by("dimension")
    return render(
        request,
        "survey/instrument_detail.html",
        {"instrument": instrument, "items": items, "dimensions": dimensions, "can_manage": can_manage},
    )


@require_POST
def instrument_version(request: AuthedRequest, instrument_id: int) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.manageable_by(request.user), pk=instrument_id)
    copy = actions.new_version(request.user, instrument)
    messages.success(
        request, f"已建立第 {copy.version} 版：导出为 Excel 修改后，可按同一名称导入为再下一版。"
    )
    return redirect(copy)


def wave_create(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    instruments = Instrument.objects.manageable_by(request.user).filter(region__path__startswith=region.path)
    form = WaveForm(
        request.POST or None,
        instruments=instruments,
        initial={"title": f"{region.name}公民科学素质调查", "period": str(timezone.localdate().year)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wave = actions.create_wave(
                request.user,
                region,
                title=data["title"],
                period=data["period"],
                instrument=data["instrument"],
                rule_kind=data["rule_kind"],
                rule_params=form.rule_params(),
            )
        except SurveyError as error:
            form.add_error(None, error.message)
        else:
            filled = actions.prefill_margins(request.user, wave) if data.get("prefill_margins") else 0
            if filled:
                messages.success(request, f"已建立调查轮次，并用常住人口预填了 {filled} 项普查边际。")
            else:
                messages.success(
                    request, "已建立调查轮次。本地区尚无按性别、年龄组的常住人口数据，请导入普查边际。"
                )
            return redirect(wave)
    return render(request, "survey/wave_create.html", {"form": form, "region": region})


@require_safe
def wave_detail(request: AuthedRequest, wave_id: int) -> HttpResponse:
    wave = get_object_or_404(
        Wave.objects.visible_to(request.user).select_related("region", "instrument"), pk=wave_id
    )
    can_manage = Wave.objects.manageable_by(request.user).filter(pk=wave.pk).exists()
    return render(request, "survey/wave_detail.html", _wave_context(request, wave, can_manage))


def public_link_qr(request: AuthedRequest, wave_id: int) -> HttpResponse:
    """The public questionnaire link as a QR code (PNG), drawn here for posters and 朋友圈;
    ``?download=1`` answers it as a file named after the wave."""
    wave = get_object_or_404(Wave.objects.manageable_by(request.user), pk=wave_id)
    url = request.build_absolute_uri(reverse("survey:public_start", kwargs={"token": wave.public_token}))
    buffer = io.BytesIO()
    download = bool(request.GET.get("download"))
    # A poster needs a large image (about 6 cm at 300 dpi); the page shows a small one.
    segno.make(url, error="m").save(buffer, kind="png", scale=20 if download else 5, border=4)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    if download:
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(f'{wave.title}-问卷二维码.png')}"
        )
    return response


TEMPLATE_KINDS = {"frame": "抽样框", "margins": "普查边际", "responses": "问卷数据"}


@require_safe
def import_template(request: AuthedRequest, wave_id: int, kind: str) -> HttpResponse:
    """An empty import sheet with the Chinese column names the import reads; the margins sheet lists
    the categories to fill (and the 常住人口 Kesu holds, when it holds them)."""
    wave = get_object_or_404(Wave.objects.manageable_by(request.user).select_related("region"), pk=wave_id)
    if kind not in TEMPLATE_KINDS:
        raise Http404
    rows: list[list[Any]] = []
    if kind == "frame":
        headers = ["层", "初级抽样单元", "所在区划", "基础权数"]
        rows = [["城镇", "示例社区", f"{wave.region.name}下辖乡镇名称（可空）", 1200]]
    elif kind == "margins":
        headers = ["变量", "类别", "总体人数"]
        _period, held = actions.population_margins(wave.region)
        for variable in ("sex", "age_group"):
            for category in CATEGORY_ORDER[variable]:
                rows.append([variable_label(variable), category, held.get(variable, {}).get(category)])
    else:
        headers = actions.response_template_headers(wave)
    return xlsx_response(f"{wave.title}-{TEMPLATE_KINDS[kind]}模板.xlsx", TEMPLATE_KINDS[kind], headers, rows)


def _wave_context(request: AuthedRequest, wave: Wave, can_manage: bool, **forms: Any) -> dict[str, Any]:
    strata = (
        wave.frame.values("stratum")
        .annotate(
            psus=Count("pk", distinct=True),
            n_complete=Count("respondents", filter=Q(respondents__status=RespondentStatus.COMPLETE)),
        )
        .order_by("stratum")
    )
    counts = dict(wave.respondents.values_list("status").annotate(n=Count("pk")))
    margins: dict[str, list[Any]] = {}
    for margin in wave.margins.all():
        margins.setdefault(variable_label(margin.variable), []).append(margin)
    run = wave.runs.select_related("job").first()
    quota_text = "\n".join(
        f"{variable_label(v)}:{c}={n}" for v, t in (wave.quotas or {}).items() for c, n in t.items()
    )
    return {
        "wave": wave,
        "can_manage": can_manage,
        "strata": strata,
        "counts": counts,
        "complete": counts.get(RespondentStatus.COMPLETE, 0),
        "margins": margins,
        "run": run,
        "latest": wave.latest_run,
        "quotas": actions.quota_progress(wave),
        "public_url": request.build_absolute_uri(
            reverse("survey:public_start", kwargs={"token": wave.public_token})
        ),
        "frame_form": forms.get("frame_form") or UploadForm(),
        "margins_form": forms.get("margins_form") or UploadForm(),
        "responses_form": forms.get("responses_form") or UploadForm(),
        "codes_form": forms.get("codes_form") or CodesForm(wave=wave),
        "quota_form": forms.get("quota_form") or QuotaForm(initial={"text": quota_text}),
        "weighting_form": forms.get("weighting_form") or WeightingForm.for_wave(wave),
        "weighting_error": forms.get("weighting_error"),
        "frame_url": reverse("survey:frame_import", args=[wave.pk]),
        "margins_url": reverse("survey:margins_import", args=[wave.pk]),
        "responses_url": reverse("survey:responses_import", args=[wave.pk]),
        "headline": _headline(wave),
        "template_headers": actions.response_template_headers(wave),
        "template_note": actions.RESPONSE_TEMPLATE_NOTE,
    }


def _headline(wave: Wave) -> float | None:
    run = wave.latest_run
    estimate = run.estimates.filter(outcome="literate", by="").first() if run else None
    return estimate.estimate * 100 if estimate else None


def _upload(
    request: AuthedRequest,
    wave_id: int,
    form_key: str,
    importer: Any,
    done: str,
    background: Any = None,
    limits: Limits = DEFAULT_LIMITS,
) -> HttpResponse:
    """The shape of every wave upload: validate, import all or nothing, or show the message on the page.

    With ``background`` (a function starting a job), a large file is checked for what costs nothing and
    then imported by a worker while the job page shows progress (see ``core.uploads``).
    """
    if request.method != "POST":
        raise Http404
    wave = _managed_wave(request, wave_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            if background is not None and uploads.goes_to_background(data):
                try:
                    uploads.precheck(data, upload.name, limits)
                except TableError as error:
                    raise SurveyError(error.message) from error
                job = background(request.user, wave, data, upload.name)
                messages.info(request, "文件较大，已转入后台导入：本页显示进度，完成后回到调查页面查看。")
                return redirect(job)
            count = importer(request.user, wave, data, upload.name)
        except SurveyError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, done.format(count=count))
            return redirect(wave)
    return render(
        request, "survey/wave_detail.html", _wave_context(request, wave, True, **{form_key: form}), status=400
    )


def frame_import(request: AuthedRequest, wave_id: int) -> HttpResponse:
    return _upload(
        request,
        wave_id,
        "frame_form",
        actions.import_frame,
        "已导入抽样框：{count} 个初级抽样单元。",
        background=actions.wave_file_starter("frame"),
    )


def margins_import(request: AuthedRequest, wave_id: int) -> HttpResponse:
    return _upload(
        request,
        wave_id,
        "margins_form",
        actions.import_margins,
        "已导入普查边际：{count} 行。",
        background=actions.wave_file_starter("margins"),
    )


def responses_import(request: AuthedRequest, wave_id: int) -> HttpResponse:
    return _upload(
        request,
        wave_id,
        "responses_form",
        actions.import_responses,
        "已导入 {count} 份问卷。",
        background=actions.start_responses_import,
        limits=RESPONSE_LIMITS,
    )


@require_POST
def wave_status(request: AuthedRequest, wave_id: int) -> HttpResponse:
    wave = _managed_wave(request, wave_id)
    status = request.POST.get("status", "")
    if status not in WaveStatus.values:
        raise Http404
    try:
        actions.set_status(request.user, wave, status)
    except SurveyError as error:
        messages.error(request, error.message)
    return redirect(wave)


def codes(request: AuthedRequest, wave_id: int) -> HttpResponse:
    if request.method == "POST":
        wave = _managed_wave(request, wave_id)
        form = CodesForm(request.POST, wave=wave)
        if not form.is_valid():
            return render(
                request,
                "survey/wave_detail.html",
                _wave_context(request, wave, True, codes_form=form),
                status=400,
            )
        actions.issue_codes(request.user, wave, form.cleaned_data["unit"], form.cleaned_data["count"])
        messages.success(request, f"已生成 {form.cleaned_data['count']} 个答题码，可下载清单分发。")
        return redirect(wave)
    wave = _managed_wave(request, wave_id)  # codes open questionnaires: only the office may list them
    rows = [
        (
            r.code,
            request.build_absolute_uri(r.get_absolute_url()),
            r.unit.stratum if r.unit else "",
            r.unit.psu if r.unit else "",
            r.get_status_display(),
        )
        for r in wave.respondents.filter(source="web").exclude(unit=None).select_related("unit")
    ]
    return xlsx_response(
        f"{wave.title}-答题码.xlsx", "答题码", ["答题码", "作答链接", "层", "PSU", "状态"], rows
    )


@require_POST
def quotas(request: AuthedRequest, wave_id: int) -> HttpResponse:
    wave = _managed_wave(request, wave_id)
    form = QuotaForm(request.POST)
    if form.is_valid():
        try:
            actions.set_quotas(request.user, wave, actions.parse_quotas(form.cleaned_data["text"]))
        except SurveyError as error:
            form.add_error("text", error.message)
        else:
            messages.success(request, "配额已保存。")
            return redirect(wave)
    return render(
        request, "survey/wave_detail.html", _wave_context(request, wave, True, quota_form=form), status=400
    )


@require_POST
def weighting(request: AuthedRequest, wave_id: int) -> HttpResponse:
    """Save the weighting settings and queue the run, or show why the data cannot be weighted."""
    wave = _managed_wave(request, wave_id)
    form = WeightingForm(request.POST)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_weighting(
                request.user,
                wave,
                method=data["method"],
                variables=data["variables"],
                lonely_psu=data["lonely_psu"],
                trim_lower=data["trim_lower"],
                trim_upper=data["trim_upper"],
                rule_kind=data["rule_kind"],
            )
            job = actions.start_estimation(request.user, wave)
        except SurveyError as failure:
            error = failure.message
        else:
            messages.info(request, "已开始评分、加权与估计，完成后可查看报告。")
            return redirect(f"{wave.get_absolute_url()}?job={job.pk}#estimation")
    return render(
        request,
        "survey/wave_detail.html",
        _wave_context(request, wave, True, weighting_form=form, weighting_error=error),
        status=400,
    )


@require_safe
def respondents(request: AuthedRequest, wave_id: int) -> HttpResponse:
    wave = get_object_or_404(Wave.objects.visible_to(request.user), pk=wave_id)
    rows = (
        Respondent.objects.visible_to(request.user)
        .filter(wave=wave)
        .select_related("unit__subregion", "result")
        .defer("sheet")
    )
    filterset = RespondentFilterSet(request.GET, queryset=rows, request=request)
    if wants_xlsx(request):
        audit.record_export(
            request.user, f"{wave.title}-受访者.xlsx", rows=filterset.qs.count(), region=wave.region
        )
        return xlsx_response(
            f"{wave.title}-受访者.xlsx",
            "受访者",
            RESPONDENT_HEADERS,
            [_respondent_row(r) for r in filterset.qs],
        )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "survey/respondents.html", {"wave": wave, "page": page, "filterset": filterset})


RESPONDENT_HEADERS = [
    "编号",
    "来源",
    "状态",
    "层",
    "PSU",
    "区域",
    "性别",
    "年龄",
    "年龄组",
    "文化程度",
    "城乡",
    "职业",
    "重点人群",
    "得分",
    "具备科学素质",
    "等级",
    "最终权数",
]


def _respondent_row(r: Respondent) -> list[Any]:
    unit = r.unit
    return [
        str(r),
        r.get_source_display(),
        r.get_status_display(),
        unit.stratum if unit else "",
        unit.psu if unit else "",
        unit.subregion.name if unit and unit.subregion else "",
        r.sex,
        r.age,
        r.age_group,
        r.education,
        r.urban_rural,
        r.occupation,
        r.key_group,
        *_result_cells(getattr(r, "result", None)),
    ]


def _result_cells(result: RespondentResult | None) -> list[Any]:
    if result is None:  # not estimated yet
        return [None, "", "", None]
    return [result.score, "是" if result.literate else "否", result.grade, result.weight]


@require_safe
def item_statistics(request: AuthedRequest, wave_id: int) -> HttpResponse:
    wave = get_object_or_404(Wave.objects.visible_to(request.user).select_related("instrument"), pk=wave_id)
    rows = itemstats.item_statistics(wave)
    if wants_xlsx(request):
        return xlsx_response(
            f"{wave.title}-题目统计.xlsx", "题目统计", itemstats.HEADERS, [r.row() for r in rows]
        )
    return render(request, "survey/item_statistics.html", {"wave": wave, "rows": rows})


@require_safe
def wave_report(request: AuthedRequest, wave_id: int) -> HttpResponse:
    wave = get_object_or_404(Wave.objects.visible_to(request.user).select_related("region"), pk=wave_id)
    run = wave.latest_run
    if wants_xlsx(request):
        if run is None:
            raise Http404
        return xlsx_response(
            f"{wave.title}-估计结果.xlsx", "估计结果", report.XLSX_HEADERS, report.xlsx_rows(run)
        )
    built = report.build(wave, run) if run else None
    can_manage = Wave.objects.manageable_by(request.user).filter(pk=wave.pk).exists()
    return render(
        request,
        "survey/report.html",
        {
            "wave": wave,
            "run": run,
            "report": built,
            "can_manage": can_manage,
            "chart_data": built.chart_data() if built else [],
            "grade_data": [{"label": g.level, "value": round(g.estimate, 2)} for g in built.grades]
            if built
            else [],
        },
    )


@require_safe
def report_docx(request: AuthedRequest, wave_id: int) -> HttpResponse:
    wave = get_object_or_404(Wave.objects.visible_to(request.user).select_related("region"), pk=wave_id)
    run = wave.latest_run
    if run is None:
        raise Http404
    response = HttpResponse(report.docx_bytes(report.build(wave, run)), content_type=DOCX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(wave.title + '-报告.docx')}"
    return response


@require_POST
def record_indicators(request: AuthedRequest, wave_id: int) -> HttpResponse:
    wave = _managed_wave(request, wave_id)
    try:
        count = actions.record_indicators(request.user, wave)
    except SurveyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已把 {count} 个区划的“公民具备科学素质的比例”写入指标库。")
    return redirect("survey:report", wave_id=wave.pk)


# ---- the public questionnaire ---------------------------------------------------------------------

SESSION_KEY = "kesu_survey_codes"


def _open_wave(token: str) -> Wave:
    """A wave whose public link is on and which is collecting; anything else is not there."""
    return get_object_or_404(
        Wave.objects.select_related("instrument"),
        public_token=token,
        public_link=True,
        status=WaveStatus.OPEN,
    )


@login_not_required
def public_start(request: HttpRequest, token: str) -> HttpResponse:
    """The public link: start, or resume the response this browser already began.

    Starting asks for the profile first; the respondent row is created only when it is answered,
    so crawlers and people who look and leave leave nothing behind.
    """
    wave = _open_wave(token)
    codes = request.session.get(SESSION_KEY, {})
    if request.method == "POST":
        code = request.POST.get("code", "").strip().upper()
        if code:  # resuming with the code shown at the start
            return redirect("survey:respond", code=code)
        if codes.get(str(wave.pk)):
            return redirect("survey:respond", code=codes[str(wave.pk)])
        if request.POST.get("step") == "profile":
            return _public_profile(request, wave, codes)
        return _profile_page(request, wave, None, ProfileForm(wave=wave, ask_unit=True))
    return render(request, "survey/public_start.html", {"wave": wave, "resume": codes.get(str(wave.pk))})


def _public_profile(request: HttpRequest, wave: Wave, codes: dict[str, str]) -> HttpResponse:
    form = ProfileForm(request.POST, wave=wave, ask_unit=True)
    if not form.is_valid():
        return _profile_page(request, wave, None, form, status=400)
    try:
        respondent = actions.start_public_response(
            wave, dict(form.cleaned_data), form.cleaned_data.get("unit"), client_ip(request)
        )
    except actions.QuotaFullError as full:
        return render(request, "survey/respond_full.html", {"wave": wave, "message": full.message})
    except actions.TooManyStartsError as busy:
        return _profile_page(request, wave, None, form, error=busy.message, status=429)
    except SurveyError as failure:
        return _profile_page(request, wave, None, form, error=failure.message, status=400)
    codes[str(wave.pk)] = respondent.code
    request.session[SESSION_KEY] = codes
    return redirect(respondent)


def _profile_page(
    request: HttpRequest,
    wave: Wave,
    respondent: Respondent | None,
    form: ProfileForm,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "survey/respond_profile.html",
        {"wave": wave, "respondent": respondent, "form": form, "error": error},
        status=status,
    )


@login_not_required
def respond(request: HttpRequest, code: str) -> HttpResponse:
    """One respondent's questionnaire, reached only through its code: profile, items one by one, submit."""
    respondent = get_object_or_404(
        Respondent.objects.select_related("wave__instrument", "unit"), code=code, wave__status=WaveStatus.OPEN
    )
    wave = respondent.wave
    if respondent.is_complete:
        return render(
            request, "survey/respond_done.html", {"wave": wave, "respondent": respondent, "again": True}
        )
    if not respondent.has_profile or request.GET.get("step") == "profile":
        return _profile_step(request, respondent)
    earlier = _revisited(respondent, request.GET.get("item", ""))
    if earlier is not None:  # 上一题: an answered item shown again, its answer ticked, to change
        return _item_step(request, respondent, earlier)
    item = next_item(respondent)
    if item is None:
        return _submit_step(request, respondent)
    return _item_step(request, respondent, item)


def next_item(respondent: Respondent) -> Item | None:
    return actions.next_item(respondent)


def _revisited(respondent: Respondent, item_id: str) -> Item | None:
    """An item this respondent already answered, asked for by 上一题 (anything else is ignored)."""
    if not item_id.isdigit():
        return None
    answered = respondent.answers.values_list("item_id", flat=True)
    return respondent.wave.instrument.items.filter(pk=int(item_id), pk__in=answered).first()


def _previous_item(respondent: Respondent, before: Item | None) -> Item | None:
    """The answered item just before ``before`` in the questionnaire's order (the last one at the end)."""
    answered = respondent.wave.instrument.items.filter(
        pk__in=respondent.answers.values_list("item_id", flat=True)
    )
    if before is not None:
        answered = answered.filter(order__lt=before.order)
    return answered.order_by("-order").first()


def _profile_step(request: HttpRequest, respondent: Respondent) -> HttpResponse:
    wave = respondent.wave
    form = ProfileForm(
        request.POST or None,
        wave=wave,
        ask_unit=respondent.unit_id is None,
        initial={f: getattr(respondent, f) for f in ("sex", "age", "education", "urban_rural", "occupation")},
    )
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_profile(respondent, dict(form.cleaned_data), form.cleaned_data.get("unit"))
        except actions.QuotaFullError as full:
            return render(request, "survey/respond_full.html", {"wave": wave, "message": full.message})
        except SurveyError as failure:
            error = failure.message
        else:
            return redirect(respondent)
    return _profile_page(request, wave, respondent, form, error, status=400 if error else 200)


def _item_step(request: HttpRequest, respondent: Respondent, item: Item) -> HttpResponse:
    error = None
    if request.method == "POST" and request.POST.get("item") == str(item.pk):
        chosen = request.POST.getlist("choice")
        try:
            if not chosen:
                raise SurveyError("请选择答案后再继续。")
            actions.answer_item(respondent, item, chosen)
        except SurveyError as failure:
            error = failure.message
        else:
            return redirect(respondent)
    actions.mark_shown(respondent)
    total = respondent.wave.instrument.items.count()
    done = respondent.answers.count()
    given = respondent.answers.filter(item=item).values_list("choice", flat=True).first()
    return render(
        request,
        "survey/respond_item.html",
        {
            "wave": respondent.wave,
            "respondent": respondent,
            "item": item,
            "error": error,
            "number": respondent.wave.instrument.items.filter(order__lt=item.order).count() + 1,
            "total": total,
            "percent": round(100 * done / total) if total else 0,
            "chosen": request.POST.getlist("choice") if error else (given or "").split("|"),
            "previous": _previous_item(respondent, item),
            "revisiting": given is not None,
        },
        status=400 if error else 200,
    )


def _submit_step(request: HttpRequest, respondent: Respondent) -> HttpResponse:
    if request.method == "POST" and request.POST.get("submit"):
        try:
            actions.submit_response(respondent)
        except SurveyError as error:
            messages.error(request, error.message)
        return redirect(respondent)
    return render(
        request,
        "survey/respond_submit.html",
        {"wave": respondent.wave, "respondent": respondent, "previous": _previous_item(respondent, None)},
    )

"""Pages of the experts registry, on ``core.objectviews``; every queryset starts from ``visible_to``/``manageable_by``.

Scope: an office reads and manages its subtree; a liaison reads the experts and applications its unit
recommended and may recommend them (the 单位推荐 step) — nothing else; anyone else sees nothing.
"""

from __future__ import annotations

import io
import statistics
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from openpyxl import Workbook

from kesu.core.exports import append_row
from kesu.core.http import (
    AuthedRequest,
    current_region,
    managed_region,
    manages_current_region,
    writable_or_403,
)
from kesu.core.models import Job
from kesu.core.objectviews import (
    Checked,
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectImportView,
    ObjectListView,
)
from kesu.experts import actions, counting, forms, importing
from kesu.experts.filters import ExpertFilterSet
from kesu.experts.models import (
    Application,
    Appointment,
    CountRule,
    Dispatch,
    Event,
    Expert,
    Selection,
    Stage,
    Topic,
)

EXPERT_COLUMNS = (
    Column("姓名", "name", link=True, sort="name"),
    Column("性别", "get_sex_display"),
    Column("区划", "region.name", sort="region"),
    Column("手机", "phone_masked"),
    Column("工作单位", "employer"),
    Column("职称", "get_rank_display", sort="rank"),
    Column("学科", "get_discipline_display"),
    Column("领域", "fields_label"),
    Column("推荐单位", "recommending_unit.name"),
    Column("科普专长", "specialties_label"),
    Column(
        "称号",
        lambda e: "、".join(
            f"{a.get_level_display()}{a.get_title_display()}（{a.status_label()}）"
            for a in e.appointments.all()
        ),
    ),
)


def _subtree(request: AuthedRequest, experts: QuerySet[Expert]) -> QuerySet[Expert]:
    """The region the user is looking at, unless the filter names one (a liaison keeps their unit's)."""
    root = current_region(request)
    if root is None or request.GET.get("region") or not request.user.access.read_paths:
        return experts
    return experts.filter(region__path__startswith=root.path)


class ExpertList(ObjectListView):
    model = Expert
    columns = EXPERT_COLUMNS
    filterset_class = ExpertFilterSet
    template_name = "experts/expert_list.html"
    title = export_name = "科普专家"
    create_url = "experts:expert_create"
    personal_data = True
    paginate_by = 50  # eleven columns a row: rendering 100 rows was half the page's CPU time (cProfile)

    def get_queryset(self) -> QuerySet[Expert]:
        experts = Expert.objects.visible_to(self.request.user).select_related("region", "recommending_unit")
        return _subtree(self.request, experts).prefetch_related("appointments")

    def can_create(self) -> bool:
        return manages_current_region(self.request)

    def extra_context(self) -> dict[str, Any]:
        region = current_region(self.request)
        if region is None or not self.request.user.access.reads_path(region.path):
            return {}
        today = timezone.localdate()
        return {
            "region": region,
            "year": today.year,
            "activity": counting.activity_figures(region, today.year, today),
            "chiefs": counting.chiefs_in_term(region, today.year),
            "pool": counting.experts_in_pool(region, today.year),
            "dispatch": counting.dispatch_figures(region, today.year),
            "can_import": self.can_create(),
        }


class ExpertDetail(ObjectDetailView):
    model = Expert
    template_name = "experts/expert_detail.html"
    pk_url_kwarg = "expert_id"

    def get_queryset(self) -> QuerySet[Expert]:
        return super().get_queryset().select_related("region", "recommending_unit", "employer_unit")

    def extra_context(self, obj: Expert) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            "expert": obj,
            "appointments": [(a, a.status_label()) for a in obj.appointments.all()],
            "activities": obj.activities.all()[:100],
            "dispatches": obj.dispatches.select_related("event")[:50],
            "applications": Application.objects.visible_to(self.request.user)
            .filter(expert=obj)
            .select_related("selection"),
            "appointment_form": forms.AppointmentForm(initial={"start": today}),
            "activity_form": forms.ActivityForm(initial={"date": today}),
            "dismiss_form": forms.DismissForm(initial={"on": today}),
            "renew_form": forms.RenewForm(),
            "revealed": self.request.session.pop(f"experts_revealed_{obj.pk}", ""),
        }


class ExpertCreate(ObjectCreateView):
    model = Expert
    form_class = forms.ExpertForm
    template_name = "experts/expert_form.html"
    action_errors = (actions.ExpertError,)
    success_message = "已添加专家：{object.name}"

    def handle(self, request: AuthedRequest, obj: Expert | None) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return forms.ExpertForm(data, region=self.region)

    def save(self, form: forms.ExpertForm, obj: None) -> Expert:
        return actions.create_expert(self.request.user, self.region, **form.expert_fields())

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)

    def extra_context(self, obj: None) -> dict[str, Any]:
        return {"heading": f"添加科普专家（{self.region.name}）"}


class ExpertEdit(ObjectEditView):
    model = Expert
    form_class = forms.ExpertForm
    template_name = "experts/expert_form.html"
    action_errors = (actions.ExpertError,)
    pk_url_kwarg = "expert_id"

    def make_form(self, obj: Expert) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return forms.ExpertForm(
            data, region=obj.region, editing=True, initial=forms.ExpertForm.initial_of(obj)
        )

    def save(self, form: forms.ExpertForm, obj: Expert) -> Expert:
        return actions.update_expert(self.request.user, obj, **form.expert_fields())

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)

    def extra_context(self, obj: Expert) -> dict[str, Any]:
        return {"heading": f"编辑 {obj.name}（手机 {obj.phone_masked}）"}


def _managed_expert(request: AuthedRequest, expert_id: int) -> Expert:
    return writable_or_403(
        Expert.objects.manageable_by(request.user), Expert.objects.visible_to(request.user), pk=expert_id
    )


@require_POST
def expert_reveal(request: AuthedRequest, expert_id: int) -> HttpResponse:
    """The full phone, once, for the office that manages the expert: the reveal is audited."""
    expert = _managed_expert(request, expert_id)
    request.session[f"experts_revealed_{expert.pk}"] = actions.reveal_phone(request.user, expert)
    return redirect(expert)


def _submit(request: AuthedRequest, form: Any, act: Any, done: str) -> None:
    """A small POST form: run the action if the form is valid, and say in a flash message how it went."""
    if not form.is_valid():
        _flash_error(request, form)
        return
    try:
        act()
    except actions.ExpertError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)


def _flash_error(request: AuthedRequest, form: Any) -> None:
    problems = [
        f"{form.fields[name].label if name in form.fields else ''}{'：' if name in form.fields else ''}{e}"
        for name, errs in form.errors.items()
        for e in errs
    ]
    messages.error(request, "；".join(problems) or "请检查填写的内容")


@require_POST
def appointment_add(request: AuthedRequest, expert_id: int) -> HttpResponse:
    expert = _managed_expert(request, expert_id)
    form = forms.AppointmentForm(request.POST)
    if not form.is_valid():
        _flash_error(request, form)
        return redirect(expert)
    data = dict(form.cleaned_data)
    data["end"] = actions.term_end(data["start"], data.pop("years"))
    try:
        actions.add_appointment(request.user, expert, **data)
        messages.success(request, "已登记聘任")
    except actions.ExpertError as error:
        messages.error(request, error.message)
    return redirect(expert)


def _managed_appointment(request: AuthedRequest, appointment_id: int) -> Appointment:
    return writable_or_403(
        Appointment.objects.manageable_by(request.user).select_related("expert__region"),
        Appointment.objects.visible_to(request.user),
        pk=appointment_id,
    )


@require_POST
def appointment_dismiss(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = _managed_appointment(request, appointment_id)
    form = forms.DismissForm(request.POST)
    _submit(
        request,
        form,
        lambda: actions.dismiss(
            request.user, appointment, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"]
        ),
        "已解聘",
    )
    return redirect(appointment.expert)


@require_POST
def appointment_renew(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = _managed_appointment(request, appointment_id)
    form = forms.RenewForm(request.POST)
    _submit(request, form, lambda: actions.renew(request.user, appointment, **form.cleaned_data), "已续聘")
    return redirect(appointment.expert)


@require_POST
def activity_add(request: AuthedRequest, expert_id: int) -> HttpResponse:
    expert = _managed_expert(request, expert_id)
    form = forms.ActivityForm(request.POST)
    _submit(
        request, form, lambda: actions.log_activity(request.user, expert, **form.cleaned_data), "已登记活动"
    )
    return redirect(expert)


# ---- import -------------------------------------------------------------------------------------


class ExpertImport(ObjectImportView):
    title = "导入科普专家"
    success_url = "experts:expert_list"
    success_message = "已导入 {count} 位专家"
    template_name = "experts/expert_import.html"

    def allowed(self) -> None:
        self.region = managed_region(self.request)

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        checked = importing.check(data, filename, self.region)
        return Checked(checked.rows, checked.errors.messages())

    background_limits, results_name = importing.LIMITS, "专家名单"

    def hand_to_job(self, data: bytes, filename: str, form: Any) -> Job:
        return actions.start_expert_import(self.request.user, self.region, data, filename)

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        created, updated = actions.import_experts(self.request.user, self.region, rows, filename=filename)
        return created + updated

    def extra_context(self) -> dict[str, Any]:
        return {"region": self.region, "headers": importing.TEMPLATE_HEADERS}


@require_safe
def import_template(request: AuthedRequest) -> HttpResponse:
    """The import template: Chinese headers and one example row (the office deletes it)."""
    managed_region(request)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "科普专家"
    append_row(sheet, importing.TEMPLATE_HEADERS)
    append_row(sheet, importing.TEMPLATE_EXAMPLE)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E7%A7%91%E6%99%AE%E4%B8%93%E5%AE%B6%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


# ---- the yearly selection -----------------------------------------------------------------------


SELECTION_COLUMNS = (
    Column("遴选", str, link=True),
    Column("区划", "region.name"),
    Column("职称要求", "rank_rule_label"),
    Column("聘期（年）", "term_years"),
    Column("申请数", lambda s: s.applications.count()),
)


class SelectionList(ObjectListView):
    model = Selection
    columns = SELECTION_COLUMNS
    title = export_name = "专家遴选"
    create_url = "experts:selection_create"

    def get_queryset(self) -> QuerySet[Selection]:
        return Selection.objects.visible_to(self.request.user).select_related("region")

    def can_create(self) -> bool:
        return manages_current_region(self.request)


class SelectionCreate(ObjectCreateView):
    model = Selection
    form_class = forms.SelectionForm
    template_name = "experts/simple_form.html"
    action_errors = (actions.ExpertError,)
    success_message = "已发起：{object}"

    def handle(self, request: AuthedRequest, obj: Selection | None) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def save(self, form: forms.SelectionForm, obj: None) -> Selection:
        return actions.create_selection(self.request.user, self.region, **form.cleaned_data)

    def extra_context(self, obj: None) -> dict[str, Any]:
        return {"heading": f"发起专家遴选（{self.region.name}）"}


class SelectionDetail(ObjectDetailView):
    model = Selection
    template_name = "experts/selection_detail.html"
    pk_url_kwarg = "selection_id"

    def extra_context(self, obj: Selection) -> dict[str, Any]:
        applications = obj.applications.select_related("expert", "recommending_unit")
        quotas = {q.unit_id: q.quota for q in obj.quotas.all()}
        used: dict[int, int] = {}
        for application in applications:
            if application.stage != Stage.APPLIED:
                used[application.recommending_unit_id] = used.get(application.recommending_unit_id, 0) + 1
        units = {a.recommending_unit for a in applications} | {
            q.unit for q in obj.quotas.select_related("unit")
        }
        experts = Expert.objects.visible_to(self.request.user).filter(
            region__path__startswith=obj.region.path
        )
        return {
            "selection": obj,
            "applications": applications,
            "stages": Stage.choices,
            "quota_rows": sorted(
                ((u, quotas.get(u.pk, obj.default_quota), used.get(u.pk, 0)) for u in units),
                key=lambda r: r[0].name,
            ),
            "apply_form": forms.ApplyForm(region=obj.region, experts=experts),
            "quota_form": forms.QuotaForm(region=obj.region),
        }


def _managed_selection(request: AuthedRequest, selection_id: int) -> Selection:
    return writable_or_403(
        Selection.objects.manageable_by(request.user),
        Selection.objects.visible_to(request.user),
        pk=selection_id,
    )


@require_POST
def selection_quota(request: AuthedRequest, selection_id: int) -> HttpResponse:
    selection = _managed_selection(request, selection_id)
    form = forms.QuotaForm(request.POST, region=selection.region)
    if form.is_valid():
        actions.set_quota(request.user, selection, form.cleaned_data["unit"], form.cleaned_data["quota"])
        messages.success(request, "已设置名额")
    else:
        _flash_error(request, form)
    return redirect(selection)


@require_POST
def selection_apply(request: AuthedRequest, selection_id: int) -> HttpResponse:
    selection = _managed_selection(request, selection_id)
    experts = Expert.objects.manageable_by(request.user).filter(
        region__path__startswith=selection.region.path
    )
    form = forms.ApplyForm(request.POST, region=selection.region, experts=experts)
    _submit(
        request,
        form,
        lambda: actions.apply(
            request.user, selection, form.cleaned_data["expert"], form.cleaned_data["recommending_unit"]
        ),
        "已登记申请",
    )
    return redirect(selection)


APPLICATION_COLUMNS = (
    Column("专家", "expert.name", link=True),
    Column("遴选", "selection"),
    Column("推荐单位", "recommending_unit.name"),
    Column("环节", "get_stage_display"),
    Column("退回原因", "returned_reason"),
)


class ApplicationList(ObjectListView):
    """The applications a user may see: an office's rounds, or those a liaison's unit recommends."""

    model = Application
    columns = APPLICATION_COLUMNS
    title = export_name = "专家申请"

    def get_queryset(self) -> QuerySet[Application]:
        return Application.objects.visible_to(self.request.user).select_related(
            "expert", "selection", "recommending_unit"
        )


class ApplicationDetail(ObjectDetailView):
    model = Application
    template_name = "experts/application_detail.html"
    pk_url_kwarg = "application_id"

    def extra_context(self, obj: Application) -> dict[str, Any]:
        stage = actions.next_stage(obj)
        may_move = _movable(self.request, stage).filter(pk=obj.pk).exists() if stage else False
        return {
            "application": obj,
            "next_stage": Stage(stage).label if stage else "",
            "previous_stage": Stage(back).label if (back := actions.previous_stage(obj)) else "",
            "may_move": may_move,
            "may_return": back is not None and _movable(self.request, obj.stage).filter(pk=obj.pk).exists(),
            "stages": [
                (value, label, list(Stage.values).index(value) <= list(Stage.values).index(obj.stage))
                for value, label in Stage.choices
            ],
            "advance_form": forms.AdvanceForm(),
            "return_form": forms.ReturnForm(),
        }


def _movable(request: AuthedRequest, stage: str | None) -> QuerySet[Application]:
    """Who moves an application to (or back from) ``stage``: the recommending unit recommends, the office does the rest."""
    if stage in (Stage.RECOMMENDED, Stage.APPLIED):
        return Application.objects.recommendable_by(request.user)
    return Application.objects.manageable_by(request.user)


def _application_for(request: AuthedRequest, application_id: int, stage_of: Any) -> Application:
    visible = Application.objects.visible_to(request.user)
    found = (
        visible.filter(pk=application_id)
        .select_related("selection__region", "expert", "recommending_unit")
        .first()
    )
    if found is None:
        raise Http404
    return writable_or_403(_movable(request, stage_of(found)), visible, pk=application_id)


@require_POST
def application_advance(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = _application_for(request, application_id, actions.next_stage)
    form = forms.AdvanceForm(request.POST)
    score = form.cleaned_data.get("score") if form.is_valid() else None
    try:
        actions.advance(request.user, application, score=score)
        messages.success(request, f"已进入“{application.get_stage_display()}”环节")
    except actions.ExpertError as error:
        messages.error(request, error.message)
    return redirect(application)


@require_POST
def application_return(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = _application_for(request, application_id, lambda a: a.stage)
    form = forms.ReturnForm(request.POST)
    if not form.is_valid():
        _flash_error(request, form)
        return redirect(application)
    try:
        actions.send_back(request.user, application, reason=form.cleaned_data["reason"])
        messages.success(request, "已退回")
    except actions.ExpertError as error:
        messages.error(request, error.message)
    return redirect(application)


# ---- the emergency roster and events ------------------------------------------------------------


@require_safe
def roster(request: AuthedRequest) -> HttpResponse:
    topics = Topic.objects.visible_to(request.user).select_related("region").prefetch_related("experts")
    root = current_region(request)
    if root is not None:
        topics = topics.filter(region__path__startswith=root.path)
    return render(
        request,
        "experts/roster.html",
        {"topics": topics, "can_manage": manages_current_region(request)},
    )


def _topic_form_view(request: AuthedRequest, topic: Topic | None, region: Any) -> HttpResponse:
    experts = Expert.objects.manageable_by(request.user).filter(region__path__startswith=region.path)
    initial = (
        {"name": topic.name, "response_hours": topic.response_hours, "experts": list(topic.experts.all())}
        if topic
        else None
    )
    form = forms.TopicForm(request.POST or None, experts=experts, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_topic(request.user, region, topic=topic, **form.cleaned_data)
            messages.success(request, "已保存主题")
            return redirect("experts:roster")
        except actions.ExpertError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    heading = f"编辑主题：{topic.name}" if topic else f"添加应急科普主题（{region.name}）"
    return render(
        request, "experts/simple_form.html", {"form": form, "heading": heading, "back": "experts:roster"}
    )


def topic_create(request: AuthedRequest) -> HttpResponse:
    return _topic_form_view(request, None, managed_region(request))


def topic_edit(request: AuthedRequest, topic_id: int) -> HttpResponse:
    topic = writable_or_403(
        Topic.objects.manageable_by(request.user), Topic.objects.visible_to(request.user), pk=topic_id
    )
    return _topic_form_view(request, topic, topic.region)


EVENT_COLUMNS = (
    Column("事件", "title", link=True),
    Column("主题", "topic.name"),
    Column("区划", "region.name"),
    Column("启动时间", lambda e: timezone.localtime(e.opened_at).strftime("%Y-%m-%d %H:%M")),
    Column("派遣", lambda e: e.dispatches.count()),
)


class EventList(ObjectListView):
    model = Event
    columns = EVENT_COLUMNS
    title = export_name = "应急科普事件"
    create_url = "experts:event_create"

    def get_queryset(self) -> QuerySet[Event]:
        return Event.objects.visible_to(self.request.user).select_related("topic", "region")

    def can_create(self) -> bool:
        return manages_current_region(self.request)


class EventCreate(ObjectCreateView):
    model = Event
    form_class = forms.EventForm
    template_name = "experts/simple_form.html"
    action_errors = (actions.ExpertError,)
    success_message = "已启动：{object}"

    def handle(self, request: AuthedRequest, obj: Event | None) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return forms.EventForm(data, region=self.region, initial={"opened_at": timezone.localtime()})

    def save(self, form: forms.EventForm, obj: None) -> Event:
        return actions.open_event(self.request.user, self.region, **form.cleaned_data)

    def extra_context(self, obj: None) -> dict[str, Any]:
        return {"heading": f"启动应急科普事件（{self.region.name}）"}


class EventDetail(ObjectDetailView):
    model = Event
    template_name = "experts/event_detail.html"
    pk_url_kwarg = "emergency_id"

    def extra_context(self, obj: Event) -> dict[str, Any]:
        dispatches = list(obj.dispatches.select_related("expert"))
        on_call = list(obj.topic.experts.all())
        experts = Expert.objects.visible_to(self.request.user).filter(
            region__path__startswith=obj.region.path
        )
        return {
            "event": obj,
            "timeline": _timeline(obj, dispatches),
            "dispatches": dispatches,
            "on_call": on_call,
            "promise": obj.topic.response_hours,
            "summary": _summary(dispatches),
            "dispatch_form": forms.DispatchForm(
                experts=experts, initial={"requested_at": timezone.localtime()}
            ),
            "response_form": forms.ResponseForm(initial={"responded_at": timezone.localtime()}),
        }


def _summary(dispatches: list[Dispatch]) -> dict[str, Any]:
    hours = sorted(d.response_hours for d in dispatches if d.response_hours is not None)
    return {
        "count": len(dispatches),
        "responded": len(hours),
        "median": round(statistics.median(hours), 1) if hours else None,
        "reach": sum(d.reach or 0 for d in dispatches),
    }


def _timeline(event: Event, dispatches: list[Dispatch]) -> list[dict[str, Any]]:
    """Every moment of the event in order: opened, each request, each response with its output."""
    moments: list[dict[str, Any]] = [
        {"at": event.opened_at, "kind": "open", "text": f"启动：{event.title}（{event.topic.name}）"}
    ]
    for row in dispatches:
        moments.append(
            {
                "at": row.requested_at,
                "kind": "ask",
                "text": f"派遣 {row.expert.name}：{row.get_ask_display()}",
                "dispatch": row,
            }
        )
        if row.responded_at is not None:
            late = row.response_hours is not None and row.response_hours > event.topic.response_hours
            moments.append(
                {
                    "at": row.responded_at,
                    "kind": "late" if late else "done",
                    "text": f"{row.expert.name} 响应（{row.response_hours} 小时）：{row.output}",
                    "dispatch": row,
                }
            )
    return sorted(moments, key=lambda m: m["at"])


def _managed_event(request: AuthedRequest, emergency_id: int) -> Event:
    return writable_or_403(
        Event.objects.manageable_by(request.user), Event.objects.visible_to(request.user), pk=emergency_id
    )


@require_POST
def dispatch_create(request: AuthedRequest, emergency_id: int) -> HttpResponse:
    event = _managed_event(request, emergency_id)
    experts = Expert.objects.manageable_by(request.user).filter(region__path__startswith=event.region.path)
    form = forms.DispatchForm(request.POST, experts=experts)
    _submit(request, form, lambda: actions.dispatch(request.user, event, **form.cleaned_data), "已派遣")
    return redirect(event)


@require_POST
def dispatch_respond(request: AuthedRequest, dispatch_id: int) -> HttpResponse:
    row = writable_or_403(
        Dispatch.objects.manageable_by(request.user).select_related("event"),
        Dispatch.objects.visible_to(request.user),
        pk=dispatch_id,
    )
    form = forms.ResponseForm(request.POST)
    _submit(
        request, form, lambda: actions.record_response(request.user, row, **form.cleaned_data), "已登记响应"
    )
    return redirect(row.event)


# ---- count rules on targets ---------------------------------------------------------------------


EXPERT_INDICATORS = ("chief_expert_count", "expert_count", "health_education_event_count")


@require_safe
def count_rules(request: AuthedRequest) -> HttpResponse:
    """The targets of the user's plans measured by expert indicators, with the rule each has."""
    from kesu.plans.models import Target

    region = current_region(request)
    if region is None or not request.user.access.reads_path(region.path):
        raise Http404
    targets = (
        Target.objects.filter(
            task__plan__region__path__startswith=region.path,
            indicator_link__indicator__code__in=EXPERT_INDICATORS,
        )
        .select_related("task__plan__region", "indicator_link__indicator")
        .order_by("task__plan__region__path", "task__plan_id", "span_start")
    )
    rules = {r.target_id: r for r in CountRule.objects.filter(target__in=targets)}
    rows = [(t, rules.get(t.pk)) for t in targets]
    return render(
        request,
        "experts/count_rules.html",
        {
            "rows": rows,
            "region": region,
            "can_manage": request.user.access.manages_path(region.path),
            "year": timezone.localdate().year,
        },
    )


def count_rule_edit(request: AuthedRequest, target_id: int) -> HttpResponse:
    from kesu.plans.models import Target

    target = Target.objects.filter(pk=target_id).select_related("task__plan__region").first()
    if target is None or not request.user.access.reads_path(target.task.plan.region.path):
        raise Http404
    if not request.user.access.manages_path(target.task.plan.region.path):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有本级素质办可以设置统计规则")
    rule = CountRule.objects.filter(target=target).first()
    initial = {"what": rule.what, "level": rule.level, "measure": rule.measure} if rule else None
    form = forms.CountRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.set_count_rule(request.user, target, **form.cleaned_data)  # records the figures on commit
        messages.success(request, "已保存统计规则，并按登记库重新计算")
        return redirect("experts:count_rules")
    return render(
        request,
        "experts/simple_form.html",
        {"form": form, "heading": f"统计规则：{target.text or target}", "back": "experts:count_rules"},
    )

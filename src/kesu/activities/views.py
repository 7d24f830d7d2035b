"""Pages of the activities registry (``/activities/``), on ``core.objectviews``.

Scope (``ScienceActivityQuerySet``): an office reads, corrects and reviews its subtree's activities; a
liaison enters and edits its own unit's and reads those its unit co-organises; the lead unit of a
linked plan task reviews; anyone else gets a 404. Writes go through ``actions``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kesu.activities import actions, forms, importing, job_kinds, people
from kesu.activities.filters import ActivityFilterSet
from kesu.activities.models import Activity, ActivityPhoto, Campaign
from kesu.activities.paging import CappedPaginator
from kesu.core import uploads
from kesu.core.exports import xlsx_response
from kesu.core.http import AuthedRequest, current_region, managed_region, writable_or_403
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
from kesu.regions.models import Unit

COLUMNS = (
    Column("活动名称", "name", link=True, sort="name"),
    Column("主办单位", "unit.name"),
    Column("活动形式", "get_kind_display"),
    Column("开始时间", lambda a: timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"), sort="start"),
    Column("活动地区", "region.name"),
    Column("地点", "address"),
    Column("主题活动", "campaign.name"),
    Column("重点人群", "key_groups_label"),
    Column("参与人次", "attendance", sort="attendance"),
    Column("线上观看", "online_views"),
    Column("状态", "get_status_display"),
)


def _units_for_entry(request: AuthedRequest) -> QuerySet[Unit]:
    """The units the user may enter an activity for: a liaison's own; an office's in the region it looks at."""
    access = request.user.access
    if access.is_liaison:
        return Unit.objects.filter(pk__in=access.liaison_unit_ids).select_related("region")
    region = current_region(request)
    if region is None or not access.manages_path(region.path):
        return Unit.objects.none()
    return (
        Unit.objects.manageable_by(request.user)
        .filter(region__path__startswith=region.path)
        .select_related("region")
    )


def _in_current_region(request: AuthedRequest, activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """An office's list shows the region it is looking at (the switcher); a liaison's keeps its unit's.
    Looking at its only region, the scope already says so: the same prefix twice would make the
    database expect a hundredth of the rows and choose its plan for that."""
    root = current_region(request)
    access = request.user.access
    if root is None or request.GET.get("region") or not access.read_paths:
        return activities
    if access.read_paths == (root.path,) and not access.liaison_unit_ids:
        return activities
    return activities.filter(region_path__startswith=root.path)


class ActivityList(ObjectListView):
    model = Activity
    columns = COLUMNS
    filterset_class = ActivityFilterSet
    title = "科普活动"
    create_url = "activities:activity_create"
    template_name = "activities/activity_list.html"
    paginator_class = CappedPaginator  # a province holds 500,000 rows: count up to 10,000

    def get_queryset(self) -> QuerySet[Activity]:
        visible = Activity.objects.visible_to(self.request.user).select_related("unit", "region", "campaign")
        return _in_current_region(self.request, visible)

    def can_create(self) -> bool:
        return _units_for_entry(self.request).exists()

    def extra_context(self) -> dict[str, Any]:
        waiting = Activity.objects.reviewable_by(self.request.user).awaiting_review().count()
        region = current_region(self.request)
        office = region is not None and self.request.user.access.manages_path(region.path)
        return {"waiting": waiting, "can_import": office}


# ---- the form ----------------------------------------------------------------------------------


class _ActivityFormMixin:
    model = Activity
    form_class = forms.ActivityForm
    template_name = "activities/activity_form.html"
    action_errors = (actions.ActivityError,)
    request: AuthedRequest

    def save(self, form: Any, obj: Any) -> Activity:
        raise NotImplementedError

    def units(self, obj: Activity | None) -> QuerySet[Unit]:
        if obj is not None:
            return Unit.objects.filter(pk=obj.unit_id).select_related("region")
        return _units_for_entry(self.request)

    def make_form(self, obj: Activity | None) -> forms.ActivityForm:
        post = self.request.method == "POST"
        initial = (
            forms.initial_for(obj)
            if obj is not None
            else forms.defaults_for(self.request.user, list(self.units(None))) | self._campaign_initial()
        )
        return forms.ActivityForm(
            self.request.POST if post else None,
            self.request.FILES if post else None,
            user=self.request.user,
            units=self.units(obj),
            activity=obj,
            initial=initial,
        )

    def _campaign_initial(self) -> dict[str, Any]:
        """The campaign page's “登记活动” opens ``?campaign=<id>``: that campaign, if this user sees it."""
        wanted = self.request.GET.get("campaign", "")
        if not wanted.isdigit():
            return {}
        campaign = Campaign.objects.visible_to(self.request.user).filter(pk=int(wanted)).first()
        return {"campaign": campaign} if campaign is not None else {}

    def handle(self, request: AuthedRequest, obj: Activity | None) -> HttpResponse:
        form = self.make_form(obj)
        if request.method == "POST" and form.is_valid():
            try:
                saved = self.save(form, obj)
            except actions.ActivityError as error:
                for field, message in error.problems:
                    form.add_error(field if field in form.fields else None, message)
            else:
                return self._then_submit(request, saved)
        if request.method == "POST" and form.errors and request.FILES:
            messages.warning(request, "没有保存。已填写的内容保留在下方；照片请在改正后重新选择。")
        return render(request, self.template_name, {"form": form, "object": obj})

    def _then_submit(self, request: AuthedRequest, saved: Activity) -> HttpResponse:
        """保存并提交: the row is saved first, so a missing photo keeps the draft, not loses it."""
        if "submit" not in request.POST:
            messages.success(request, f"已保存：{saved.name}")
            return redirect(saved)
        try:
            actions.submit_activity(request.user, saved)
        except actions.ActivityError as error:
            messages.warning(request, f"已保存为草稿，尚未提交：{error.message}")
            return redirect("activities:activity_edit", activity_id=saved.pk)
        messages.success(request, f"已提交审核：{saved.name}")
        return redirect(saved)

    def extra_context(self, obj: Activity | None) -> dict[str, Any]:
        return {}


class ActivityCreate(_ActivityFormMixin, ObjectCreateView):  # type: ignore[misc]
    def allowed(self) -> None:
        if _units_for_entry(self.request).exists():
            return
        if self.request.user.access.read_paths:
            raise PermissionDenied("只有成员单位联络员和本级素质办可以登记活动")
        raise Http404

    def save(self, form: forms.ActivityForm, obj: None) -> Activity:
        return actions.create_activity(
            self.request.user,
            form.cleaned_data["unit"],
            form.activity_fields(),
            organisers=form.organisers(),
            many=form.many(),
            photos=form.cleaned_data.get("photos") or [],
        )


class ActivityEdit(_ActivityFormMixin, ObjectEditView):  # type: ignore[misc]
    pk_url_kwarg = "activity_id"

    def get_object(self, pk: Any) -> Activity:
        activity = writable_or_403(
            Activity.objects.editable_by(self.request.user),
            Activity.objects.visible_to(self.request.user),
            pk=pk,
        )
        if not activity.is_editable_state:
            raise PermissionDenied(f"活动{activity.get_status_display()}，不能修改")
        return activity

    def save(self, form: forms.ActivityForm, obj: Activity) -> Activity:
        return actions.update_activity(
            self.request.user,
            obj,
            form.activity_fields(),
            organisers=form.organisers(),
            many=form.many(),
            photos=form.cleaned_data.get("photos") or [],
            remove_photos=[int(pk) for pk in self.request.POST.getlist("remove_photo") if pk.isdigit()],
            version=form.cleaned_data.get("version"),
        )


# ---- detail, submit, review --------------------------------------------------------------------


class ActivityDetail(ObjectDetailView):
    model = Activity
    template_name = "activities/activity_detail.html"
    pk_url_kwarg = "activity_id"

    def get_queryset(self) -> QuerySet[Activity]:
        return Activity.objects.visible_to(self.request.user).select_related(
            "unit", "region", "campaign", "base", "reviewed_by"
        )

    def extra_context(self, obj: Activity) -> dict[str, Any]:
        user = self.request.user
        can_edit = obj.can_edit(user)
        return {
            "photos": list(obj.photos.all()),
            # The partners of the event, as the host entered them: everyone who reads the row reads them.
            "organisers": list(obj.organisers.select_related("unit")),
            "tasks": list(obj.tasks.all()),
            # names only: whoever reads the activity reads who took part, never their phone or ID
            "experts": list(obj.experts.values_list("name", flat=True)),
            "volunteers": list(obj.volunteers.values_list("name", flat=True)),
            "can_edit": can_edit,
            "can_submit": can_edit and obj.can_submit(user),
            "can_review": obj.can_review(user),
            "missing": obj.missing_for_submit() if can_edit else [],
            "review_form": forms.ReviewForm(),
        }


def _editable(request: AuthedRequest, activity_id: int) -> Activity:
    return writable_or_403(
        Activity.objects.editable_by(request.user),
        Activity.objects.visible_to(request.user),
        pk=activity_id,
    )


@require_POST
def activity_submit(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = _editable(request, activity_id)
    try:
        actions.submit_activity(request.user, activity)
    except actions.ActivityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已提交审核")
    return redirect(activity)


@require_POST
def activity_review(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = writable_or_403(
        Activity.objects.reviewable_by(request.user),
        Activity.objects.visible_to(request.user),
        pk=activity_id,
    )
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择采用或退回")
        return redirect(activity)
    try:
        actions.review_activity(
            request.user, activity, form.cleaned_data["decision"], form.cleaned_data["comment"]
        )
    except actions.ActivityError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "已采用" if form.cleaned_data["decision"] == "adopt" else "已退回给主办单位"
        )
    return redirect(activity)


@require_http_methods(["GET", "HEAD", "POST"])
def review_queue(request: AuthedRequest) -> HttpResponse:
    """The submitted activities this user reviews, oldest first; 批量采用 the ticked ones."""
    reviewable = Activity.objects.reviewable_by(request.user)
    if not reviewable.exists() and not request.user.access.is_office:
        raise Http404
    waiting = (
        reviewable.awaiting_review()
        .select_related("unit", "region", "campaign")
        .order_by("submitted_at", "pk")
    )
    if request.method == "POST":
        if not request.user.access.is_office and not waiting.exists():
            raise PermissionDenied("没有待您审核的活动")
        chosen = [int(pk) for pk in request.POST.getlist("activity") if pk.isdigit()]
        region = current_region(request) or (waiting.first().region if waiting.exists() else None)  # type: ignore[union-attr,unused-ignore]
        try:
            if region is None:
                raise actions.ActivityError("没有可采用的已提交活动")
            count = actions.adopt_activities(request.user, waiting.filter(pk__in=chosen), region=region)
        except actions.ActivityError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已采用 {count} 项活动")
        return redirect("activities:activity_review_queue")
    rows = list(waiting.annotate(photo_count=Count("photos"))[:200])
    return render(request, "activities/activity_review.html", {"rows": rows, "total": waiting.count()})


@require_safe
def activity_photo(request: AuthedRequest, photo_id: int, size: str = "thumb") -> FileResponse:
    """A photo of an activity the user may see (404 otherwise); the thumbnail unless the original is asked."""
    photo = get_object_or_404(
        ActivityPhoto.objects.filter(activity__in=Activity.objects.visible_to(request.user)), pk=photo_id
    )
    original = size == "full" or not photo.thumbnail
    file = photo.image if original else photo.thumbnail
    kind = (file.name or "").rsplit(".", 1)[-1].lower()
    content_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}.get(
        kind, "application/octet-stream"
    )
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response


# ---- import ------------------------------------------------------------------------------------


class ActivityImport(ObjectImportView):
    title = "导入科普活动"
    success_url = "activities:activity_list"
    success_message = "已导入 {count} 项活动"
    template_name = "activities/activity_import.html"

    def allowed(self) -> None:
        self.region = managed_region(self.request)

    background_limits, results_name = importing.LIMITS, "活动列表"

    def hand_to_job(self, data: bytes, filename: str, form: Any) -> Job:
        title = f"导入科普活动：{filename}"
        return uploads.start_import(
            self.request.user, job_kinds.IMPORT_JOB, title, region=self.region, data=data, filename=filename
        )

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        checked = importing.check(data, filename, self.region)
        return Checked(checked.rows, checked.errors.messages())

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        return actions.import_activities(self.request.user, self.region, rows, filename=filename)

    def extra_context(self) -> dict[str, Any]:
        return {"background_kb": uploads.BACKGROUND_BYTES // 1024}


@require_safe
def import_template(request: AuthedRequest) -> HttpResponse:
    """The import template: the headers and one example row (deleted before importing)."""
    managed_region(request)
    return xlsx_response(
        "科普活动导入模板.xlsx", "科普活动", importing.TEMPLATE_HEADERS, [importing.TEMPLATE_EXAMPLE]
    )


@require_safe
def people_options(request: AuthedRequest) -> HttpResponse:
    """The picker's boxes for what was typed: the people already ticked, then the matches, all from the
    user's own view of the register (``activities.people``)."""
    register = people.REGISTERS.get(request.GET.get("register", ""))
    if register is None:
        raise Http404
    query = request.GET.get("q", "").strip()[:30]
    boxes = people.options(
        register, register.visible(request.user), request.GET.getlist(register.field), query
    )
    context = {"boxes": boxes, "name": register.field, "id": f"id_{register.field}", "query": query}
    return render(request, "activities/_people_options.html", context | {"register": register})

"""Pages of contests Part 1 (docs/contests.md): the list, a contest with its rounds, steps and linked
tasks, the form, the results import, the rankings, the 通报, and a liaison's own unit's figures.

Who sees what: the office of the organising region manages (``Contest.objects.manageable_by``); offices
and leaders below read the contest and only their own subtree's rows, above read all
(``ParticipationFigure.objects.visible_to``); a liaison opens no contest page but reads its unit's rows
on “本单位参赛情况”; anyone else gets a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from kesu.contests import actions, importing, standings
from kesu.contests.actions import ContestError
from kesu.contests.filters import ContestFilterSet
from kesu.contests.forms import ContestForm, ResultsImportForm, RoundForm
from kesu.contests.models import Contest, ContestRound, ParticipationFigure
from kesu.contests.notice import NO_POPULATION, notice_docx
from kesu.contests.rankings import rankings
from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import AuthedRequest, current_region, managed_region, writable_or_403
from kesu.core.objectviews import Column, ObjectCreateView, ObjectDetailView, ObjectEditView, ObjectListView
from kesu.tables import TableError

NOTICE_INDIVIDUALS = 100  # an own contest's 通报 lists its top participants
COLUMNS = (
    Column("年度", "year", sort="year"),
    Column("竞赛名称", "name", link=True, sort="name"),
    Column("级别", "get_level_display"),
    Column("方式", "get_kind_display"),
    Column("组织区划", "region.name"),
    Column("开始时间", lambda c: f"{c.opens_at:%Y-%m-%d}", sort="opens"),
    Column("结束时间", lambda c: f"{c.closes_at:%Y-%m-%d}"),
    Column("状态", "get_status_display"),
)


def _can_create(request: AuthedRequest) -> bool:
    region = current_region(request)
    return region is not None and request.user.access.is_office_of(region.pk)


class ContestList(ObjectListView):
    model, columns, filterset_class = Contest, COLUMNS, ContestFilterSet
    title, create_url = "科普竞赛", "contests:contest_create"
    template_name = "contests/contest_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        return Contest.objects.visible_to(self.request.user).select_related("region")

    def can_create(self) -> bool:
        return _can_create(self.request)

    def extra_context(self) -> dict[str, Any]:
        return {"is_liaison": self.request.user.access.is_liaison}


def _tasks(request: AuthedRequest, region: Any) -> QuerySet[Any]:
    """Active tasks of plans the office reads, those that mention 竞赛 first."""
    from django.db.models import Case, IntegerField, Value, When

    from kesu.plans.models import Task

    tasks = Task.objects.visible_to(request.user).active().filter(plan__region__path__startswith=region.path)
    mentions = Q(title__contains="竞赛") | Q(text__contains="竞赛")
    order = Case(When(mentions, then=Value(0)), default=Value(1), output_field=IntegerField())
    return tasks.select_related("plan").annotate(mentions=order).order_by("mentions", "plan_id", "order")


class ContestDetail(ObjectDetailView):
    model, template_name = Contest, "contests/contest_detail.html"

    def get_queryset(self) -> QuerySet[Any]:
        return Contest.objects.visible_to(self.request.user).select_related("region")

    def extra_context(self, obj: Contest) -> dict[str, Any]:
        from kesu.plans.models import Task

        user = self.request.user
        result = rankings(obj, user_figures=ParticipationFigure.objects.visible_to(user))
        return {
            "rounds": list(obj.rounds.all()),
            "tasks": Task.objects.visible_to(user)
            .filter(pk__in=obj.plan_tasks.values("pk"))
            .select_related("plan"),
            "result": result,
            "awards": obj.awards.select_related("region", "unit").exclude(kind="individual"),
            "next_step": actions.step_label(obj),
            "round_form": RoundForm(),
            "reads_all": user.access.reads_path(obj.region.path),
        }


class ContestCreate(ObjectCreateView):
    model, form_class, action_errors = Contest, ContestForm, (ContestError,)
    template_name = "contests/contest_form.html"
    success_message = "已登记竞赛：{object}"

    def allowed(self) -> None:
        self.region = managed_region(self.request)
        if not self.request.user.access.is_office_of(self.region.pk):
            raise PermissionDenied("只有组织区划本级的素质办可以登记竞赛")

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return ContestForm(data, tasks=_tasks(self.request, self.region))

    def save(self, form: Any, obj: Any) -> Contest:
        fields = form.action_fields()
        tasks = fields.pop("plan_tasks")
        return actions.create_contest(self.request.user, self.region, plan_tasks=tasks, **fields)


class ContestEdit(ObjectEditView):
    model, form_class, action_errors = Contest, ContestForm, (ContestError,)
    template_name = "contests/contest_form.html"

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return ContestForm(
            data, instance=Contest.objects.get(pk=obj.pk), tasks=_tasks(self.request, obj.region)
        )

    def save(self, form: Any, obj: Contest) -> Contest:
        fields = form.action_fields()
        tasks = fields.pop("plan_tasks")
        return actions.update_contest(self.request.user, obj, plan_tasks=tasks, **fields)


def _managed(request: AuthedRequest, pk: int) -> Contest:
    return writable_or_403(
        Contest.objects.manageable_by(request.user), Contest.objects.visible_to(request.user), pk=pk
    )


def _visible(request: AuthedRequest, pk: int) -> Contest:
    contest = Contest.objects.visible_to(request.user).select_related("region").filter(pk=pk).first()
    if contest is None:
        raise Http404("没有找到，或您无权查看。")
    return contest


@require_POST
def contest_advance(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = _managed(request, pk)
    try:
        contest = actions.advance_contest(request.user, contest, request.POST.get("from", ""))
    except ContestError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"竞赛已进入“{contest.get_status_display()}”")
    return redirect(contest.get_absolute_url())


@require_POST
def round_save(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = _managed(request, pk)
    form = RoundForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}：{'；'.join(str(e) for e in errors)}",
            )
        return redirect(contest.get_absolute_url())
    try:
        data = form.cleaned_data
        actions.save_round(
            request.user, contest, data["number"], data["opens_at"], data["closes_at"], data["name"]
        )
    except ContestError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已保存第 {data['number']} 轮")
    return redirect(contest.get_absolute_url())


@require_POST
def round_delete(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    contest = _managed(request, pk)
    round_ = get_object_or_404(ContestRound, contest=contest, number=number)
    try:
        actions.delete_round(request.user, round_)
    except ContestError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已删除第 {number} 轮")
    return redirect(contest.get_absolute_url())


def results_import(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload the platform's export: every row checked, all stored or none with every problem listed."""
    contest = _managed(request, pk)
    errors: list[str] = []
    posted = request.method == "POST"
    form = ResultsImportForm(
        request.POST if posted else None, request.FILES if posted else None, contest=contest
    )
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            checked = importing.check(upload.read(), upload.name, contest)
            errors = checked.errors.messages()
            if not errors:
                count = importing.store(
                    request.user, contest, checked, upload.name, form.cleaned_data["round"]
                )
                messages.success(request, f"已导入 {count} 行成绩")
                return redirect("contests:rankings", pk=contest.pk)
        except TableError as error:
            errors = [error.message]
        except ContestError as error:
            errors = [error.message]
    return render(
        request,
        "contests/results_import.html",
        {"contest": contest, "form": form, "errors": errors[:100], "more_errors": max(0, len(errors) - 100)},
    )


@require_safe
def import_template(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = _managed(request, pk)
    children = contest.region.children.order_by("code")[:3]
    rows = [[child.code[:6], child.name, "", 1200, 5600, 300] for child in children]
    rows.append(["", "", "市教育体育局", 800, 3100, 150])
    return xlsx_response(
        f"{contest.name}成绩导入模板.xlsx", "成绩", importing.TEMPLATE_HEADERS, rows, print_title=""
    )


def _round(contest: Contest, request: AuthedRequest) -> ContestRound | None:
    number = request.GET.get("round", "")
    if not number.isdigit():
        return None
    return contest.rounds.filter(number=int(number)).first()


@require_safe
def rankings_page(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = _visible(request, pk)
    round_ = _round(contest, request)
    result = rankings(contest, round_, user_figures=ParticipationFigure.objects.visible_to(request.user))
    if wants_xlsx(request):
        headers = [
            "名次",
            "地区",
            "参赛人数",
            "参赛人次",
            "人口",
            "参与率(%)",
            "人均次数",
            "满分率(%)",
            "人数名次",
        ]
        rows = [
            [
                s.rank if s.rank is not None else NO_POPULATION,
                s.place.name,
                s.place.participants,
                s.place.attempts,
                s.place.population if s.place.population else NO_POPULATION,
                round(s.rate, 4) if s.rate is not None else "",
                round(s.per_participant, 2) if s.per_participant is not None else "",
                round(s.full_rate, 2) if s.full_rate is not None else "",
                s.raw_rank,
            ]
            for s in result.regions
        ]
        return xlsx_response(f"{contest.name}地区排名.xlsx", "地区排名", headers, rows, print_title="")
    return render(
        request,
        "contests/rankings.html",
        {
            "contest": contest,
            "result": result,
            "rounds": list(contest.rounds.all()),
            "round": round_,
            "no_population": NO_POPULATION,
            "reads_all": request.user.access.reads_path(contest.region.path),
        },
    )


@require_safe
def notice(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 通报 lists every sub-region and unit: only for those who read the whole organising region."""
    contest = _visible(request, pk)
    if not request.user.access.reads_path(contest.region.path):
        raise PermissionDenied("通报包含全部地区和单位的成绩，只有组织区划的素质办和领导可以下载")
    top = standings.top_participants(contest, NOTICE_INDIVIDUALS) if contest.is_own else ()
    response = HttpResponse(
        notice_docx(contest, top=top),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(contest.name + '参赛情况通报.docx')}"
    )
    return response


@require_safe
def my_figures(request: AuthedRequest) -> HttpResponse:
    """A liaison's own unit's rows in every contest (the only contest figures a liaison reads)."""
    access = request.user.access
    if not access.is_liaison:
        raise Http404("本页面供成员单位联络员查看本单位参赛情况")
    rows = (
        ParticipationFigure.objects.visible_to(request.user)
        .filter(unit_id__in=list(access.liaison_unit_ids))
        .select_related("contest", "unit", "round")
        .order_by("-contest__opens_at", "unit_id", "round__number")
    )
    return render(request, "contests/my_figures.html", {"rows": rows})

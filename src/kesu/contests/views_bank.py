"""The item bank pages of an own contest: list, import, template, export, edit, copy from the survey, lock.

Only the organising office (``Contest.objects.manageable_by``) opens them: the bank holds the answer
key. A reader of the contest (a leader, an office above) gets 403, anyone else 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kesu.contests import bank
from kesu.contests.forms_bank import ItemForm, SurveyCopyForm
from kesu.contests.models import Contest, ContestItem, ContestKind, ItemStatus, ItemType
from kesu.core import audit
from kesu.core.exports import xlsx_response
from kesu.core.http import AuthedRequest, writable_or_403
from kesu.core.objectviews import Checked, ObjectImportView

PAGE = 100


def managed_contest(request: AuthedRequest, pk: int) -> Contest:
    """An own contest the user's office organises; 403 for one they only read, 404 otherwise."""
    user = request.user
    return writable_or_403(
        Contest.objects.manageable_by(user).filter(kind=ContestKind.OWN).select_related("region"),
        Contest.objects.visible_to(user).filter(kind=ContestKind.OWN),
        pk=pk,
    )


def contest_url(contest: Contest) -> str:
    try:
        return contest.get_absolute_url()
    except NoReverseMatch:  # the contest page comes with the contests' own URL module
        return reverse("contests:bank", kwargs={"pk": contest.pk})


@require_safe
def bank_page(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = managed_contest(request, pk)
    items = contest.items.all()
    kind, topic, status = (
        request.GET.get("type", ""),
        request.GET.get("topic", ""),
        request.GET.get("status", ""),
    )
    if kind in ItemType.values:
        items = items.filter(type=kind)
    if status in ItemStatus.values:
        items = items.filter(status=status)
    # Topics are a JSON list, which SQLite cannot search inside: filter those in Python (a bank is small).
    listed: Any = [i for i in items if topic in i.topics] if topic else items
    page = Paginator(listed, PAGE).get_page(request.GET.get("page"))
    summary = bank.summary(contest)
    return render(
        request,
        "contests/bank.html",
        {
            "contest": contest,
            "page": page,
            "locked": bank.is_locked(contest),
            "problems": bank.rule_problems(contest),
            "type_rows": _type_rows(summary),
            "topics": summary.topics,
            "filters": {"type": kind, "topic": topic, "status": status},
            "filter_query": urlencode(
                {k: v for k, v in (("type", kind), ("topic", topic), ("status", status)) if v}
            ),
            "types": ItemType.choices,
            "contest_url": contest_url(contest),
            "total": contest.items.count(),
        },
    )


def _type_rows(summary: Any) -> list[dict[str, Any]]:
    return [{"label": label, "count": summary.by_type.get(value, 0)} for value, label in ItemType.choices]


class BankImport(ObjectImportView):
    title = "导入题库"
    success_message = "已导入 {count} 道题"
    template_name = "contests/bank_import.html"

    def get(self, request: AuthedRequest, pk: int) -> HttpResponse:  # type: ignore[override]
        return super().get(request)

    def post(self, request: AuthedRequest, pk: int) -> HttpResponse:  # type: ignore[override]
        try:
            return super().post(request)
        except bank.BankError as error:  # locked, or another import took a code, since the check
            return self.respond(self.form_class(), [error.message])

    def allowed(self) -> None:
        self.contest = managed_contest(self.request, self.kwargs["pk"])

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        if bank.is_locked(self.contest):
            return Checked([], ["题库已锁定，不能再导入"])
        checked = bank.check_file(self.contest, data, filename)
        return Checked(checked.rows, checked.errors.messages())

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        return bank.import_items(self.request.user, self.contest, rows, filename=filename)

    def redirect_to(self) -> str:
        return reverse("contests:bank", kwargs={"pk": self.contest.pk})

    def extra_context(self) -> dict[str, Any]:
        return {"contest": self.contest, "locked": bank.is_locked(self.contest)}


@require_safe
def bank_template(request: AuthedRequest, pk: int) -> HttpResponse:
    """The import template: the headers and three example rows (deleted before importing)."""
    managed_contest(request, pk)
    return xlsx_response("竞赛题库导入模板.xlsx", "题库", bank.TEMPLATE_HEADERS, bank.TEMPLATE_EXAMPLES)


@require_safe
def bank_export(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = managed_contest(request, pk)
    rows = bank.export_rows(contest)
    # The answer key leaving the server is worth a line in the trail, as personal data is.
    audit.record_export(request.user, f"竞赛题库：{contest.name}", rows=len(rows), region=contest.region)
    return xlsx_response(f"{contest.name}题库.xlsx", "题库", bank.TEMPLATE_HEADERS, rows)


@require_http_methods(["GET", "POST"])
def item_edit(request: AuthedRequest, pk: int, item_id: int) -> HttpResponse:
    contest = managed_contest(request, pk)
    item = get_object_or_404(ContestItem, contest=contest, pk=item_id)
    back = reverse("contests:bank", kwargs={"pk": contest.pk})
    if bank.is_locked(contest):
        messages.error(request, "题库已锁定，不能再修改")
        return redirect(back)
    form = ItemForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid() and form.row is not None:
        try:
            bank.update_item(request.user, item, form.row)
        except bank.BankError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"已保存 {item.code}（第 {item.version} 版）")
            return redirect(back)
    return render(request, "contests/bank_item_form.html", {"contest": contest, "item": item, "form": form})


@require_POST
def item_status(request: AuthedRequest, pk: int, item_id: int) -> HttpResponse:
    contest = managed_contest(request, pk)
    item = get_object_or_404(ContestItem, contest=contest, pk=item_id)
    try:
        bank.set_item_status(request.user, item, request.POST.get("status", ""))
    except bank.BankError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{item.code} 已{item.get_status_display()}")
    return redirect(reverse("contests:bank", kwargs={"pk": contest.pk}))


@require_http_methods(["GET", "POST"])
def bank_copy(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = managed_contest(request, pk)
    back = reverse("contests:bank", kwargs={"pk": contest.pk})
    form = SurveyCopyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            copied = bank.copy_from_survey(
                request.user, contest, form.cleaned_data["instrument"], form.cleaned_data["topics"]
            )
        except bank.BankError as error:
            form.add_error(None, error.message)
        else:
            skipped = f"，{len(copied.skipped)} 道已在题库中，未重复复制" if copied.skipped else ""
            messages.success(request, f"已从调查题库复制 {copied.copied} 道题{skipped}")
            return redirect(back)
    return render(request, "contests/bank_copy.html", {"contest": contest, "form": form})


@require_POST
def bank_lock(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = managed_contest(request, pk)
    try:
        bank.lock_bank(request.user, contest)
    except bank.BankError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "题库已锁定，竞赛进入“题库锁定”状态")
    return redirect(reverse("contests:bank", kwargs={"pk": contest.pk}))

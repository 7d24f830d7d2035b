"""The own contest's rules page (draw rule, points, timers, attempts, ranking, eligibility, registration)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from kesu.contests import bank
from kesu.contests.forms_setup import RulesForm
from kesu.contests.views_bank import contest_url, managed_contest
from kesu.core.http import AuthedRequest


@require_http_methods(["GET", "POST"])
def rules(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = managed_contest(request, pk)
    editable = bank.rules_editable(contest)
    form = RulesForm(request.POST or None, contest=contest)
    if request.method == "POST":
        if not editable:
            messages.error(request, f"竞赛已是“{contest.get_status_display()}”状态，答题规则不能再修改")
            return redirect(reverse("contests:rules", kwargs={"pk": contest.pk}))
        if form.is_valid():
            try:
                bank.save_rules(request.user, contest, form.values())
            except bank.BankError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "答题规则已保存")
                return redirect(reverse("contests:bank", kwargs={"pk": contest.pk}))
    return render(
        request,
        "contests/bank_rules.html",
        {"contest": contest, "form": form, "editable": editable, "contest_url": contest_url(contest)},
    )

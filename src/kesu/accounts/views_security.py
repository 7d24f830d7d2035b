"""Signing in under growing delays, API tokens (shown once, listed, revoked) and the office's page for
one account's access: its tokens, the failed sign-ins slowing it down, unlocking it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kesu.accounts import actions
from kesu.accounts.backends import FAILURE_MEMORY, throttle
from kesu.accounts.forms import LoginForm
from kesu.accounts.models import ApiToken, FailedLogin, User
from kesu.accounts.signals import home_region
from kesu.core import audit
from kesu.core.forms import StyledFormMixin
from kesu.core.http import AuthedRequest
from kesu.core.models import AuditEvent

SIGN_IN_VERBS = ("user.login", "user.logout", "user.login_failed", "user.unlock")


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        audit.record(user, "user.login", user, region=home_region(user))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        username = form.data.get("username", "")
        if form.has_error(NON_FIELD_ERRORS, "locked") and username:
            refusal = throttle(username, self.request)
            if refusal is not None:
                # 429, so scripts and monitoring see a throttled client rather than a wrong password.
                response.status_code = 429
                response.headers["Retry-After"] = str(refusal.retry_after)
        return response


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="令牌名称", max_length=60, help_text="写明用途，例如“数据同步脚本”。")
    days = forms.TypedChoiceField(
        label="有效期",
        coerce=int,
        choices=[(30, "30 天"), (90, "90 天"), (180, "180 天"), (365, "一年")],
        initial=180,
    )


def tokens(request: AuthedRequest) -> HttpResponse:
    """One's own API tokens; creating one shows its secret on this response only."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _, secret = actions.issue_token(
            request.user, form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        form = TokenForm()
    response = render(
        request,
        "accounts/tokens.html",
        {"form": form, "secret": secret, "tokens": ApiToken.objects.filter(user=request.user)},
    )
    response.headers["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@require_POST
def token_reset(request: AuthedRequest) -> HttpResponse:
    """Replace all one's tokens with a new one (the profile page's button)."""
    _, secret = actions.reset_token(request.user)
    response = render(
        request,
        "accounts/tokens.html",
        {"form": TokenForm(), "secret": secret, "tokens": ApiToken.objects.filter(user=request.user)},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(
        ApiToken.objects.manageable_by(request.user).select_related("user"), pk=token_id
    )
    actions.revoke_token(token, by=request.user)
    messages.success(request, f"已撤销令牌 {token}")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "accounts:tokens"
    return redirect(target)


def user_security(request: AuthedRequest, user_id: int) -> HttpResponse:
    """For the office: an account's API tokens, the failed sign-ins that slow it down, its sign-ins."""
    account = get_object_or_404(User.objects.manageable_by(request.user), pk=user_id)
    failures = FailedLogin.objects.filter(username__iexact=account.username, cleared=False)
    failures = failures.filter(at__gte=timezone.now() - FAILURE_MEMORY).order_by("-at")
    events = AuditEvent.objects.for_target(account).filter(verb__in=SIGN_IN_VERBS).select_related("actor")
    return render(
        request,
        "accounts/user_security.html",
        {
            "account": account,
            "tokens": ApiToken.objects.filter(user=account),
            "failures": failures[:50],
            "failure_count": failures.count(),
            "events": events[:30],
        },
    )


@require_POST
def user_unlock(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = get_object_or_404(User.objects.manageable_by(request.user), pk=user_id)
    cleared = actions.unlock_account(request.user, account)
    messages.success(request, f"已解除 {account} 的登录限制（清除失败记录 {cleared} 条）")
    return redirect("accounts:user_security", user_id=account.pk)

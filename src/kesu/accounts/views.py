"""Sign-in, one's own profile and password, and the accounts an office runs: add, edit, reset a
password, disable, hand a unit's liaison role over, create liaisons in bulk from a sheet."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST, require_safe
from rest_framework.authtoken.models import Token

from kesu import tables
from kesu.accounts import actions
from kesu.accounts.filters import UserFilterSet
from kesu.accounts.forms import (
    DisableForm,
    FirstPasswordForm,
    HandOverForm,
    LiaisonImportForm,
    LoginForm,
    OwnPasswordForm,
    UserCreateForm,
    UserEditForm,
    region_label,
)
from kesu.accounts.importing import read_liaisons
from kesu.accounts.models import Membership, Role, User
from kesu.core import audit
from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import AuthedRequest, current_region
from kesu.core.models import AuditEvent
from kesu.regions.models import Region, Unit

# The one-time passwords of the last bulk import, kept in the session (only) for their download.
ONE_TIME_SESSION_KEY = "kesu_one_time_passwords"
ONE_TIME_HEADERS = ["单位", "姓名", "用户名", "一次性密码"]


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _require_office(request: AuthedRequest) -> None:
    if not request.user.access.is_office:
        raise PermissionDenied("只有素质办管理员可以管理用户")


def _manageable(request: AuthedRequest, user_id: int) -> User:
    """The account if the office may change it; one it only sees (itself) answers 403, others 404."""
    _require_office(request)
    user = get_object_or_404(User.objects.visible_to(request.user), pk=user_id)
    if not User.objects.manageable_by(request.user).filter(pk=user.pk).exists():
        raise PermissionDenied("不能修改自己的角色或停用自己的账号，请联系上级素质办")
    return user


@require_safe
def user_list(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    users = (
        User.objects.visible_to(request.user)
        .prefetch_related("memberships__region", "memberships__unit")
        .order_by("-is_active", "username")  # unless a column header asks for another order
    )
    query = request.GET.get("q", "").strip()
    users = UserFilterSet(request.GET, queryset=users).qs
    if wants_xlsx(request):
        rows = (
            (
                u.username,
                u.display_name,
                u.masked_mobile,
                u.email,
                "；".join(str(m) for m in u.memberships.all()),
                "正常" if u.is_active else "已停用",
            )
            for u in users
        )
        audit.record_export(request.user, "用户.xlsx", rows=users.count(), region=current_region(request))
        return xlsx_response("用户.xlsx", "用户", ["用户名", "姓名", "手机号", "邮箱", "角色", "状态"], rows)
    page = Paginator(users, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "query": query})


def user_create(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    form = UserCreateForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        one_time = not data["password"]
        password = data["password"] or actions.one_time_password()
        try:
            user = actions.create_user(
                request.user,
                data["username"],
                password,
                display_name=data["display_name"],
                email=data["email"],
                role=data["role"],
                region=data["region"],
                unit=data["unit"],
                mobile=data["mobile"],
                must_change_password=one_time,
            )
        except ValidationError as error:
            form.add_error("password", error)
        else:
            if one_time:
                return _show_one_time_password(request, user, password, "已创建用户")
            messages.success(request, f"已创建用户 {data['username']}")
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


def _show_one_time_password(request: AuthedRequest, user: User, password: str, title: str) -> HttpResponse:
    """Shown once, in the answer to the POST that made it: it is stored nowhere in clear."""
    return render(
        request, "accounts/one_time_password.html", {"account": user, "password": password, "title": title}
    )


def user_edit(request: AuthedRequest, user_id: int) -> HttpResponse:
    _require_office(request)
    account = get_object_or_404(User.objects.visible_to(request.user), pk=user_id)
    manageable = User.objects.manageable_by(request.user).filter(pk=account.pk).exists()
    membership = (
        Membership.objects.manageable_by(request.user)
        .filter(user=account)
        .select_related("region", "unit")
        .first()
    )
    initial: dict[str, Any] = {
        "display_name": account.display_name,
        "mobile": account.mobile,
        "email": account.email,
    }
    if membership:
        initial.update(
            role=membership.role,
            region=membership.region.code if membership.region else None,
            unit=membership.unit,
        )
    form = UserEditForm(request.POST or None, manager=request.user, initial=initial)
    if request.method == "POST":
        if not manageable:
            raise PermissionDenied("不能修改自己的角色或停用自己的账号，请联系上级素质办")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.update_user(
                    request.user,
                    account,
                    display_name=data["display_name"],
                    email=data["email"],
                    mobile=data["mobile"],
                    role=data["role"],
                    region=data["region"],
                    unit=data["unit"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"已保存 {account} 的信息")
                return redirect("accounts:user_edit", user_id=account.pk)
    history = AuditEvent.objects.history_of(account, request.user).select_related("actor")[:30]
    liaison_units = [
        m.unit for m in account.memberships.filter(role=Role.LIAISON).select_related("unit") if m.unit
    ]
    return render(
        request,
        "accounts/user_edit.html",
        {
            "account": account,
            "form": form,
            "manageable": manageable,
            "history": history,
            "liaison_units": liaison_units,
            "memberships": account.memberships.select_related("region", "unit"),
            "disable_form": DisableForm(),
        },
    )


@require_POST
def user_password_reset(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _manageable(request, user_id)
    password = actions.reset_password(request.user, account)
    return _show_one_time_password(request, account, password, "已重置密码")


@require_POST
def user_disable(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _manageable(request, user_id)
    form = DisableForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.disable_user(request.user, account, reason)
    messages.success(request, f"已停用 {account}：该账号已退出所有登录，API 令牌已作废")
    return redirect("accounts:user_edit", user_id=account.pk)


@require_POST
def user_enable(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _manageable(request, user_id)
    actions.enable_user(request.user, account)
    messages.success(request, f"已重新启用 {account}")
    return redirect("accounts:user_edit", user_id=account.pk)


def liaison_handover(request: AuthedRequest, user_id: int, unit_id: int) -> HttpResponse:
    predecessor = _manageable(request, user_id)
    unit = get_object_or_404(Unit.objects.manageable_by(request.user), pk=unit_id)
    get_object_or_404(Membership, user=predecessor, role=Role.LIAISON, unit=unit)
    form = HandOverForm(request.POST or None, manager=request.user, predecessor=predecessor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = None
        successor = data["successor"]
        if successor is None:
            successor, password = actions.hand_over_to_new_account(
                request.user, unit, predecessor, display_name=data["display_name"], mobile=data["mobile"]
            )
        else:
            actions.hand_over_liaison(request.user, unit, predecessor, successor)
        if password:
            return _show_one_time_password(request, successor, password, f"{unit.name}联络员已交接给新账号")
        messages.success(request, f"{unit.name}的联络员已由 {predecessor} 交接给 {successor}")
        return redirect("accounts:user_edit", user_id=successor.pk)
    return render(request, "accounts/handover.html", {"form": form, "predecessor": predecessor, "unit": unit})


def liaison_import(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    form = LiaisonImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_liaisons(upload.read(), upload.name, request.user, current_region(request))
        except tables.TableError as error:
            form.add_error("file", error.message)
        else:
            created = actions.create_liaisons(request.user, rows)
            sheet = [
                [row.unit.name, u.display_name, u.username, p]
                for row, (u, p) in zip(rows, created, strict=True)
            ]
            request.session[ONE_TIME_SESSION_KEY] = sheet
            return render(request, "accounts/liaison_import_done.html", {"rows": sheet})
    return render(request, "accounts/liaison_import.html", {"form": form})


@require_safe
def liaison_import_template(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    rows = [["市教育体育局", "张三", "13800000000"]]
    return xlsx_response("联络员名单模板.xlsx", "联络员", ["单位", "姓名", "手机号"], rows)


@require_safe
def liaison_import_passwords(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    sheet = request.session.get(ONE_TIME_SESSION_KEY)
    if not sheet:
        messages.info(request, "没有可下载的一次性密码：密码只在导入后的本次登录中提供下载")
        return redirect("accounts:user_list")
    return xlsx_response("联络员一次性密码.xlsx", "一次性密码", ONE_TIME_HEADERS, sheet)


@require_safe
def region_options(request: AuthedRequest) -> HttpResponse:
    """The add-user region picker's matches for what was typed, within the office's subtree."""
    _require_office(request)
    query = (request.GET.get("region_q") or request.GET.get("q") or "").strip()
    regions = Region.objects.manageable_by(request.user).filter(level__lte=4).select_related("parent")
    if query:
        regions = regions.filter(Q(name__contains=query) | Q(code__startswith=query))
    found = [(r.code, region_label(r)) for r in regions.order_by("level", "path")[:30]]
    return render(request, "accounts/_region_options.html", {"found": found, "query": query})


@require_safe
def profile(request: AuthedRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    return render(
        request, "accounts/profile.html", {"token": token, "memberships": request.user.memberships.all()}
    )


def password_change(request: AuthedRequest) -> HttpResponse:
    """One's own new password; after a one-time password, the only page open until it is done."""
    first = request.user.must_change_password
    form_class = FirstPasswordForm if first else OwnPasswordForm
    form = form_class(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.change_own_password(request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # stay signed in here; other sessions end
        messages.success(request, "密码已修改")
        return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form, "first": first})


@require_POST
def token_reset(request: AuthedRequest) -> HttpResponse:
    actions.reset_token(request.user)
    messages.success(request, "已生成新的 API 令牌，旧令牌已失效")
    return redirect("accounts:profile")

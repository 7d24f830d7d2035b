from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST, require_safe
from rest_framework.authtoken.models import Token

from kesu.accounts import actions
from kesu.accounts.forms import LoginForm, UserCreateForm
from kesu.accounts.models import User
from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import AuthedRequest


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_safe
def user_list(request: AuthedRequest) -> HttpResponse:
    if not request.user.access.is_office:
        raise PermissionDenied("只有素质办管理员可以管理用户")
    users = User.objects.visible_to(request.user).prefetch_related("memberships__region", "memberships__unit")
    users = users.order_by("username")
    if wants_xlsx(request):
        rows = (
            (u.username, u.display_name, u.email, "；".join(str(m) for m in u.memberships.all()))
            for u in users
        )
        return xlsx_response("用户.xlsx", "用户", ["用户名", "姓名", "邮箱", "角色"], rows)
    page = Paginator(users, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page})


def user_create(request: AuthedRequest) -> HttpResponse:
    if not request.user.access.is_office:
        raise PermissionDenied("只有素质办管理员可以添加用户")
    form = UserCreateForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.create_user(
                request.user,
                data["username"],
                data["password"],
                display_name=data["display_name"],
                email=data["email"],
                role=data["role"],
                region=data["region"],
                unit=data["unit"],
            )
        except ValidationError as error:
            form.add_error("password", error)
        else:
            messages.success(request, f"已创建用户 {data['username']}")
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@require_safe
def profile(request: AuthedRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    return render(
        request, "accounts/profile.html", {"token": token, "memberships": request.user.memberships.all()}
    )


@require_POST
def token_reset(request: AuthedRequest) -> HttpResponse:
    actions.reset_token(request.user)
    messages.success(request, "已生成新的 API 令牌，旧令牌已失效")
    return redirect("accounts:profile")

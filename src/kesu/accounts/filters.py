"""The users list's keyword search and sortable columns (``?q=``, ``?sort=``), shared by its xlsx export."""

from __future__ import annotations

import django_filters

from kesu.accounts.models import User
from kesu.core.filters import keyword_filter, sort_filter


class UserFilterSet(django_filters.FilterSet):
    q = keyword_filter("username", "display_name", "mobile", "memberships__unit__name")
    sort = sort_filter(
        {
            "username": ("username", "用户名"),
            "name": ("display_name", "姓名"),
            "status": ("is_active", "状态"),
            "login": ("last_login", "最近登录"),
        }
    )

    class Meta:
        model = User
        fields = ["q"]

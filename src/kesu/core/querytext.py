"""Refusing a NUL character in a request's address or query before any view or filter sees it.

PostgreSQL cannot hold or compare text containing NUL (0x00): a ``%00`` in a filter reached the
database and came back as a 500. No one types a NUL, so the request is answered 400 at once, as
JSON with a machine-readable code under ``/api/`` and as a short Chinese page elsewhere. Form
fields are not checked here: Django's and DRF's CharFields already refuse NUL with a message.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

MESSAGE = "请求中含有空字符（%00），无法处理：请检查链接或筛选条件。"


def has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
    )


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_nul(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": MESSAGE, "code": "nul_character"}, status=400)
        page = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>请求有误</title>'
            f'<h1>请求有误</h1><p>{escape(MESSAGE)}</p><p><a href="/">返回工作台</a></p></html>'
        )
        return HttpResponse(page, status=400)

"""What the two robot adapters share: the HTTP call and how its failures read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kesu.messaging.channels import Outcome
from kesu.messaging.channels.http import HttpStatus, NoAnswer, NotSent, post_json
from kesu.messaging.webhooks import resolved_error

Judge = Callable[[Any], Outcome]


def call(url: str, payload: dict[str, Any], judge: Judge, *, check_url: str | None = None) -> Outcome:
    refused = resolved_error(check_url or url)
    if refused:
        return Outcome("failed", refused)
    try:
        answer = post_json(url, payload)
    except NotSent:
        return Outcome("retry", "无法连接到平台，稍后自动重试")
    except NoAnswer:
        return Outcome("unknown", "平台未在规定时间内答复，可能已送达；为免重复，未自动重发")
    except HttpStatus as error:
        if error.status == 429 or error.status >= 500:
            return Outcome("retry", f"平台暂时不可用（{error.status}），稍后自动重试")
        if 300 <= error.status < 400:
            return Outcome("failed", "平台要求跳转到其他地址，已拒绝（请核对 Webhook 地址）")
        return Outcome("failed", f"平台拒绝了请求（{error.status}），请核对 Webhook 地址")
    if not isinstance(answer, dict):
        return Outcome("failed", "平台的答复无法识别")
    return judge(answer)


def errcode(answer: dict[str, Any]) -> int | None:
    try:
        return int(answer.get("errcode"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def markdown_text(title: str, body: str, link: str) -> str:
    """The message as both platforms' markdown: a bold title, the body, a link to open it in Kesu."""
    lines = [f"**{_plain(title)}**", ""]
    lines += [_plain(line) for line in body.splitlines() if line.strip()]
    if link:
        lines += ["", f"[在科素中查看]({link})"]
    return "\n".join(lines)


def _plain(text: str) -> str:
    # Text typed by users must not turn into links or mentions in the group.
    return text.replace("<", "＜").replace(">", "＞").replace("[", "【").replace("]", "】")

"""企业微信群机器人: POST {"msgtype": "markdown", "markdown": {"content": …}} to the webhook.

errcode 0 is accepted; 45009 is the platform's rate limit (20 messages a minute per robot, see
docs/messaging.md): retry after a minute; anything else (93000 invalid webhook key, …) failed.
The markdown content may be at most 4096 bytes: a longer text is cut.
"""

from __future__ import annotations

from typing import Any

from kesu.messaging.channels import SENT, Outcome
from kesu.messaging.channels.robots import call, errcode, markdown_text

MAX_BYTES = 4096
RATE_LIMITED = 45009
INVALID_KEY = 93000


def payload(title: str, body: str, link: str) -> dict[str, Any]:
    content = markdown_text(title, body, link).encode("utf-8")[:MAX_BYTES].decode("utf-8", "ignore")
    return {"msgtype": "markdown", "markdown": {"content": content}}


def judge(answer: dict[str, Any]) -> Outcome:
    code = errcode(answer)
    if code == 0:
        return SENT
    if code == RATE_LIMITED:
        return Outcome(
            "retry", "企业微信限制发送频率（每个机器人每分钟 20 条），稍后自动重试", retry_after=60
        )
    if code == INVALID_KEY:
        return Outcome("failed", "企业微信提示 Webhook 地址无效，机器人可能已被移出群聊，请重新添加")
    return Outcome("failed", f"企业微信拒绝了消息（错误码 {code}）：{str(answer.get('errmsg', ''))[:80]}")


def send(webhook: str, title: str, body: str, link: str) -> Outcome:
    return call(webhook, payload(title, body, link), judge)

"""钉钉自定义机器人: markdown {"msgtype": "markdown", "markdown": {"title", "text"}} to the webhook, with
the 加签 signature when the robot has a secret: ``timestamp`` (ms) + "\\n" + secret, HMAC-SHA256 keyed
with the secret, base64, then URL-encoded, sent as the ``timestamp`` and ``sign`` query parameters.

errcode 0 is accepted; 130101 is the rate limit (20 a minute per robot; over it the robot is held
for 10 minutes): retry later; 310000 is the security check (wrong signature, a timestamp more than an
hour off, a missing keyword or a refused IP): failed with the reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote_plus

from kesu.messaging.channels import SENT, Outcome
from kesu.messaging.channels.robots import call, errcode, markdown_text

RATE_LIMITED = 130101
SECURITY = 310000


def sign(timestamp_ms: int, secret: str) -> str:
    """The 加签 value, already URL-encoded as the platform documents."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(webhook: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return webhook
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in webhook else "?"
    return f"{webhook}{joiner}timestamp={stamp}&sign={sign(stamp, secret)}"


def payload(title: str, body: str, link: str) -> dict[str, Any]:
    return {
        "msgtype": "markdown",
        "markdown": {"title": title[:60], "text": markdown_text(title, body, link)},
    }


def judge(answer: dict[str, Any]) -> Outcome:
    code = errcode(answer)
    if code == 0:
        return SENT
    if code == RATE_LIMITED:
        return Outcome("retry", "钉钉限制发送频率（每个机器人每分钟 20 条），稍后自动重试", retry_after=600)
    if code == SECURITY:
        return Outcome(
            "failed",
            "钉钉安全设置校验未通过：请核对加签密钥；如设置了自定义关键词或 IP 地址段，请一并核对",
        )
    return Outcome("failed", f"钉钉拒绝了消息（错误码 {code}）：{str(answer.get('errmsg', ''))[:80]}")


def send(webhook: str, secret: str, title: str, body: str, link: str) -> Outcome:
    return call(signed_url(webhook, secret), payload(title, body, link), judge, check_url=webhook)

"""Which webhook addresses Kesu will post to: the operator's allow-list, and never an internal address.

A webhook address is typed by an office or a liaison, so it is untrusted: posting to whatever they
type would let anyone make the server call internal services (SSRF). Three checks:

1. On save (``webhook_error``): an https address on a host in ``KESU_WEBHOOK_HOSTS`` (default the two
   platforms' hosts, ``qyapi.weixin.qq.com`` and ``oapi.dingtalk.com``), with the path and key each
   platform issues. Plain http is accepted only for a host the operator listed as an IP address
   (the tests' loopback server is ``127.0.0.1``).
2. On send (``resolved_error``): the host's addresses are resolved again and refused if any is
   private, loopback, link-local or reserved, unless that address itself is in the allow-list (a DNS
   answer that changed since the save cannot point the server inward).
3. Redirects are never followed (``channels.http``), so an allowed host cannot bounce us inward.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from kesu.messaging.kinds import Channel

DEFAULT_HOSTS = "qyapi.weixin.qq.com,oapi.dingtalk.com"
PATHS: dict[str, tuple[str, str]] = {
    Channel.WECOM: ("/cgi-bin/webhook/send", "key"),
    Channel.DINGTALK: ("/robot/send", "access_token"),
}
EXAMPLES: dict[str, str] = {
    Channel.WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    Channel.DINGTALK: "https://oapi.dingtalk.com/robot/send?access_token=…",
}


def allowed_hosts() -> set[str]:
    raw = getattr(settings, "KESU_WEBHOOK_HOSTS", DEFAULT_HOSTS)
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return {item.strip().lower() for item in items if item.strip()}


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def webhook_error(url: str, platform: str) -> str | None:
    """A Chinese reason the address cannot be used for this platform's robot, or None."""
    url = (url or "").strip()
    example = EXAMPLES.get(platform, "")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return f"Webhook 地址格式不正确，应形如 {example}"
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return f"Webhook 地址格式不正确，应形如 {example}"
    if parts.username or parts.password:
        return "Webhook 地址中不能包含用户名或密码"
    hosts = allowed_hosts()
    if host not in hosts:
        return f"Webhook 地址的域名 {host} 不在系统允许的范围内（允许：{'、'.join(sorted(hosts))}），请联系系统管理员"
    address = _ip(host)
    if parts.scheme == "http" and address is None:
        return "Webhook 地址须以 https:// 开头"
    path, key = PATHS.get(platform, ("", ""))
    if not path:
        return "请选择企业微信或钉钉"
    if parts.path != path or not parse_qs(parts.query).get(key, [""])[0]:
        return f"这不是{'企业微信群机器人' if platform == Channel.WECOM else '钉钉自定义机器人'}的 Webhook 地址，应形如 {example}"
    return None


def resolved_error(url: str) -> str | None:
    """At send time: refuse a host that now resolves to an internal address the operator did not list."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    hosts = allowed_hosts()
    if host not in hosts:
        return "Webhook 地址的域名已不在系统允许的范围内，请联系系统管理员"
    literal = _ip(host)
    if literal is not None:
        return None if str(literal) in hosts else "Webhook 地址不能指向内部网络地址"
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return None  # resolution failed: the connection will fail too, and be retried
    for info in infos:
        address = _ip(str(info[4][0]))
        if address is not None and _internal(address) and str(address) not in hosts:
            return "Webhook 地址解析到内部网络地址，已拒绝发送"
    return None


def secret_error(secret: str) -> str | None:
    """钉钉 加签 secrets are issued as SEC followed by 64 hex digits."""
    secret = (secret or "").strip()
    if not secret:
        return None
    if not secret.startswith("SEC") or len(secret) < 20 or not secret.isascii() or " " in secret:
        return "钉钉加签密钥应以 SEC 开头，请在钉钉机器人设置的“安全设置—加签”中复制完整密钥"
    return None

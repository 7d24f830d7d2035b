"""E-mail through Django's mail backend (``EMAIL_*`` settings)."""

from __future__ import annotations

import smtplib
import socket

from django.conf import settings
from django.core.mail import send_mail

from kesu.messaging.channels import SENT, Outcome


def send(address: str, title: str, body: str, link: str) -> Outcome:
    if not address:
        return Outcome("failed", "收件人未登记邮箱")
    text = f"{body}\n\n在科素中查看：{link}" if link else body
    try:
        send_mail(title, text, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    except smtplib.SMTPRecipientsRefused:
        return Outcome("failed", "邮件服务器拒收该邮箱地址，请核对")
    except (
        smtplib.SMTPConnectError,
        smtplib.SMTPServerDisconnected,
        ConnectionRefusedError,
        socket.gaierror,
    ):
        return Outcome("retry", "无法连接到邮件服务器，稍后自动重试")
    except (TimeoutError, smtplib.SMTPException, OSError):
        return Outcome("unknown", "邮件服务器未正常答复，可能已发出；为免重复，未自动重发")
    return SENT

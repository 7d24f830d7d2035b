"""SMS through a provider: an interface, one real adapter (腾讯云短信 SendSms, API 3.0 with the
TC3-HMAC-SHA256 signature) and a log adapter for the demo.

Chinese SMS providers send only pre-approved templates under an approved signature (签名): the
operator registers one notification template such as “您有一条{1}：{2}，请登录科素查看。” and sets
its id; Kesu fills {1} with the message kind and {2} with the title, cut to ``KESU_SMS_PARAM_MAX``
characters (providers limit each variable's length). Settings: ``KESU_SMS_PROVIDER`` (``log`` or
``tencent``), ``KESU_SMS_SECRET_ID``, ``KESU_SMS_SECRET_KEY``, ``KESU_SMS_APP_ID`` (SmsSdkAppId),
``KESU_SMS_SIGN_NAME``, ``KESU_SMS_TEMPLATE_ID``, ``KESU_SMS_REGION`` (default ap-guangzhou),
``KESU_SMS_ENDPOINT`` (default https://sms.tencentcloudapi.com/).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings

from kesu.core.personal import mask_mobile
from kesu.messaging.channels import SENT, Outcome
from kesu.messaging.channels.http import HttpStatus, NoAnswer, NotSent, post_json

log = logging.getLogger("kesu.messaging.sms")


class SmsProvider(Protocol):
    def send(self, mobile: str, params: list[str]) -> Outcome: ...


def template_params(kind_label: str, title: str) -> list[str]:
    limit = int(getattr(settings, "KESU_SMS_PARAM_MAX", 20))
    return [kind_label[:limit], title[:limit]]


class LogSms:
    """The demo's provider: writes the message to the log (the number masked) and calls it sent."""

    def send(self, mobile: str, params: list[str]) -> Outcome:
        log.info("短信 → %s：%s", mask_mobile(mobile), "｜".join(params))
        return SENT


class TencentSms:
    """腾讯云短信 SendSms (version 2021-01-11)."""

    service = "sms"
    action = "SendSms"
    version = "2021-01-11"

    def __init__(self) -> None:
        self.secret_id = getattr(settings, "KESU_SMS_SECRET_ID", "")
        self.secret_key = getattr(settings, "KESU_SMS_SECRET_KEY", "")
        self.app_id = getattr(settings, "KESU_SMS_APP_ID", "")
        self.sign_name = getattr(settings, "KESU_SMS_SIGN_NAME", "")
        self.template_id = getattr(settings, "KESU_SMS_TEMPLATE_ID", "")
        self.region = getattr(settings, "KESU_SMS_REGION", "ap-guangzhou")
        self.endpoint = getattr(settings, "KESU_SMS_ENDPOINT", "https://sms.tencentcloudapi.com/")

    def body(self, mobile: str, params: list[str]) -> bytes:
        request = {
            "PhoneNumberSet": [f"+86{mobile}"],
            "SmsSdkAppId": self.app_id,
            "SignName": self.sign_name,
            "TemplateId": self.template_id,
            "TemplateParamSet": params,
        }
        return json.dumps(request, ensure_ascii=False).encode("utf-8")

    def headers(self, body: bytes, timestamp: int) -> dict[str, str]:
        host = urlsplit(self.endpoint).netloc
        return {
            "Authorization": tc3_authorization(
                secret_id=self.secret_id,
                secret_key=self.secret_key,
                service=self.service,
                host=host,
                body=body,
                timestamp=timestamp,
            ),
            "Host": host,
            "X-TC-Action": self.action,
            "X-TC-Version": self.version,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }

    def send(self, mobile: str, params: list[str]) -> Outcome:
        if not (self.secret_id and self.secret_key and self.app_id and self.template_id):
            return Outcome("failed", "短信服务尚未配置（缺少密钥、应用或模板），请联系系统管理员")
        body = self.body(mobile, params)
        try:
            answer = post_json(self.endpoint, None, body=body, headers=self.headers(body, int(time.time())))
        except NotSent:
            return Outcome("retry", "无法连接到短信平台，稍后自动重试")
        except NoAnswer:
            return Outcome("unknown", "短信平台未在规定时间内答复，可能已发出；为免重复，未自动重发")
        except HttpStatus as error:
            if error.status == 429 or error.status >= 500:
                return Outcome("retry", f"短信平台暂时不可用（{error.status}），稍后自动重试")
            return Outcome("failed", f"短信平台拒绝了请求（{error.status}）")
        return judge(answer)


# Codes of 腾讯云短信 and what they mean for the sender.
_RETRY_AFTER = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600,
    "LimitExceeded.PhoneNumberDailyLimit": 86400,
    "RequestLimitExceeded": 5,
    "InternalError.Timeout": 60,
}
_FAILED = {
    "AuthFailure.SignatureFailure": "短信平台签名校验失败，请核对短信密钥",
    "AuthFailure.SecretIdNotFound": "短信平台密钥不存在，请核对短信密钥",
    "FailedOperation.SignatureIncorrectOrUnapproved": "短信签名未通过审核或填写有误",
    "FailedOperation.TemplateIncorrectOrUnapproved": "短信模板未通过审核或填写有误",
    "InvalidParameterValue.IncorrectPhoneNumber": "手机号码有误",
    "FailedOperation.InsufficientBalanceInSmsPackage": "短信套餐余量不足，请联系系统管理员充值",
}


def judge(answer: Any) -> Outcome:
    response = answer.get("Response", {}) if isinstance(answer, dict) else {}
    error = response.get("Error")
    if error:
        return _by_code(str(error.get("Code", "")))
    statuses = response.get("SendStatusSet") or []
    if not statuses:
        return Outcome("failed", "短信平台的答复无法识别")
    code = str(statuses[0].get("Code", ""))
    return SENT if code == "Ok" else _by_code(code)


def _by_code(code: str) -> Outcome:
    if code in _RETRY_AFTER:
        return Outcome("retry", "短信平台限制发送频率，稍后自动重试", retry_after=_RETRY_AFTER[code])
    return Outcome("failed", _FAILED.get(code, f"短信平台拒绝发送（{code}）"))


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def tc3_authorization(
    *, secret_id: str, secret_key: str, service: str, host: str, body: bytes, timestamp: int
) -> str:
    """The Authorization header of TencentCloud API 3.0 (TC3-HMAC-SHA256) for a JSON POST to /."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            signed_headers,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


def provider() -> SmsProvider:
    name = getattr(settings, "KESU_SMS_PROVIDER", "log")
    if name == "tencent":
        return TencentSms()
    return LogSms()


def send(mobile: str, kind_label: str, title: str) -> Outcome:
    if not mobile:
        return Outcome("failed", "收件人未登记手机号")
    return provider().send(mobile, template_params(kind_label, title))

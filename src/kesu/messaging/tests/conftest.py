from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kesu.messaging.tests.robots import RobotServer

DING_SECRET = "SEC" + "a1" * 32


@pytest.fixture
def robot_server(settings: Any) -> Iterator[RobotServer]:
    """The loopback robot/SMS server, allowed as a webhook host, with a short HTTP timeout."""
    server = RobotServer(
        dingtalk_secrets={"ding": DING_SECRET, "wrong": DING_SECRET}, slow_seconds=2.5
    ).start()
    settings.KESU_WEBHOOK_HOSTS = "127.0.0.1"
    settings.KESU_MESSAGE_HTTP_TIMEOUT = 1
    settings.KESU_SMS_PROVIDER = "tencent"
    settings.KESU_SMS_ENDPOINT = f"{server.url}/"
    settings.KESU_SMS_SECRET_ID = "AKIDtest"
    settings.KESU_SMS_SECRET_KEY = server.sms_secret_key
    settings.KESU_SMS_APP_ID = "1400000000"
    settings.KESU_SMS_SIGN_NAME = "科素"
    settings.KESU_SMS_TEMPLATE_ID = "100001"
    settings.KESU_SITE_URL = "https://kesu.example.gov.cn"
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings: Any) -> None:
    """Tests run at any hour: no quiet hours unless a test sets a policy."""
    settings.KESU_MESSAGE_QUIET_HOURS = ""


@pytest.fixture(autouse=True)
def _no_sms_memory() -> Iterator[None]:
    """The per-number SMS spacing is remembered per process: each test starts with none."""
    from kesu.messaging import delivery

    delivery._last_sms.clear()
    yield
    delivery._last_sms.clear()

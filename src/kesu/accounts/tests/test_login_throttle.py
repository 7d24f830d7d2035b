"""Failed logins are counted per client address (behind the proxy), so a stranger cannot lock a colleague out."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.cache import cache
from django.test import Client

from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def behind_nginx(settings) -> None:
    cache.clear()
    settings.KESU_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    settings.KESU_LOCKOUT_FAILURES = 3


def login(client: Client, address: str, password: str, username: str = "pds-office"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


def test_failures_from_another_address_do_not_lock_the_owner_out(world: World) -> None:
    attacker = Client()
    for _ in range(5):
        login(attacker, "203.0.113.66", "wrong-password")
    assert login(attacker, "203.0.113.66", PASSWORD).status_code == 429
    assert login(Client(), "198.51.100.7", PASSWORD).status_code == 302  # the owner, from the office


def test_a_forged_forwarded_header_does_not_escape_the_lockout(world: World) -> None:
    attacker = Client()
    for n in range(3):  # forged left-most entries; nginx appends the real peer on the right
        login(attacker, f"192.0.2.{n}, 203.0.113.66", "wrong-password")
    assert login(attacker, "192.0.2.99, 203.0.113.66", PASSWORD).status_code == 429


def test_an_address_that_keeps_guessing_is_stopped_for_every_account(world: World, settings) -> None:
    settings.KESU_LOGIN_FAILURES_PER_ADDRESS = 4
    guesser = Client()
    for username in ("pds-office", "xz-office", "nobody-1", "nobody-2"):
        login(guesser, "203.0.113.66", "wrong-password", username=username)
    refused = login(guesser, "203.0.113.66", PASSWORD, username="py-office")
    assert "从您所在网络发起的登录失败次数过多" in refused.content.decode()
    assert login(Client(), "198.51.100.7", PASSWORD, username="py-office").status_code == 302

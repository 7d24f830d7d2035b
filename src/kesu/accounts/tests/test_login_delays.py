"""Repeated failed sign-ins slow down the address they come from, more with each failure, without
hashing a password; the office can lift the delay; every sign-in, sign-out and failure is audited."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kesu.accounts.backends import delay_after
from kesu.accounts.models import FailedLogin
from kesu.core.models import AuditEvent
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0) 测试浏览器"


@pytest.fixture(autouse=True)
def short_delays(settings) -> None:
    cache.clear()
    settings.KESU_LOCKOUT_FAILURES = 3
    settings.KESU_LOGIN_DELAY_SECONDS = 10
    settings.KESU_LOCKOUT_MINUTES = 15


def login(client: Client, password: str, address: str = "203.0.113.66", username: str = "pds-office"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_USER_AGENT=BROWSER,
    )


def age_failures(seconds: int) -> None:
    """Pretend the failures so far happened ``seconds`` earlier."""
    for failure in FailedLogin.objects.all():
        FailedLogin.objects.filter(pk=failure.pk).update(at=failure.at - timedelta(seconds=seconds))


def test_each_further_failure_doubles_the_wait_up_to_the_cap() -> None:
    assert [delay_after(n) for n in range(7)] == [0, 0, 0, 10, 20, 40, 80]
    assert delay_after(40) == 15 * 60


def test_the_wait_grows_with_each_failure_and_passes(world: World) -> None:
    attacker = Client()
    for _ in range(3):
        assert login(attacker, "wrong-password").status_code == 200
    refused = login(attacker, PASSWORD)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 10
    assert "10 秒后再试" in refused.content.decode()
    age_failures(11)  # the first wait is over: one more guess is allowed, and fails
    assert login(attacker, "wrong-password").status_code == 200
    refused = login(attacker, "wrong-password")
    assert refused.status_code == 429 and 10 < int(refused.headers["Retry-After"]) <= 20
    age_failures(21)
    assert login(attacker, PASSWORD).status_code == 302  # the owner's password still works afterwards


def test_a_refused_attempt_never_reaches_the_password_hash(world: World) -> None:
    attacker = Client()
    for _ in range(3):
        login(attacker, "wrong-password")
    with mock.patch("django.contrib.auth.base_user.AbstractBaseUser.check_password") as check:
        for _ in range(20):
            assert login(attacker, "wrong-password").status_code == 429
    check.assert_not_called()
    assert FailedLogin.objects.count() == 3  # refusals are not failures: the wait does not grow


def test_the_owner_from_another_address_is_not_slowed(world: World) -> None:
    attacker = Client()
    for _ in range(6):
        login(attacker, "wrong-password")
    assert login(Client(), PASSWORD, address="198.51.100.7").status_code == 302


def test_the_office_unlocks_its_user_and_other_offices_cannot(world: World, client_for) -> None:
    attacker = Client()
    for _ in range(3):
        login(attacker, "wrong-password", username="edu-liaison")
    assert login(attacker, PASSWORD, username="edu-liaison").status_code == 429
    page = client_for(world.pds_office).get(f"/accounts/users/{world.edu_liaison.pk}/security/")
    assert "解除登录限制" in page.content.decode() and "203.0.113.66" in page.content.decode()
    assert (
        client_for(world.xz_office).post(f"/accounts/users/{world.edu_liaison.pk}/unlock/").status_code == 404
    )
    assert (
        client_for(world.kexie_liaison).post(f"/accounts/users/{world.edu_liaison.pk}/unlock/").status_code
        == 404
    )
    assert login(attacker, PASSWORD, username="edu-liaison").status_code == 429
    assert (
        client_for(world.pds_office).post(f"/accounts/users/{world.edu_liaison.pk}/unlock/").status_code
        == 302
    )
    assert login(Client(), PASSWORD, username="edu-liaison").status_code == 302
    event = AuditEvent.objects.get(verb="user.unlock")
    assert event.actor == world.pds_office and event.before == {"pending_failures": 3}


def test_sign_ins_failures_and_sign_outs_are_audited_with_address_and_browser(world: World) -> None:
    client = Client()
    login(client, "wrong-password")
    login(client, "wrong-password", username="no-such-user")
    assert login(client, PASSWORD).status_code == 302
    client.post("/logout/", REMOTE_ADDR="203.0.113.66", HTTP_USER_AGENT=BROWSER)
    events = list(AuditEvent.objects.filter(verb__startswith="user.log").order_by("pk"))
    assert [(e.verb, e.target_repr) for e in events] == [
        ("user.login_failed", "pds-office"),
        ("user.login_failed", "no-such-user"),
        ("user.login", "pds-office"),
        ("user.logout", "pds-office"),
    ]
    assert all(e.ip == "203.0.113.66" and e.user_agent == BROWSER for e in events)
    assert events[0].region == world.pingdingshan  # the office of the account's region reads it
    assert AuditEvent.objects.filter(verb="user.login_failed").count() == 2  # not deleted by the success


def test_failures_older_than_a_day_no_longer_count(world: World) -> None:
    attacker = Client()
    for _ in range(3):
        login(attacker, "wrong-password")
    FailedLogin.objects.update(at=timezone.now() - timedelta(hours=25))
    assert login(attacker, PASSWORD).status_code == 302

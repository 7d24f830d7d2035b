from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_the_login_page_speaks_chinese(db: None) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page
    assert 'lang="zh-Hans"' in page


def test_a_browser_set_to_english_still_gets_chinese_messages(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(world.pds_office)
    page = client.post(
        "/reporting/cycles/", {"period_year": ""}
    ).content.decode()  # Django's own field errors
    assert "这个字段是必填项" in page or "该字段是必填项" in page
    assert "This field is required" not in page


def test_an_office_admin_signs_in_and_lands_on_its_region(world: World) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "pds-office", "password": PASSWORD}, follow=True)
    assert "平顶山市 · 工作台" in response.content.decode()


def test_repeated_failures_make_the_address_wait_even_for_the_right_password(world: World, settings) -> None:
    settings.KESU_LOCKOUT_FAILURES = 3
    client = Client()
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "pds-office", "password": "wrong-password"})
        assert "用户名或密码不正确" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "pds-office", "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_login_clears_earlier_failures(world: World, settings) -> None:
    settings.KESU_LOCKOUT_FAILURES = 3
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "pds-office", "password": "wrong-password"})
    client.post("/accounts/login/", {"username": "pds-office", "password": PASSWORD})
    client.logout()
    client.post("/accounts/login/", {"username": "pds-office", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "pds-office", "password": PASSWORD})
    assert response.status_code == 302


def test_weak_passwords_are_refused(world: World) -> None:
    for weak in ("12345678901", "password123", "pds-office1"):
        with pytest.raises(ValidationError):
            validate_password(weak, world.pds_office)


def test_an_idle_session_expires_and_an_active_one_slides_forward(world: World, settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kesu.accounts.models import Session

    settings.SESSION_KEEPALIVE_SECONDS = 0
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client = Client()
    client.post("/accounts/login/", {"username": "pds-office", "password": PASSWORD})
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date > timezone.now() + timedelta(hours=1)  # slid forward
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))  # idle too long
    assert client.get("/").status_code == 302


def test_an_office_creates_a_liaison_for_one_of_its_units(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "kx-zhang",
            "display_name": "张科",
            "password": "Kexie-2025-liaison",
            "role": "liaison",
            "unit": world.kexie.pk,
        },
    )
    assert response.status_code == 302
    from kesu.accounts.models import User

    assert User.objects.get(username="kx-zhang").access.liaison_unit_ids == (world.kexie.pk,)


def test_an_office_cannot_give_a_role_in_another_region(world: World, client_for) -> None:
    client = client_for(world.xz_office)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "intruder",
            "display_name": "外人",
            "password": "Kexie-2025-liaison",
            "role": "liaison",
            "unit": world.kexie.pk,
        },
    )
    assert response.status_code == 200
    assert (
        "选择一个有效的选项" in response.content.decode()
        or "Select a valid choice" in response.content.decode()
    )

"""Sessions carry their user (``kesu.accounts.sessions``): one query for both, and the same checks
Django makes when it reads the user on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kesu.accounts import actions
from kesu.accounts.models import Session
from kesu.accounts.sessions import SessionStore
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_a_signed_in_page_reads_the_session_and_its_user_in_one_query(world: World) -> None:
    client = _signed_in("pds-office")
    client.get("/")  # the scope is remembered in the session by the first page
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    sessions = [q["sql"] for q in queries.captured_queries if "accounts_session" in q["sql"]]
    assert len(sessions) == 1 and "accounts_user" in sessions[0]
    assert not any(q["sql"].lstrip().startswith('SELECT "accounts_user"') for q in queries.captured_queries)


def test_each_session_knows_whose_it_is_and_signing_out_ends_it(world: World) -> None:
    office, liaison = _signed_in("pds-office"), _signed_in(world.edu_liaison.username)
    assert set(Session.objects.values_list("user__username", flat=True)) == {
        "pds-office",
        world.edu_liaison.username,
    }
    office.post("/logout/")
    assert list(Session.objects.values_list("user", flat=True)) == [world.edu_liaison.pk]
    assert liaison.get("/").status_code == 200


def test_a_disabled_account_is_signed_out_on_its_next_request(world: World) -> None:
    client = _signed_in(world.edu_liaison.username)
    type(world.edu_liaison).objects.filter(pk=world.edu_liaison.pk).update(is_active=False)
    assert client.get("/").status_code == 302  # to the sign-in page: the joined user is checked too


def test_a_changed_password_ends_the_other_sessions(world: World) -> None:
    client = _signed_in(world.edu_liaison.username)
    world.edu_liaison.set_password("another-long-password-2026")
    world.edu_liaison.save()
    assert client.get("/").status_code == 302  # the session's password hash no longer matches


def test_revoking_access_deletes_exactly_that_user_s_sessions(world: World) -> None:
    liaison, office = _signed_in(world.edu_liaison.username), _signed_in("pds-office")
    _signed_in(world.edu_liaison.username)  # a second browser
    assert actions.revoke_all_access(world.edu_liaison, by=world.pds_office) == 2
    assert liaison.get("/").status_code == 302
    assert office.get("/").status_code == 200


def _fields(instance: object) -> dict[str, object]:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}  # type: ignore[attr-defined]


def test_the_written_out_session_read_gives_what_the_orm_reads(world: World) -> None:
    """Every field of the session and its user, dates and flags converted as the ORM converts them
    (SQLite hands back text and integers for those)."""
    client = _signed_in(world.edu_liaison.username)
    key = client.cookies["sessionid"].value
    read = Session.objects.unexpired_with_user(key)
    through_orm = Session.objects.get(session_key=key)
    assert read is not None and read.user is not None and through_orm.user is not None
    assert _fields(read) == _fields(through_orm)
    assert _fields(read.user) == _fields(through_orm.user)
    assert read.user.last_login is not None and read.user.last_login.tzinfo is not None
    assert read.user.is_active is True and read.get_decoded() == through_orm.get_decoded()


def test_an_expired_session_is_not_read_and_its_browser_must_sign_in_again(world: World) -> None:
    client = _signed_in(world.edu_liaison.username)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert Session.objects.unexpired_with_user(key) is None
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_session_no_one_has_signed_in_to_is_read_without_a_user(world: World) -> None:
    store = SessionStore()
    store["kesu_note"] = "还没登录"
    store.create()
    read = Session.objects.unexpired_with_user(store.session_key or "")
    assert read is not None and read.user is None and read.get_decoded() == {"kesu_note": "还没登录"}
    assert SessionStore(store.session_key)["kesu_note"] == "还没登录"

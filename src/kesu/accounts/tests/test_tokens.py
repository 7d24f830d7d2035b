"""API tokens are kept hashed, shown once, expire, can be revoked by their owner and by the office,
and stop working (with the session) as soon as the account is disabled or loses its last role."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from kesu.accounts import actions
from kesu.accounts.models import ApiToken, Membership
from kesu.core.models import AuditEvent
from kesu.testing import World

pytestmark = pytest.mark.django_db


def api(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(world: World, client_for) -> None:
    client = client_for(world.edu_liaison)
    page = client.post("/accounts/profile/tokens/", {"name": "同步脚本", "days": "90"})
    assert page.headers["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.edu_liaison)
    secret = page.context["secret"]
    assert secret in page.content.decode() and "只显示这一次" in page.content.decode()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in token.key_hash
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert secret not in client.get("/accounts/profile/tokens/").content.decode()  # never again
    assert api(secret).get("/api/me/").json()["username"] == "edu-liaison"
    assert AuditEvent.objects.for_target(world.edu_liaison).filter(verb="token.create").count() == 1


def test_the_default_lifetime_comes_from_the_settings(world: World, settings) -> None:
    settings.KESU_TOKEN_DAYS = 7
    token, _ = actions.issue_token(world.edu_liaison, "短期")
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)


def test_an_expired_or_revoked_token_is_refused(world: World) -> None:
    expired, expired_secret = actions.issue_token(world.edu_liaison, "过期")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked, revoked_secret = actions.issue_token(world.edu_liaison, "撤销")
    actions.revoke_token(revoked, by=world.edu_liaison)
    for secret in (expired_secret, revoked_secret, "kesu_not-a-token"):
        response = api(secret).get("/api/me/")
        assert response.status_code in (401, 403) and "令牌" in response.json()["detail"]


def test_a_user_whose_roles_are_all_revoked_can_use_neither_token_nor_session(world: World) -> None:
    _, secret = actions.issue_token(world.edu_liaison, "脚本")
    session = Client()
    session.force_login(world.edu_liaison)
    assert session.get("/api/me/").status_code == 200 and api(secret).get("/api/me/").status_code == 200
    for membership in Membership.objects.filter(user=world.edu_liaison):
        actions.revoke_membership(world.pds_office, membership)
    assert api(secret).get("/api/me/").status_code in (401, 403)
    assert session.get("/api/me/").status_code in (401, 403)
    assert session.get("/").status_code == 302  # signed out: back to the sign-in page
    assert AuditEvent.objects.for_target(world.edu_liaison).filter(verb="user.logout").exists()


def test_a_disabled_user_can_use_neither_token_nor_session(world: World) -> None:
    _, secret = actions.issue_token(world.edu_liaison, "脚本")
    session = Client()
    session.force_login(world.edu_liaison)
    world.edu_liaison.is_active = False
    world.edu_liaison.save(update_fields=["is_active"])
    assert api(secret).get("/api/me/").status_code in (401, 403)
    assert session.get("/").status_code == 302


def test_revoking_all_access_ends_sessions_and_tokens(world: World) -> None:
    _, secret = actions.issue_token(world.edu_liaison, "脚本")
    session = Client()
    session.force_login(world.edu_liaison)
    other = Client()
    other.force_login(world.kexie_liaison)
    assert actions.revoke_all_access(world.edu_liaison, by=world.pds_office) == 2
    assert session.get("/").status_code == 302 and api(secret).get("/api/me/").status_code in (401, 403)
    assert other.get("/").status_code == 200  # someone else's session is untouched


def test_the_office_revokes_a_token_of_its_liaison_and_another_office_cannot(
    world: World, client_for
) -> None:
    token, secret = actions.issue_token(world.edu_liaison, "脚本")
    page = client_for(world.pds_office).get(f"/accounts/users/{world.edu_liaison.pk}/security/")
    assert "脚本" in page.content.decode()
    assert client_for(world.xz_office).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert client_for(world.kexie_liaison).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert api(secret).get("/api/me/").status_code == 200
    assert client_for(world.pds_office).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert api(secret).get("/api/me/").status_code in (401, 403)
    event = AuditEvent.objects.get(verb="token.revoke")
    assert (
        event.actor == world.pds_office
        and (event.before or {})["revoked_at"] is None
        and (event.after or {})["revoked_at"]
    )


def test_a_user_revokes_their_own_token_from_the_token_page(world: World, client_for) -> None:
    token, secret = actions.issue_token(world.edu_liaison, "旧脚本")
    client = client_for(world.edu_liaison)
    assert "旧脚本" in client.get("/accounts/profile/tokens/").content.decode()
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api(secret).get("/api/me/").status_code in (401, 403)
    assert "已撤销" in client.get("/accounts/profile/tokens/").content.decode()


def test_a_reset_replaces_the_old_tokens_and_is_audited(world: World, client_for) -> None:
    _, old = actions.issue_token(world.edu_liaison, "旧")
    page = client_for(world.edu_liaison).post("/accounts/profile/token/")
    new = page.context["secret"]
    assert api(new).get("/api/me/").status_code == 200 and api(old).get("/api/me/").status_code in (401, 403)
    assert AuditEvent.objects.for_target(world.edu_liaison).filter(verb="token.reset").count() == 1


def test_a_reset_that_fails_half_way_leaves_the_old_token_working(world: World) -> None:
    _, old = actions.issue_token(world.edu_liaison, "旧")
    client = Client(raise_request_exception=False)
    client.force_login(world.edu_liaison)
    with mock.patch("kesu.core.audit.record", side_effect=RuntimeError("审计写入失败")):
        assert client.post("/accounts/profile/token/").status_code == 500
    assert api(old).get("/api/me/").status_code == 200
    assert ApiToken.objects.filter(user=world.edu_liaison).count() == 1


def test_plain_tokens_from_before_are_hashed_and_keep_working(world: World) -> None:
    from importlib import import_module

    from rest_framework.authtoken.models import Token

    plain = Token.objects.create(user=world.edu_liaison).key
    import_module("kesu.accounts.migrations.0004_api_tokens_hashed").hash_plain_tokens(apps, None)
    assert not Token.objects.exists()
    assert not ApiToken.objects.filter(key_hash=plain).exists()
    assert api(plain).get("/api/me/").json()["username"] == "edu-liaison"

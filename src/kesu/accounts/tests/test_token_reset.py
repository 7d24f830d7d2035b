"""Resetting one's API token is one action: all of it happens, or none."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from kesu.core.models import AuditEvent
from kesu.testing import World

pytestmark = pytest.mark.django_db


def test_a_reset_gives_a_new_token_and_is_audited(world: World, client_for) -> None:
    old = Token.objects.create(user=world.edu_liaison).key
    assert client_for(world.edu_liaison).post("/accounts/profile/token/").status_code == 302
    assert Token.objects.get(user=world.edu_liaison).key != old
    assert AuditEvent.objects.for_target(world.edu_liaison).filter(verb="token.reset").count() == 1


def test_a_reset_that_fails_half_way_leaves_the_old_token_working(world: World) -> None:
    old = Token.objects.create(user=world.edu_liaison).key
    client = Client(raise_request_exception=False)
    client.force_login(world.edu_liaison)
    with mock.patch("kesu.core.audit.record", side_effect=RuntimeError("审计写入失败")):
        assert client.post("/accounts/profile/token/").status_code == 500
    assert list(Token.objects.filter(user=world.edu_liaison).values_list("key", flat=True)) == [old]

"""Migration 0005 (sessions with their user): whoever is signed in when it runs stays signed in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as OldSessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from kesu.accounts.models import Session
from kesu.testing import World


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_a_session_from_before_the_migration_still_signs_its_user_in(world: World) -> None:
    try:
        _migrate([("accounts", "0004_api_tokens_hashed")])
        old = OldSessionStore()  # as Django's own engine stored it before
        old["_auth_user_id"] = str(world.pds_office.pk)
        old["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        old["_auth_user_hash"] = world.pds_office.get_session_auth_hash()
        old.create()
        stale = OldSessionStore()
        stale["_auth_user_id"] = str(world.edu_liaison.pk)
        stale.set_expiry(timezone.now() - timedelta(minutes=1))
        stale.create()
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        assert list(Session.objects.values_list("session_key", "user")) == [
            (old.session_key, world.pds_office.pk)
        ]
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = old.session_key or ""
        assert client.get("/").status_code == 200
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

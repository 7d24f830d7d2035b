"""Fixtures shared by every test: the personas' world and a logged-in client per persona."""

from __future__ import annotations

import pytest
from django.test import Client

from kesu.testing import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_for(world: World):  # type: ignore[no-untyped-def]
    def make(user):  # type: ignore[no-untyped-def]
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make

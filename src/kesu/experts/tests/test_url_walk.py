"""The URL walk of tests/test_every_url_respects_scope.py over the experts' URLs only, so this app's scope
is checked on its own (the full walk runs every app's samples)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.test_every_url_respects_scope import WRITE, build_url, shows_private, url_names

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.core.models import AuditEvent
from kesu.experts.testing import url_samples
from kesu.plans.models import Target
from kesu.regions.models import Region
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def _ours() -> list[tuple[str, list[str]]]:
    return [(name, kwargs) for name, kwargs in url_names() if name.startswith(("experts:", "expert-"))]


def _samples(owner_unit: Any, owner_region: Region) -> dict[str, Any]:
    from kesu.indicators.testing import import_published_plan

    samples = url_samples(owner_unit, owner_region, None)
    plan = import_published_plan(owner_region)
    samples["target_id"] = Target.objects.filter(task__plan=plan).values_list("pk", flat=True).first()
    samples["region_code"] = owner_region.code
    samples["format"] = "json"
    return samples


def test_no_persona_reads_or_changes_experts_outside_its_scope(world: World) -> None:
    baofeng = Region.objects.get(code="410421000000")
    county = account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)
    scenarios = [
        ("联络员", world.edu_liaison, _samples(world.kexie, world.pingyin)),
        ("新郑市素质办", world.xz_office, _samples(world.pingyin_kexie, world.pingyin)),
        ("宝丰县素质办", county, _samples(world.edu_bureau, world.pingdingshan)),
    ]
    for persona, user, samples in scenarios:
        client = Client()
        client.force_login(user)
        for name, kwargs in _ours():
            url = build_url(name, kwargs, samples)
            response = client.get(url)
            if set(kwargs) - {"format"}:
                assert response.status_code in (403, 404, 405), (
                    f"{persona} GET {url} → {response.status_code}"
                )
            shown = shows_private(response.content, samples["private_texts"])
            assert shown is None, f"{persona} reads “{shown}” on {url}"
            before = AuditEvent.objects.count()
            client.post(url, {**WRITE, "region_code": samples["region_code"]})
            if set(kwargs) - {"format"}:
                assert AuditEvent.objects.count() == before, f"{persona} POST {url} wrote something"


def test_a_leader_reads_the_experts_pages_and_writes_nothing(world: World) -> None:
    samples = _samples(world.edu_bureau, world.pingdingshan)
    client = Client()
    client.force_login(world.pds_leader)
    for name, kwargs in _ours():
        url = build_url(name, kwargs, samples)
        assert client.get(url).status_code in (200, 403, 405), url
        before = AuditEvent.objects.count()
        assert client.post(url, {**WRITE, "reason": "越权"}).status_code in (302, 403, 404, 405), url
        assert AuditEvent.objects.count() == before, f"leader's POST to {url} wrote something"


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    samples = _samples(world.edu_bureau, world.pingdingshan)
    for name, kwargs in _ours():
        response = Client().get(build_url(name, kwargs, samples))
        assert response.status_code in (302, 401, 403), name

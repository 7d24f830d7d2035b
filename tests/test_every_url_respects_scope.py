"""Walk every URL pattern with every persona, so a new page cannot forget the access rules.

For each persona the URL keywords are filled with an object that persona must not reach:
the 教育体育局 liaison gets 平顶山市科协's objects, 新郑市's office gets 平阴县's, and so on. A
keyword this test does not know makes it fail: add a sample for it when you add a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kesu.core.jobs import start_job
from kesu.core.models import AuditEvent, Job
from kesu.core.registry import app_modules
from kesu.testing import World

# Pages anyone may open without signing in.
PUBLIC = {"accounts:login", "core:health", "logout", "survey:public_start", "survey:respond", "indicators:public"}
# Writes to one's own session or account, which every signed-in user may make.
SELF_SERVICE = {"accounts:token_reset", "core:switch_region", "logout"}


def url_names() -> Iterator[tuple[str, list[str]]]:
    def walk(patterns: list[Any], namespace: str) -> Iterator[tuple[str, list[str]]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern):
                assert entry.name, f"URL pattern {entry.pattern} has no name: name it so this test covers it"
                yield f"{namespace}{entry.name}", list(entry.pattern.regex.groupindex)

    seen = set()
    for name, kwargs in walk(get_resolver().url_patterns, ""):
        if (name, tuple(kwargs)) not in seen:
            seen.add((name, tuple(kwargs)))
            yield name, kwargs


def forbidden_objects(world: World, owner_unit: Any, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """Objects out of a persona's reach, keyed by the URL keyword that names them."""
    event = AuditEvent.objects.for_target(owner_unit).first()
    assert event is not None
    job = start_job(owner_user, "audit_export", "导出审计日志")
    samples = {
        "unit_id": owner_unit.pk, "region_code": owner_region.code, "event_id": event.pk, "job_id": job.pk,
        "unit-detail:pk": owner_unit.pk, "audit-event-detail:pk": event.pk, "region-detail:code": owner_region.code,
        "format": "json",
    }
    # Each app's testing.url_samples adds objects for its own URL keywords.
    for module in app_modules("testing"):
        samples.update(module.url_samples(owner_unit, owner_region, owner_user))
    return samples


def build_url(name: str, kwargs: list[str], samples: dict[str, Any]) -> str:
    values = {}
    for key in kwargs:
        short = name.split(":")[-1].replace("-format-suffix", "")
        sample = samples.get(f"{short}:{key}", samples.get(key))
        assert sample is not None, f"{name} takes '{key}': add a sample object for it to this test"
        values[key] = sample
    return reverse(name, kwargs=values)


def leaks(body: bytes, owner_unit: Any) -> bool:
    return f"/regions/units/{owner_unit.pk}/".encode() in body or f'"id":{owner_unit.pk},"region"'.encode() in body


@pytest.fixture
def scenarios(world: World) -> list[tuple[str, Any, Any, dict[str, Any]]]:
    """(persona name, user, the unit they must not reach, samples pointing at that unit's world)."""
    return [
        ("教育体育局联络员", world.edu_liaison, world.kexie,
         forbidden_objects(world, world.kexie, world.pingyin, world.kexie_liaison)),
        ("新郑市素质办", world.xz_office, world.pingyin_kexie,
         forbidden_objects(world, world.pingyin_kexie, world.pingyin, world.py_office)),
    ]


@pytest.mark.django_db
def test_anonymous_visitors_reach_only_public_pages(world: World, scenarios: list) -> None:
    samples = scenarios[0][3]
    client = Client()
    for name, kwargs in url_names():
        if name in PUBLIC:
            continue
        response = client.get(build_url(name, kwargs, samples))
        assert response.status_code in (302, 401, 403), f"{name} answered {response.status_code} to anonymous"
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login")), name


@pytest.mark.django_db
def test_no_persona_reads_or_changes_what_lies_outside_its_scope(world: World, scenarios: list) -> None:
    for persona, user, owner_unit, samples in scenarios:
        client = Client()
        client.force_login(user)
        for name, kwargs in url_names():
            url = build_url(name, kwargs, samples)
            response = client.get(url)
            detail_of_other = bool(set(kwargs) - {"format"})
            if detail_of_other:
                assert response.status_code in (403, 404, 405), f"{persona} GET {url} → {response.status_code}"
            assert not leaks(response.content, owner_unit), f"{persona} sees {owner_unit} on {url}"
            events_before = AuditEvent.objects.for_target(owner_unit).count()
            unit_before = type(owner_unit).objects.filter(pk=owner_unit.pk).values().get()
            client.post(url, {"name": "改名", "alias": "别名", "region_code": samples["region_code"]})
            client.patch(url, data='{"name": "改名"}', content_type="application/json")
            assert AuditEvent.objects.for_target(owner_unit).count() == events_before, f"{persona} POST {url}"
            assert type(owner_unit).objects.filter(pk=owner_unit.pk).values().get() == unit_before, url


@pytest.mark.django_db
def test_a_leader_writes_nothing_anywhere(world: World) -> None:
    own = forbidden_objects(world, world.edu_bureau, world.pingdingshan, world.pds_leader)
    client = Client()
    client.force_login(world.pds_leader)
    for name, kwargs in url_names():
        if name in SELF_SERVICE:
            continue
        url = build_url(name, kwargs, own)
        events_before = AuditEvent.objects.count()
        jobs_before = Job.objects.count()
        response = client.post(url, {"name": "领导改名", "alias": "领导别名", "username": "x", "role": "office"})
        assert response.status_code in (302, 403, 404, 405), f"leader POST {url} → {response.status_code}"
        assert AuditEvent.objects.count() == events_before, f"leader's POST to {url} wrote something"
        assert Job.objects.count() == jobs_before, f"leader's POST to {url} started a job"

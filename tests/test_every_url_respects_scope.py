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

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.core.jobs import start_job
from kesu.core.models import AuditEvent, Job
from kesu.core.registry import app_modules
from kesu.regions.models import Region
from kesu.testing import PASSWORD, World

# Pages anyone may open without signing in.
PUBLIC = {
    "accounts:login",
    "core:health",
    "logout",
    "survey:public_start",
    "survey:respond",
    "indicators:public",
    "venues:public",
    "venues:annual_public",
    "volunteers:check",
}
# Whole namespaces of public pages: an own contest's phone page and its API (no sign-in; the contest's
# public key in the URL, then the participant's signed cookie: src/kesu/contests/tests/test_play_api.py).
PUBLIC_NAMESPACES = ("contest_public:",)
# Writes to one's own session or account, which every signed-in user may make.
SELF_SERVICE = {
    "accounts:token_reset",
    "accounts:tokens",
    "accounts:token_revoke",  # one's own token; another's is refused (accounts/tests/test_tokens.py)
    "accounts:password_change",
    "core:switch_region",
    "logout",
    "messaging:preferences",  # one's own mobile, e-mail and channels (audited as the user's own change)
    "message-read",  # marks one's own message read (the API answers 200)
    "message-read-all",
}
# A POST body that every write form would accept if the persona were allowed: a rename, an entry
# save, a submit, an approval, a 督办 step, a reopening, a 考核 judgement.
WRITE = {
    "name": "改名",
    "alias": "别名",
    "decision": "approve",
    "version": "1",
    "status": "in_progress",
    "percent": "50",
    "narrative": "越权填写",
    "step": "sign",
    "response": "越权反馈",
    "reason": "越权",
    "note": "越权",
    "requirement": "越权督办",
    "deadline": "2099-12-31",
    "quality": "18",
    "comment": "越权",
}


def url_names() -> Iterator[tuple[str, list[str]]]:
    def walk(patterns: list[Any], namespace: str, outer: list[str]) -> Iterator[tuple[str, list[str]]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                # An include's own keywords (/c/<key>/api/…) belong to every URL beneath it.
                yield from walk(entry.url_patterns, ns, [*outer, *entry.pattern.regex.groupindex])
            elif isinstance(entry, URLPattern):
                assert entry.name, f"URL pattern {entry.pattern} has no name: name it so this test covers it"
                yield f"{namespace}{entry.name}", [*outer, *entry.pattern.regex.groupindex]

    seen = set()
    for name, kwargs in walk(get_resolver().url_patterns, "", []):
        if (name, tuple(kwargs)) not in seen:
            seen.add((name, tuple(kwargs)))
            yield name, kwargs


def forbidden_objects(world: World, owner_unit: Any, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """Objects out of a persona's reach, keyed by the URL keyword that names them."""
    event = AuditEvent.objects.for_target(owner_unit).first()
    assert event is not None
    job = start_job(owner_user, "audit_export", "导出审计日志")
    samples = {
        "unit_id": owner_unit.pk,
        "region_code": owner_region.code,
        "event_id": event.pk,
        "job_id": job.pk,
        "unit-detail:pk": owner_unit.pk,
        "audit-event-detail:pk": event.pk,
        "region-detail:code": owner_region.code,
        "format": "json",
    }
    # Each app's testing.url_samples adds objects for its own URL keywords.
    for module in app_modules("testing"):
        part = dict(module.url_samples(owner_unit, owner_region, owner_user))
        texts = [*samples.get("private_texts", []), *part.pop("private_texts", [])]
        samples.update(part, private_texts=texts)  # every app's private texts, not the last app's
    return samples


def build_url(name: str, kwargs: list[str], samples: dict[str, Any]) -> str:
    values = {}
    for key in kwargs:
        short = name.split(":")[-1].replace("-format-suffix", "")
        sample = samples.get(f"{short}:{key}", samples.get(key))
        assert sample is not None, f"{name} takes '{key}': add a sample object for it to this test"
        values[key] = sample
    return reverse(name, kwargs=values)


def leaks(body: bytes, owner_unit: Any, url: str) -> bool:
    """Whether the page links to the owner's unit or serialises it (the page's own address, which the
    layout repeats for the region switcher's way back, is not a leak)."""
    body = body.replace(f'value="{url}"'.encode(), b"")
    return (
        f"/regions/units/{owner_unit.pk}/".encode() in body
        or f'"id":{owner_unit.pk},"region"'.encode() in body
    )


def private_texts(owner_unit: Any, samples: dict[str, Any]) -> list[str]:
    """What only the owner's side may read: its unit's name, and what it wrote (each app's
    ``url_samples`` lists its own under ``private_texts``, e.g. a report's narrative)."""
    return [owner_unit.name, *samples.get("private_texts", [])]


def shows_private(body: bytes, texts: list[str]) -> str | None:
    """The first private text the page shows, if any."""
    page = body.decode("utf-8", errors="ignore")
    return next((text for text in texts if text in page), None)


@pytest.fixture
def scenarios(world: World) -> list[tuple[str, Any, Any, dict[str, Any]]]:
    """(persona name, user, the unit they must not reach, samples pointing at that unit's world)."""
    baofeng = Region.objects.get(code="410421000000")  # a county under 平顶山市
    county_office = account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)
    return [
        (
            "教育体育局联络员",
            world.edu_liaison,
            world.kexie,
            forbidden_objects(world, world.kexie, world.pingyin, world.kexie_liaison),
        ),
        (
            "新郑市素质办",
            world.xz_office,
            world.pingyin_kexie,
            forbidden_objects(world, world.pingyin_kexie, world.pingyin, world.py_office),
        ),
        (
            "宝丰县素质办（平顶山市下级）",
            county_office,
            world.edu_bureau,
            forbidden_objects(world, world.edu_bureau, world.pingdingshan, world.edu_liaison),
        ),
    ]


@pytest.mark.django_db
def test_anonymous_visitors_reach_only_public_pages(world: World, scenarios: list) -> None:
    samples = scenarios[0][3]
    client = Client()
    for name, kwargs in url_names():
        if name in PUBLIC or name.startswith(PUBLIC_NAMESPACES):
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
                assert response.status_code in (403, 404, 405), (
                    f"{persona} GET {url} → {response.status_code}"
                )
            assert not leaks(response.content, owner_unit, url), f"{persona} sees {owner_unit} on {url}"
            shown = shows_private(response.content, private_texts(owner_unit, samples))
            assert shown is None, f"{persona} reads “{shown}” on {url}"
            # A URL naming another's object may write nothing at all; a list or "new" URL writes, if
            # anything, in the persona's own scope, never on the owner's unit.
            events = (
                AuditEvent.objects.all() if detail_of_other else AuditEvent.objects.for_target(owner_unit)
            )
            events_before = events.count()
            unit_before = type(owner_unit).objects.filter(pk=owner_unit.pk).values().get()
            client.post(url, {**WRITE, "region_code": samples["region_code"]})
            client.patch(url, data='{"name": "改名"}', content_type="application/json")
            if name not in SELF_SERVICE:
                assert events.count() == events_before, f"{persona} POST {url} wrote something"
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
        response = client.post(url, {**WRITE, "username": "x", "role": "office"})
        assert response.status_code in (302, 403, 404, 405), f"leader POST {url} → {response.status_code}"
        assert AuditEvent.objects.count() == events_before, f"leader's POST to {url} wrote something"
        assert Job.objects.count() == jobs_before, f"leader's POST to {url} started a job"

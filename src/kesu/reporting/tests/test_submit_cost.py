"""What a submit costs in SQL statements, with the scope remembered in the session and without it.

Submitting is the hot path at a deadline (200 units in the same minute). Run with ``-s`` to print the
statements and Python calls of each variant (the figures quoted in docs/architecture.md, 谁能看到什么)."""

from __future__ import annotations

import cProfile
import pstats

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.testing import World

REMEMBERED = "kesu.accounts.middleware.RememberedAccessMiddleware"


def _submit(world: World) -> tuple[list[str], int]:
    """The SQL and Python calls of one submit POST from a session that just opened the report page."""
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    client = Client()
    client.force_login(world.edu_liaison)
    client.get(report.get_absolute_url())
    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profile.enable()
        response = client.post(f"/reporting/reports/{report.pk}/submit/")
        profile.disable()
    assert response.status_code == 302
    calls = sum(counts[1] for counts in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]
    return [query["sql"] for query in queries.captured_queries], calls


@pytest.mark.django_db
def test_a_submit_from_a_session_does_not_query_the_memberships_again(world: World) -> None:
    _submit(world)  # the first request of the process pays for imports and caches
    remembered, remembered_calls = _submit(world)
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != REMEMBERED]):
        per_request, per_request_calls = _submit(world)
    print(
        f"\n{connection.vendor}: remembered {len(remembered)} statements / {remembered_calls} calls; "
        f"per request {len(per_request)} statements / {per_request_calls} calls"
    )
    assert not any("accounts_membership" in sql for sql in remembered)
    assert [sql for sql in per_request if "accounts_membership" in sql] != []
    assert len(per_request) == len(remembered) + 1

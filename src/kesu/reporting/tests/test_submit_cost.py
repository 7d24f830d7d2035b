"""What a submit costs in SQL statements, with the scope remembered in the session and without it.

Submitting is the hot path at a deadline (200 units in the same minute). Run with ``-s`` to print the
statements and Python calls of each variant (the figures quoted in docs/architecture.md, 谁能看到什么)."""

from __future__ import annotations

import cProfile
import pstats
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from kesu.reporting import actions
from kesu.reporting.models import Report
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


DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}


def _filled_report(world: World, settings: Any) -> Report:
    """The education bureau's report, filled in, with the database queue (the default outside tests)."""
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    settings.TASKS = DATABASE_QUEUE
    return report


def _queued() -> Any:
    """The one task the submit queued, and the arguments it carries."""
    from django_tasks.backends.database.models import DBTaskResult

    [queued] = DBTaskResult.objects.all()
    return queued, queued.args_kwargs["args"]


@pytest.mark.django_db
def test_with_the_database_queue_a_submit_queues_its_audit_event_and_the_office_s_message_in_its_transaction(
    world: World, settings: Any
) -> None:
    from kesu.core.audit import request_origin, verify_chain
    from kesu.core.models import AuditEvent
    from kesu.messaging.models import Message

    report = _filled_report(world, settings)
    # The test runs inside a transaction that never commits: what is queued on commit never shows.
    with CaptureQueriesContext(connection) as queries, request_origin("10.0.0.7", "Firefox"):
        submission = actions.submit_report(world.edu_liaison, report.pk)
    statements = [query["sql"] for query in queries.captured_queries]
    assert [sql for sql in statements if "core_auditevent" in sql] == []  # no chain lock in the request
    queued, args = _queued()
    assert args[:3] == [report.pk, 1, world.edu_liaison.pk]
    # The worker writes the event as of the request, then tells the office; a second run adds nothing.
    for _ in range(2):
        queued.task.call(*args)
    [event] = AuditEvent.objects.filter(verb="report.submit")
    assert (event.actor, event.target_id, event.region) == (
        world.edu_liaison,
        str(report.pk),
        world.pingdingshan,
    )
    assert (event.ip, event.user_agent, event.at) == ("10.0.0.7", "Firefox", submission.submitted_at)
    assert event.before == {"status": "draft", "round": 0}
    assert event.target_repr == str(report)
    assert verify_chain()[1] is None
    assert Message.objects.filter(recipient=world.pds_office, key=f"submitted:{report.pk}:1").count() == 1


@pytest.mark.django_db
def test_a_submit_whose_report_is_deleted_before_the_worker_runs_is_still_in_the_trail(
    world: World, settings: Any
) -> None:
    from kesu.core.models import AuditEvent

    report = _filled_report(world, settings)
    actions.submit_report(world.edu_liaison, report.pk)
    queued, args = _queued()
    report.cycle.plan.delete()
    assert queued.task.call(*args) == 0
    [event] = AuditEvent.objects.filter(verb="report.submit")
    assert (event.actor, event.target_id, event.target_repr) == (
        world.edu_liaison,
        str(report.pk),
        f"报送 #{report.pk}（已删除）",
    )


@pytest.mark.django_db
def test_a_refused_submit_queues_nothing(world: World, settings: Any) -> None:
    from django_tasks.backends.database.models import DBTaskResult

    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)  # nothing filled in
    settings.TASKS = DATABASE_QUEUE
    with pytest.raises(actions.ReportingError):
        actions.submit_report(world.edu_liaison, report.pk)
    assert not DBTaskResult.objects.exists()

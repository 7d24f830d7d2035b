"""The audit trail is tamper-evident and says where each event came from; its exports are audited."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from kesu.core import audit
from kesu.core.audit import verify_chain
from kesu.core.models import AuditEvent
from kesu.regions import actions as region_actions
from kesu.testing import World

pytestmark = pytest.mark.django_db


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_an_untouched_trail_verifies(world: World) -> None:
    unit = region_actions.create_unit(world.pds_office, world.pingdingshan, "市卫健委")
    audit.record(world.pds_office, "unit.update", unit, before={"x": 1.0, "y": [1e20, {"b": 2, "a": None}]})
    assert "OK" in verify()
    assert verify_chain() == (AuditEvent.objects.count(), None)
    assert all(len(h) == 64 for h in AuditEvent.objects.values_list("hash", flat=True))


def test_a_row_changed_in_the_database_is_named_by_verify_audit(world: World) -> None:
    unit = region_actions.create_unit(world.pds_office, world.pingdingshan, "市卫健委")
    target = AuditEvent.objects.get(verb="unit.create", target_id=str(unit.pk))
    for _ in range(3):
        region_actions.create_unit(world.pds_office, world.pingdingshan, f"单位{_}")
    with connection.cursor() as cursor:  # what someone with database access could do
        cursor.execute("UPDATE core_auditevent SET note = %s WHERE id = %s", ["无事发生", target.pk])
    with pytest.raises(CommandError) as broken:
        verify()
    assert broken.value.returncode == 1
    assert f"id={target.pk}" in str(broken.value) and "被改动" in str(broken.value)


def test_a_deleted_row_breaks_the_chain_at_the_next_one(world: World) -> None:
    for n in range(3):
        region_actions.create_unit(world.pds_office, world.pingdingshan, f"单位{n}")
    last_three = list(AuditEvent.objects.order_by("-pk")[:3])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [last_three[1].pk])
    checked, broken = verify_chain()
    assert broken is not None and broken.pk == last_three[0].pk


def test_every_event_carries_the_client_address_and_browser(world: World, client_for, settings) -> None:
    import ipaddress

    settings.KESU_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    client = client_for(world.pds_office)
    client.post(
        "/regions/units/new/",
        {"name": "市气象局", "kind": "government"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
        HTTP_USER_AGENT="Mozilla/5.0 测试",
    )
    event = AuditEvent.objects.filter(actor=world.pds_office).latest("pk")
    assert (event.ip, event.user_agent) == ("198.51.100.23", "Mozilla/5.0 测试")
    # Outside a request (commands, workers) there is no address to give.
    assert region_actions.create_unit(None, world.pingdingshan, "市档案局") and (
        AuditEvent.objects.latest("pk").ip is None
    )


def test_exporting_the_audit_log_and_personal_data_is_audited(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    assert client.get("/audit/?format=xlsx").status_code == 200
    assert client.get("/accounts/users/?format=xlsx").status_code == 200
    exports = AuditEvent.objects.filter(verb="export", actor=world.pds_office).order_by("pk")
    assert [e.target_repr for e in exports] == ["审计日志.xlsx", "用户.xlsx"]
    assert (exports[1].after or {})["rows"] >= 1
    # The office reads its own exports in the trail (they belong to its region).
    assert exports[1].region == world.pingdingshan


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writers already take turns (IMMEDIATE transactions); the lock is PostgreSQL's")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                region_actions.create_unit(None, world.pingdingshan, f"并发{n}-{i}")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert verify_chain()[1] is None
    hashes = list(AuditEvent.objects.values_list("hash", flat=True))
    assert len(set(hashes)) == len(hashes)


@pytest.mark.django_db
def test_the_demo_loader_reseals_the_history_it_dated_back(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kesu.core.audit import reseal_chain
    from kesu.core.demo import DemoAccounts, seal_demo_trail

    events = AuditEvent.objects.order_by("pk")
    AuditEvent.objects.filter(pk=events[3].pk).update(at=timezone.now() - timedelta(days=200))
    assert verify_chain()[1] == events[3]
    seal_demo_trail(DemoAccounts())
    assert verify_chain()[1] is None
    assert reseal_chain() == 0  # a whole chain is left as it is

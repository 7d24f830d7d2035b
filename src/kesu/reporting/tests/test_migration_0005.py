"""Migration 0005 on existing data: notices that got the same number are renumbered before the number
becomes unique, each region's sequence starts after its highest number, and a reopening's comment
prefix becomes ``Report.reopened``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kesu.reporting import actions, supervision
from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.testing import World

BEFORE = [("reporting", "0004_scheme_open_cycles_score_not_applicable")]
AFTER = [("reporting", "0005_notice_numbers_reopened_entry_roles")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate the test database to ``targets``; the apps (historical models) of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_duplicate_numbers_and_reopenings_survive_the_migration(world: World) -> None:
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    entry = cycle.reports.get(unit=world.edu_bureau).entries.first()
    assert entry is not None
    first = supervision.issue_notice(None, entry.task, world.edu_bureau, "请推进", date(2099, 7, 31))
    report = cycle.reports.get(unit=world.kexie)
    fill_report(report, world.kexie_liaison)
    actions.submit_report(world.kexie_liaison, report)
    actions.review_report(world.pds_office, report, approve=True, comments={})
    actions.reopen_report(world.pds_office, report, "数据有误")
    try:
        old = _migrate(BEFORE)
        old_report = old.get_model("reporting", "Report").objects.get(pk=report.pk)
        assert old_report.review_comment == "重新开放：数据有误"
        notice_model = old.get_model("reporting", "Notice")
        twin = notice_model.objects.create(
            region_id=first.region_id,
            task_id=first.task_id,
            unit_id=world.kexie.pk,
            number=first.number,
            requirement="同号",
            deadline=date(2099, 7, 31),
            issued_at=timezone.now(),
        )
        new = _migrate(AFTER)
        renumbered = new.get_model("reporting", "Notice").objects.get(pk=twin.pk).number
        year = first.number[2:6]
        assert (first.number, renumbered) == (f"督〔{year}〕1号", f"督〔{year}〕2号")
        assert new.get_model("reporting", "NoticeSequence").objects.get(region_id=first.region_id).last == 2
        migrated = new.get_model("reporting", "Report").objects.get(pk=report.pk)
        assert migrated.reopened and migrated.review_comment == "数据有误"
    finally:
        _migrate(_latest())


def _latest() -> list[tuple[str, str]]:
    """Every app's last migration: going back to reporting 0004 also unapplied the apps that depend on
    reporting (activities among them), and the tests after this one need their tables."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()

"""A contest beside the plan task that asks for it, and an own contest's individual standings in its 通报."""

from __future__ import annotations

import io
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from docx import Document

from kesu.contests import actions
from kesu.contests.notice import notice_docx
from kesu.contests.testing import make_contest, unit_row
from kesu.reporting.models import Entry
from kesu.reporting.testing import open_test_cycle

pytestmark = pytest.mark.django_db


def test_the_task_page_of_a_units_report_lists_the_linked_contest_with_the_units_own_figures(
    world: Any, client_for: Any
) -> None:
    cycle = open_test_cycle(world.edu_bureau)
    entry = (
        Entry.objects.filter(report__cycle=cycle, report__unit=world.edu_bureau)
        .order_by("task__order")
        .first()
    )
    assert entry is not None
    contest = make_contest(world.pingdingshan, "全民科学素质网络竞赛", plan_tasks=[entry.task])
    rows = [unit_row(world.edu_bureau, 900, 2_000), unit_row(world.kexie, 300, 900)]
    actions.import_results(None, contest, rows, filename="平台导出.xlsx")
    page = client_for(world.edu_liaison).get(f"/reporting/entries/{entry.pk}/").content.decode()
    panel = page[page.index('id="linked-contests"') :]
    assert "全民科学素质网络竞赛" in panel and "本单位 900 人、2000 人次" in panel
    assert f'href="/contests/{contest.pk}/"' not in panel  # a liaison reads no contest page
    assert "300 人" not in panel


def test_a_task_without_a_contest_shows_no_contest_panel(world: Any, client_for: Any) -> None:
    cycle = open_test_cycle(world.edu_bureau)
    entry = Entry.objects.filter(report__cycle=cycle, report__unit=world.edu_bureau).first()
    assert entry is not None
    assert (
        'id="linked-contests"'
        not in client_for(world.edu_liaison).get(f"/reporting/entries/{entry.pk}/").content.decode()
    )


def test_an_own_contests_notice_lists_the_top_participants_it_is_given(world: Any) -> None:
    contest = actions.create_contest(
        None,
        world.pingdingshan,
        name="平顶山市科普知识竞赛",
        level="city",
        kind="own",
        year=2025,
        opens_at=timezone.make_aware(datetime(2025, 9, 1)),
        closes_at=timezone.make_aware(datetime(2025, 9, 28)),
    )
    top = [
        SimpleNamespace(
            rank=1, name="张三", region_name="新华区", unit_name="", score=100, duration_ms=61_500
        )
    ]
    document = Document(io.BytesIO(notice_docx(contest, top=top)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "个人成绩" in "\n".join(p.text for p in document.paragraphs)
    assert cells[-6:] == ["1", "张三", "新华区", "", "100", "61.5"]

"""The half-year report link: a task shows the unit's adopted activities; their figures fill the target
values only when the liaison accepts them."""

from __future__ import annotations

import pytest

from kesu.activities.tests.camp_support import activity, moment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def entry(world):
    """市教育体育局 leads task 1 (target 个 150) in 平顶山市's 2025H1 cycle."""
    from kesu.reporting.testing import open_test_cycle

    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    report = cycle.reports.get(unit=world.edu_bureau)
    return report.entries.get(task__order=1)


def _linked(world, entry, **fields):
    row = activity(world.edu_bureau, when=moment(2025, 3, 10), **fields)
    row.tasks.add(entry.task)
    return row


def test_the_task_page_lists_linked_adopted_activities_and_fills_nothing_by_itself(world, entry, client_for):
    _linked(world, entry, name="校园科普讲座")
    _linked(world, entry, name="未审核的讲座", adopt=False)
    activity(world.edu_bureau, when=moment(2025, 3, 11), name="未关联的讲座")
    page = client_for(world.edu_liaison).get(f"/reporting/entries/{entry.pk}/").content.decode()
    assert "关联的科普活动" in page and "校园科普讲座" in page
    assert "未审核的讲座" not in page and "未关联的讲座" not in page
    assert "采用这些数据" in page
    assert not entry.values.exists()


def test_accepting_fills_the_target_with_the_number_of_activities(world, entry, client_for):
    _linked(world, entry)
    _linked(world, entry)
    entry.refresh_from_db()
    response = client_for(world.edu_liaison).post(
        f"/activities/report-entries/{entry.pk}/accept/", {"version": entry.version}
    )
    assert response.status_code == 302
    assert [v.value for v in entry.values.all()] == [2.0]  # target in 个: the number of activities


def test_activities_outside_the_report_period_are_not_shown(world, entry, client_for):
    row = activity(world.edu_bureau, when=moment(2025, 8, 10), name="下半年的讲座")
    row.tasks.add(entry.task)
    page = client_for(world.edu_liaison).get(f"/reporting/entries/{entry.pk}/").content.decode()
    assert "下半年的讲座" not in page


def test_another_units_liaison_cannot_accept_for_the_entry(world, entry, client_for):
    _linked(world, entry)
    entry.refresh_from_db()
    response = client_for(world.kexie_liaison).post(
        f"/activities/report-entries/{entry.pk}/accept/", {"version": entry.version}
    )
    assert response.status_code in (403, 404)
    assert not entry.values.exists()


def test_a_stale_page_does_not_overwrite_a_newer_save(world, entry, client_for):
    _linked(world, entry)
    entry.refresh_from_db()
    client_for(world.edu_liaison).post(
        f"/activities/report-entries/{entry.pk}/accept/", {"version": entry.version - 1}
    )
    assert not entry.values.exists()

"""The indicator figures follow the rows: after 采用, 批量采用 and an import they are recomputed on
commit, once per batch."""

from __future__ import annotations

import pytest

from kesu.activities import actions, actions_campaigns
from kesu.activities.models import Activity, CountWhat
from kesu.activities.tests.camp_support import activity, moment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rule(world):
    from kesu.plans.models import Target
    from kesu.plans.testing import plan_with_task_led_by

    _plan, task = plan_with_task_led_by(world.edu_bureau)
    target = Target.objects.create(task=task, indicator="科普活动", value=5, unit="场", per_year=True)
    return actions_campaigns.set_count_rule(None, target, what=CountWhat.ACTIVITIES)


def _figure(year: int = 2025) -> float | None:
    from kesu.indicators.models import IndicatorValue

    value = IndicatorValue.objects.filter(indicator__code="science_activity_count", period=str(year)).first()
    return value.value if value is not None else None


def _submitted(world, n: int) -> list[Activity]:
    rows = [activity(world.edu_bureau, adopt=False, when=moment(2025, 4, day)) for day in range(1, n + 1)]
    return [actions.submit_activity(None, row) for row in rows]


def test_adopting_one_activity_updates_the_activity_count_once_committed(
    world, rule, django_capture_on_commit_callbacks
):
    (row,) = _submitted(world, 1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.review_activity(None, row, actions.ADOPT)
    assert _figure() == 1


def test_returning_an_activity_leaves_the_figures_alone(world, rule, django_capture_on_commit_callbacks):
    (row,) = _submitted(world, 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.review_activity(None, row, actions.RETURN, "照片不清楚")
    assert callbacks == []
    assert _figure() is None


def test_bulk_adoption_recomputes_the_figures_once_for_the_whole_batch(
    world, rule, django_capture_on_commit_callbacks
):
    rows = _submitted(world, 3)
    chosen = Activity.objects.filter(pk__in=[row.pk for row in rows])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert actions.adopt_activities(None, chosen, region=world.pingdingshan) == 3
    assert len(callbacks) == 1
    assert _figure() == 3


def test_an_import_recomputes_the_figures_once_for_the_file(world, rule, django_capture_on_commit_callbacks):
    activity(world.edu_bureau, when=moment(2025, 3, 1))  # adopted before the import, recorded on refresh
    rows = [
        actions.ImportRow(
            line=line,
            unit=world.edu_bureau,
            fields={
                "name": f"导入讲座{line}",
                "kind": "lecture",
                "starts_at": moment(2025, 6, line),
                "ends_at": moment(2025, 6, line, 11),
                "region": world.edu_bureau.region,
                "attendance": 50,
                "count_method": "sign_in",
            },
            organisers=actions.Organisers(),
        )
        for line in range(2, 6)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert actions.import_activities(None, world.pingdingshan, rows, filename="a.xlsx") == 4
    assert len(callbacks) == 1
    assert _figure() == 1  # imported rows are not adopted yet: the figure is the adopted one

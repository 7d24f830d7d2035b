"""The survey at a province's scale: compact sheets, bulk writes, fresh statistics, the command's estimates."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from kesu.core.models import Job, JobStatus
from kesu.survey import actions, sheets
from kesu.survey.clifile import app_and_cli_estimates
from kesu.survey.models import Answer, Respondent, RespondentResult, Wave
from kesu.survey.tests.conftest import RESPONSE_HEADERS, csv_bytes, response_rows, towns_of

pytestmark = pytest.mark.django_db


def _import(world: Any, wave: Wave, rows: list[list[Any]]) -> int:
    return actions.import_responses(world.py_office, wave, csv_bytes(RESPONSE_HEADERS, rows), "paper.csv")


def _estimate(world: Any, wave: Wave, capture: Any) -> Job:
    with capture(execute=True):
        job = actions.start_estimation(world.py_office, wave)
    job.refresh_from_db()
    return job


def test_the_apps_estimates_equal_kesu_survey_estimate_on_a_file_of_the_same_respondents(
    world: Any, pingyin_wave: Wave, django_capture_on_commit_callbacks: Any
) -> None:
    _import(world, pingyin_wave, response_rows(towns_of(world.pingyin), n=120))
    job = _estimate(world, pingyin_wave, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED
    pairs = app_and_cli_estimates(pingyin_wave, ["sex", "urban_rural"])
    assert {(ours.by, ours.level) for ours, _theirs in pairs} >= {
        ("", ""),
        ("sex", "女"),
        ("region", "孝直镇"),
    }
    for ours, theirs in pairs:
        assert ours.estimate == pytest.approx(theirs["estimate"], abs=1e-12)
        assert ours.se == pytest.approx(theirs["se"], rel=1e-9)
        assert ours.n == theirs["n"]


def test_imported_answers_are_stored_as_one_sheet_per_respondent_and_no_answer_rows(
    world: Any, pingyin_wave: Wave
) -> None:
    rows = response_rows(towns_of(world.pingyin), n=6)
    rows[0][-5:] = ["对", "", "B", "修正", "煤|太阳能"]
    assert _import(world, pingyin_wave, rows) == 6
    respondent = Respondent.objects.get(external_id="R0000")
    items = list(pingyin_wave.instrument.items.order_by("order"))
    assert [sheets.choice_of(i.options, m) for i, m in zip(items, respondent.sheet or [], strict=True)] == [
        "对",
        "",
        "错",
        "修正",
        "太阳能|煤",
    ]
    assert not Answer.objects.exists()
    assert len({r.code for r in Respondent.objects.all()}) == 6  # each its own code


def test_a_file_wrong_in_many_places_names_the_first_rows_in_order_and_counts_the_rest(
    world: Any, pingyin_wave: Wave
) -> None:
    rows = response_rows(towns_of(world.pingyin), n=40)
    for row in rows:
        row[-1] = "石油"  # not an option of A1, on every row
    rows[1][4] = "二十"
    with pytest.raises(actions.SurveyError) as refused:
        _import(world, pingyin_wave, rows)
    message = refused.value.message
    assert message.index("第 2 行：题目 A1") < message.index("第 3 行：“年龄”列的“二十”不是数字")
    assert message.index("第 3 行：“年龄”列的“二十”不是数字") < message.index("第 3 行：题目 A1")
    assert "另有 21 处问题未列出" in message
    assert not Respondent.objects.exists()


def test_a_new_estimate_replaces_the_results_of_the_last_one(
    world: Any, pingyin_wave: Wave, django_capture_on_commit_callbacks: Any
) -> None:
    _import(world, pingyin_wave, response_rows(towns_of(world.pingyin)))
    _estimate(world, pingyin_wave, django_capture_on_commit_callbacks)
    first = dict(RespondentResult.objects.values_list("respondent_id", "weight"))
    actions.update_weighting(
        world.py_office,
        pingyin_wave,
        method="none",
        variables=[],
        lonely_psu="fail",
        trim_lower=None,
        trim_upper=None,
    )
    _estimate(world, pingyin_wave, django_capture_on_commit_callbacks)
    second = dict(RespondentResult.objects.values_list("respondent_id", "weight"))
    assert first.keys() == second.keys() and len(second) == 72
    base = dict(Respondent.objects.values_list("pk", "unit__base_weight"))
    assert second == base and first != base


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics of PostgreSQL")
def test_a_large_import_and_its_estimate_leave_the_planners_statistics_fresh(
    world: Any, pingyin_wave: Wave, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, pingyin_wave, response_rows(towns_of(world.pingyin), n=600))
    _estimate(world, pingyin_wave, django_capture_on_commit_callbacks)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('survey_respondent', 'survey_respondentresult')"
        )
        counts = dict(cursor.fetchall())
    assert counts == {"survey_respondent": 600, "survey_respondentresult": 600}


def test_stored_answers_pack_into_sheets_as_the_migration_does() -> None:
    items = [(1, ["对", "错"]), (2, ["太阳能", "煤", "风能"]), (3, ["甲", "乙"])]
    answers = [(7, 1, "错"), (7, 2, "太阳能|风能"), (8, 3, "乙"), (8, 2, "")]
    assert sheets.pack_many(items, answers) == {7: [2, 5, 0], 8: [0, 0, 2]}

"""Collection under pressure: full quota cells, a public link hammered from one address, time per item."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core.cache import caches
from openpyxl import load_workbook

from kesu.survey import actions, sheets
from kesu.survey.models import Answer, Respondent, RespondentStatus, Wave
from kesu.survey.tests.conftest import towns_of
from kesu.survey.tests.test_survey import PROFILE, answer_everything, import_responses, response_rows

pytestmark = pytest.mark.django_db

WOMAN = PROFILE  # 女, 34, 大专, 城镇
MAN = PROFILE | {"sex": "男"}


def start_publicly(client: Any, wave: Wave, profile: dict[str, str], **extra: Any) -> Any:
    """The public link as a respondent uses it: press start, then answer the profile."""
    link = f"/survey/q/{wave.public_token}/"
    client.post(link, **extra)
    unit = wave.frame.order_by("pk")[0]
    return client.post(link, profile | {"unit": unit.pk, "step": "profile"}, **extra)


def code_of(response: Any) -> str:
    return str(response["Location"]).rstrip("/").rsplit("/", 1)[1]


def test_a_full_quota_cell_turns_new_respondents_away_politely_but_lets_started_ones_submit(
    world, client_for, pingyin_wave
) -> None:
    office = client_for(world.py_office)
    office.post(f"/survey/waves/{pingyin_wave.pk}/status/", {"status": "open"})
    office.post(f"/survey/waves/{pingyin_wave.pk}/quotas/", {"text": "性别:女=1"})
    started_phone, first_phone = client_for(None), client_for(None)
    started = code_of(start_publicly(started_phone, pingyin_wave, WOMAN))  # in progress before the cell fills
    started_phone.get(f"/survey/r/{started}/")
    started_phone.post(
        f"/survey/r/{started}/", {"item": pingyin_wave.instrument.items.first().pk, "choice": "对"}
    )
    first = code_of(start_publicly(first_phone, pingyin_wave, WOMAN))
    answer_everything(first_phone, first)
    first_phone.post(f"/survey/r/{first}/", {"submit": "1"})
    assert Respondent.objects.get(code=first).is_complete

    late = start_publicly(client_for(None), pingyin_wave, WOMAN)
    assert late.status_code == 200 and "性别为“女”的受访者已经足够" in late.content.decode()
    assert Respondent.objects.count() == 2  # nothing kept of the woman turned away
    invited = actions.issue_codes(world.py_office, pingyin_wave, pingyin_wave.frame.first(), 1)[0]
    by_code = client_for(None).post(f"/survey/r/{invited.code}/", WOMAN)
    assert "已经足够" in by_code.content.decode()
    invited.refresh_from_db()
    assert not invited.has_profile and invited.status == RespondentStatus.INVITED
    assert (
        start_publicly(client_for(None), pingyin_wave, MAN).status_code == 302
    )  # other cells still take people

    answer_everything(started_phone, started)  # the response begun before the cell filled is not lost
    started_phone.post(f"/survey/r/{started}/", {"submit": "1"})
    assert Respondent.objects.get(code=started).is_complete
    page = office.get(f"/survey/waves/{pingyin_wave.pk}/").content.decode()
    assert "已满，停止接收新受访者" in page


def test_the_public_link_leaves_no_empty_rows_and_limits_new_responses_per_address(
    world, client_for, pingyin_wave, settings, monkeypatch
) -> None:
    settings.KESU_SURVEY_STARTS_PER_IP_PER_HOUR = 2
    actions.set_status(world.py_office, pingyin_wave, "open")
    link = f"/survey/q/{pingyin_wave.public_token}/"
    crawler = client_for(None)
    for _ in range(5):
        crawler.get(link)
        crawler.post(link)
    assert not Respondent.objects.exists()  # and the crawler used up none of the starts below

    assert start_publicly(client_for(None), pingyin_wave, WOMAN).status_code == 302
    assert start_publicly(client_for(None), pingyin_wave, MAN).status_code == 302
    refused = start_publicly(client_for(None), pingyin_wave, WOMAN)
    assert refused.status_code == 429 and "请一小时后再试" in refused.content.decode()
    assert Respondent.objects.count() == 2
    other_address = start_publicly(client_for(None), pingyin_wave, WOMAN, REMOTE_ADDR="10.1.2.3")
    assert other_address.status_code == 302 and Respondent.objects.count() == 3
    assert not any("127.0.0.1" in key for key in caches["default"]._cache)  # type: ignore[attr-defined]

    an_hour_later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: an_hour_later)
    assert start_publicly(client_for(None), pingyin_wave, WOMAN).status_code == 302  # the hour has passed


def test_item_statistics_show_the_median_time_per_item_on_the_page_and_in_excel(
    world, client_for, pingyin_wave
) -> None:
    office = client_for(world.py_office)
    actions.set_status(world.py_office, pingyin_wave, "open")
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin), n=6))  # paper: no time
    first_item = pingyin_wave.instrument.items.order_by("order").first()
    for seconds in (4.0, 10.0, 31.0):
        phone = client_for(None)
        code = code_of(start_publicly(phone, pingyin_wave, WOMAN, REMOTE_ADDR=f"10.0.0.{int(seconds)}"))
        answer_everything(phone, code)
        phone.post(f"/survey/r/{code}/", {"submit": "1"})
        Answer.objects.filter(respondent__code=code, item=first_item).update(seconds=seconds)
    page = office.get(f"/survey/waves/{pingyin_wave.pk}/items/").content.decode()
    assert "中位用时（秒）" in page and "10.0" in page and first_item.stem in page
    sheet = load_workbook(
        io.BytesIO(office.get(f"/survey/waves/{pingyin_wave.pk}/items/?format=xlsx").content)
    ).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert sheet["H1"].value == "中位用时（秒）" and len(rows) == 5
    code, _dim, _kind, _stem, answered, skipped, _correct, median, timed = rows[first_item.code]
    assert (answered + skipped, median, timed) == (9, 10.0, 3)
    assert rows["K1"][6] == pytest.approx(
        100
        * sum(
            sheets.choice_of(first_item.options, sheet[0]) == "对"
            for sheet in Respondent.objects.complete().values_list("sheet", flat=True)
        )
        / answered
    )
    assert client_for(world.xz_office).get(f"/survey/waves/{pingyin_wave.pk}/items/").status_code == 404

"""The participant's phone page of an own contest, its region picker data, QR code and certificate, over HTTP."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import segno
from django.test import Client
from django.utils import timezone

from kesu.contests import actions
from kesu.contests.models import Attempt, AttemptItem, Contest, ContestKind, ContestLevel
from kesu.contests.tests import play_support
from kesu.core.models import AuditEvent
from kesu.regions.models import Region, RegionLevel
from kesu.testing import PASSWORD, build_world

pytestmark = pytest.mark.django_db

# The phone pages' contest: the answering tests' own contest (play_support), with a certificate line and a
# shorter draw so a browser test answers a whole attempt quickly.
PAGE_RULES: dict[str, Any] = {
    "draw_rule": {"judge": 2, "single": 1, "multi": 1},
    "attempts_per_day": 3,
    "certificate_threshold": 15,
}


def open_contest(world: Any, **rules: Any) -> Contest:
    return play_support.open_contest(world, **{**PAGE_RULES, **rules})


def town_and_village(county: Region) -> tuple[Region, Region]:
    town = Region(code=county.code[:6] + "001000", name="东风街道", level=RegionLevel.TOWN, parent=county)
    town.path = town.compute_path()
    town.save()
    village = Region(code=county.code[:6] + "001001", name="光明社区", level=RegionLevel.VILLAGE, parent=town)
    village.path = village.compute_path()
    village.save()
    return town, village


def api(client: Client, contest: Contest, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    url = f"/c/{contest.public_key}/api/{path}"
    if method == "GET":
        return client.get(url)
    return client.post(url, body or {}, content_type="application/json")


def register(
    client: Client, contest: Contest, region: Region, phone: str = "13812345678", name: str = "张三丰"
) -> None:
    challenge = api(client, contest, "POST", "challenge").json()
    reply = api(
        client,
        contest,
        "POST",
        "register",
        {
            "phone": phone,
            "name": name,
            "region_code": region.code,
            "challenge": challenge["challenge"],
            "slider": challenge["target"],
            "drag_ms": 900,
        },
    )
    assert reply.status_code == 200, reply.content


def play_attempt(client: Client, contest: Contest, right: bool) -> dict[str, Any]:
    """A full attempt through the API, every answer right (or every answer wrong); returns the RESULT."""
    started = api(client, contest, "POST", "attempts")
    assert started.status_code == 201, started.content
    attempt_id = started.json()["attempt"]["id"]
    item = started.json()["item"]
    while item is not None:
        key = AttemptItem.objects.get(attempt_id=attempt_id, position=item["position"]).item.answer
        given = key if right else (["B"] if key != ["B"] else ["A"])
        reply = api(
            client,
            contest,
            "POST",
            f"attempts/{attempt_id}/answer",
            {"position": item["position"], "answer": given},
        )
        item = reply.json()["item"]
    return api(client, contest, "POST", f"attempts/{attempt_id}/finish").json()


@pytest.fixture
def world() -> Any:
    return build_world()


def test_the_phone_page_shows_the_rules_and_asks_only_for_the_fields_the_contest_wants(world: Any) -> None:
    contest = open_contest(
        world, registration_fields={"unit": True, "key_group": True}, min_age=18, max_age=69
    )
    page = Client().get(f"/c/{contest.public_key}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "每次答题 4 道题，每题限时 30 秒" in html and "满分 20 分" in html
    assert 'id="reg-unit"' in html and 'id="reg-group"' in html and 'id="reg-birth"' in html
    assert 'id="reg-school"' not in html
    assert "不在以下单位" in html  # a unit is asked, not required: a farmer has none
    assert "18—69 周岁" in html
    assert "csrftoken" in page.cookies  # the page's script sends it back with every post
    assert "<script>" not in html and "contests/play.js" in html  # CSP: no inline script


def test_a_plain_contest_asks_for_no_unit_school_or_birth_year(world: Any) -> None:
    contest = open_contest(world)
    html = Client().get(f"/c/{contest.public_key}/").content.decode()
    assert 'id="reg-unit"' not in html and 'id="reg-birth"' not in html and 'id="reg-group"' not in html
    assert 'id="closed-note"' not in html


def test_a_contest_outside_its_window_says_so_on_the_page(world: Any) -> None:
    contest = open_contest(world)
    actions.update_contest(
        world.pds_office,
        contest,
        opens_at=timezone.now() + timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=2),
    )
    html = Client().get(f"/c/{contest.public_key}/").content.decode()
    assert 'id="closed-note"' in html and "现在不在竞赛时间内" in html


def test_an_unknown_key_or_a_joined_contest_has_no_phone_page(world: Any) -> None:
    joined = actions.create_contest(
        world.pds_office,
        world.pingdingshan,
        name="2026年全国农民科学素质网络竞赛",
        level=ContestLevel.NATIONAL,
        kind=ContestKind.JOINED,
        year=2026,
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=30),
    )
    client = Client()
    assert client.get("/c/no-such-key/").status_code == 404
    assert client.get(f"/c/{joined.public_key}/").status_code == 404
    assert client.get(f"/c/{joined.public_key}/qr.png").status_code == 404


def test_the_region_picker_goes_down_to_the_village_within_the_contest_region_only(world: Any) -> None:
    contest = open_contest(world)
    county = Region.objects.filter(parent=world.pingdingshan).order_by("code")[0]
    town, village = town_and_village(county)
    client = Client()
    top = client.get(f"/c/{contest.public_key}/regions.json").json()
    assert top["parent"]["code"] == world.pingdingshan.code and top["level_name"] == "县（市、区）"
    listed = {row["code"]: row for row in top["regions"]}
    assert listed[county.code]["leaf"] is False and county.name == listed[county.code]["name"]
    towns = client.get(f"/c/{contest.public_key}/regions.json?parent={county.code}").json()
    assert towns["regions"] == [{"code": town.code, "name": "东风街道", "leaf": False}]
    villages = client.get(f"/c/{contest.public_key}/regions.json?parent={town.code}").json()
    assert villages["level_name"] == "村（社区）"
    assert villages["regions"] == [{"code": village.code, "name": "光明社区", "leaf": True}]
    outside = client.get(f"/c/{contest.public_key}/regions.json?parent={world.xinzheng.code}")
    assert outside.status_code == 404 and outside.json()["code"] == "bad_region"


def test_the_unit_list_holds_the_units_of_the_contest_region_only(world: Any) -> None:
    contest = open_contest(world, registration_fields={"unit": True})
    units = Client().get(f"/c/{contest.public_key}/units.json").json()["units"]
    names = {unit["name"] for unit in units}
    assert {"市教育体育局", "市科协"} <= names
    assert all(unit["region"] == "平顶山市" for unit in units)  # 新郑市's 市科协 is another city's


def test_the_qr_code_holds_the_public_link(world: Any) -> None:
    contest = open_contest(world)
    reply = Client().get(f"/c/{contest.public_key}/qr.png")
    expected = io.BytesIO()
    segno.make(f"http://testserver/c/{contest.public_key}/", error="m").save(
        expected, kind="png", scale=5, border=4
    )
    assert reply["Content-Type"] == "image/png" and reply.content == expected.getvalue()
    poster = Client().get(f"/c/{contest.public_key}/qr.png?download=1")
    assert "attachment" in poster["Content-Disposition"] and len(poster.content) > len(reply.content)


def test_a_participant_above_the_threshold_gets_a_certificate_with_their_name_and_score(world: Any) -> None:
    from pdfminer.high_level import extract_text

    contest = open_contest(world)
    phone = Client()
    register(phone, contest, world.pingdingshan)
    result = play_attempt(phone, contest, right=True)
    attempt = Attempt.objects.get(contest=contest)
    url = f"/c/{contest.public_key}/certificate/{attempt.pk}.pdf"
    assert result["score"] == 20 and result["certificate_url"] == url
    reply = phone.get(url)
    assert reply.status_code == 200 and reply["Content-Type"] == "application/pdf"
    text = extract_text(io.BytesIO(reply.content))
    assert "张三丰" in text and "成绩 20 分" in text and "平顶山市科学技术协会" in text
    assert (
        b"FontFile2" in reply.content
    )  # the Chinese font is embedded (TrueType subset), not left to the reader


def test_a_certificate_is_refused_to_another_phone_and_to_another_office(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, world.pingdingshan)
    play_attempt(phone, contest, right=True)
    url = f"/c/{contest.public_key}/certificate/{Attempt.objects.get(contest=contest).pk}.pdf"
    other_phone = Client()
    register(other_phone, contest, world.pingdingshan, phone="13900001111", name="李四")
    assert other_phone.get(url).status_code == 403
    assert Client().get(url).status_code == 403
    other_office = Client()
    other_office.login(username="xz-office", password=PASSWORD)
    assert other_office.get(url).status_code == 403
    liaison = Client()
    liaison.login(username="edu-liaison", password=PASSWORD)
    assert liaison.get(url).status_code == 403


def test_the_organising_office_downloads_a_certificate_and_the_download_is_audited(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, world.pingdingshan)
    play_attempt(phone, contest, right=True)
    url = f"/c/{contest.public_key}/certificate/{Attempt.objects.get(contest=contest).pk}.pdf"
    office = Client()
    office.login(username="pds-office", password=PASSWORD)
    reply = office.get(url)
    assert reply.status_code == 200 and reply.content.startswith(b"%PDF")
    event = AuditEvent.objects.filter(verb="export").latest("pk")
    assert "张三丰" in event.target_repr and event.actor == world.pds_office


def test_an_attempt_below_the_threshold_has_no_certificate(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, world.pingdingshan)
    result = play_attempt(phone, contest, right=False)
    attempt = Attempt.objects.get(contest=contest)
    assert result["score"] == 0 and result["certificate_url"] is None
    assert phone.get(f"/c/{contest.public_key}/certificate/{attempt.pk}.pdf").status_code == 404


def test_a_voided_attempt_loses_its_certificate(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, world.pingdingshan)
    play_attempt(phone, contest, right=True)
    attempt = Attempt.objects.get(contest=contest)
    Attempt.objects.filter(pk=attempt.pk).update(
        status="voided", void_reason="代答"
    )  # the void action's effect
    assert phone.get(f"/c/{contest.public_key}/certificate/{attempt.pk}.pdf").status_code == 404


def test_a_contest_without_a_threshold_gives_no_certificate(world: Any) -> None:
    contest = open_contest(world, certificate_threshold=None)
    phone = Client()
    register(phone, contest, world.pingdingshan)
    play_attempt(phone, contest, right=True)
    attempt = Attempt.objects.get(contest=contest)
    assert phone.get(f"/c/{contest.public_key}/certificate/{attempt.pk}.pdf").status_code == 404


def test_the_region_list_is_read_from_the_cache_after_the_first_phone_asks(
    world: Any, django_assert_num_queries: Any
) -> None:
    contest = open_contest(world)
    client = Client()
    first = client.get(f"/c/{contest.public_key}/regions.json").json()
    with django_assert_num_queries(1):  # the contest row only; the list comes from the cache
        again = client.get(f"/c/{contest.public_key}/regions.json").json()
    assert (
        again == first and len(first["regions"]) == Region.objects.filter(parent=world.pingdingshan).count()
    )


def test_a_certificate_is_drawn_once_and_then_served_from_the_cache(world: Any, monkeypatch: Any) -> None:
    from kesu.contests import views_public_pages

    drawn: list[str] = []
    real = views_public_pages.certificate_pdf

    def counting(text: Any) -> bytes:
        drawn.append(text.participant)
        return real(text)

    monkeypatch.setattr(views_public_pages, "certificate_pdf", counting)
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, world.pingdingshan)
    play_attempt(phone, contest, right=True)
    url = f"/c/{contest.public_key}/certificate/{Attempt.objects.get(contest=contest).pk}.pdf"
    assert phone.get(url).content == phone.get(url).content
    assert drawn == ["张三丰"]


def test_the_phone_page_costs_one_query(world: Any, django_assert_num_queries: Any) -> None:
    contest = open_contest(world)
    with django_assert_num_queries(1):  # the contest row; the rest is static files and API calls
        assert Client().get(f"/c/{contest.public_key}/").status_code == 200


def test_the_office_snippet_shows_the_qr_code_and_the_public_link() -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    html = render_to_string(
        "contests/public/_qr.html", {"contest": Contest(public_key="abc123")}, request=request
    )
    assert 'src="/c/abc123/qr.png"' in html and "http://testserver/c/abc123/" in html
    assert 'href="/c/abc123/qr.png?download=1"' in html

"""The office's side of answering: voiding (audited, gone from rankings and figures), phones masked across
regions with an audited reveal for the organising office, flagged attempts, figures and the close."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kesu.contests import actions_play, own_figures, standings
from kesu.contests.models import Attempt, AttemptStatus, FigureSource, ParticipationFigure
from kesu.contests.tests.play_support import api, county, county_office, open_contest, play, register
from kesu.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _two_players(world: Any) -> tuple[Any, int, int]:
    contest = open_contest(world)
    cheat, honest = Client(), Client()
    register(cheat, contest, county(), phone="13900000001", name="王作弊")
    register(honest, contest, county("410402000000"), phone="13900000002", name="李认真")
    cheat_attempt, _ = play(cheat, contest)
    honest_attempt, _ = play(honest, contest, right=3)
    return contest, cheat_attempt, honest_attempt


def test_a_voided_participant_disappears_from_the_leaderboard_ranks_and_figures_and_the_void_is_audited(
    world: Any, client_for: Any
) -> None:
    contest, cheat_attempt, _ = _two_players(world)
    assert [row["name"] for row in api(Client(), contest, "GET", "leaderboard").json()["rows"]] == [
        "王**",
        "李**",
    ]
    cheat = Attempt.objects.get(pk=cheat_attempt).participant
    office = client_for(world.pds_office)
    reply = office.post(
        f"/contests/{contest.pk}/participants/{cheat.pk}/void/", {"reason": "同一 IP 批量注册、答题用时异常"}
    )
    assert reply.status_code == 302
    assert Attempt.objects.get(pk=cheat_attempt).status == AttemptStatus.VOIDED
    board = api(Client(), contest, "GET", "leaderboard").json()
    assert [row["name"] for row in board["rows"]] == ["李**"]
    assert [s.name for s in standings.top_participants(contest, 10)] == ["李认真"]
    assert standings.rank_of(contest, cheat.pk) == (None, None)
    figures = ParticipationFigure.objects.filter(contest=contest, source=FigureSource.OWN)
    assert not figures.filter(region=county()).exists()  # 宝丰县 had only the voided participant
    city = figures.get(region=world.pingdingshan)
    assert (city.participants, city.attempts, city.full_scores) == (1, 1, 0)
    event = AuditEvent.objects.get(verb="contest.void_attempts")
    assert event.actor == world.pds_office and "同一 IP 批量注册" in event.note
    assert event.after is not None and event.after["attempts"] == [cheat_attempt]
    page = office.get(f"/contests/{contest.pk}/attempts/?show=voided")
    assert "同一 IP 批量注册" in page.content.decode()


def test_a_void_needs_a_reason_and_the_organising_office(world: Any, client_for: Any) -> None:
    contest, cheat_attempt, _ = _two_players(world)
    office = client_for(world.pds_office)
    office.post(f"/contests/{contest.pk}/attempts/{cheat_attempt}/void/", {"reason": "  "})
    assert Attempt.objects.get(pk=cheat_attempt).status == AttemptStatus.FINISHED
    county_user = county_office(county())
    reply = client_for(county_user).post(
        f"/contests/{contest.pk}/attempts/{cheat_attempt}/void/", {"reason": "试图作废"}
    )
    assert reply.status_code == 403
    assert Attempt.objects.get(pk=cheat_attempt).status == AttemptStatus.FINISHED
    assert (
        client_for(world.xz_office)
        .post(f"/contests/{contest.pk}/attempts/{cheat_attempt}/void/", {"reason": "x"})
        .status_code
        == 404
    )


def test_phones_are_masked_in_lists_and_only_the_organising_office_may_reveal_one_audited(
    world: Any, client_for: Any
) -> None:
    contest, cheat_attempt, _ = _two_players(world)
    person = Attempt.objects.get(pk=cheat_attempt).participant
    url = f"/contests/{contest.pk}/participants/"
    organiser = client_for(world.pds_office).get(url).content.decode()
    assert "*******0001" in organiser and "13900000001" not in organiser and "查看" in organiser
    revealed = client_for(world.pds_office).post(f"{url}{person.pk}/reveal/").content.decode()
    assert "13900000001" in revealed and "13900000002" not in revealed
    event = AuditEvent.objects.get(verb="personal.reveal")
    assert event.actor == world.pds_office and event.target_id == str(person.pk)
    # 宝丰县's office reads its own county's participants, masked, and may not reveal.
    baofeng = client_for(county_office(county()))
    listing = baofeng.get(url).content.decode()
    assert "王作弊" in listing and "李认真" not in listing and "13900000001" not in listing
    assert baofeng.post(f"{url}{person.pk}/reveal/").status_code == 403
    # Another city's office does not see the contest at all.
    assert client_for(world.xz_office).get(url).status_code == 404
    assert client_for(world.xz_office).post(f"{url}{person.pk}/reveal/").status_code == 404
    assert AuditEvent.objects.filter(verb="personal.reveal").count() == 1


def test_answers_faster_than_reading_flag_the_attempt_for_the_office_to_look_at(
    world: Any, client_for: Any
) -> None:
    contest, cheat_attempt, _ = _two_players(world)  # the test phones answer in milliseconds
    attempt = Attempt.objects.get(pk=cheat_attempt)
    assert attempt.flagged and "短于阅读题目所需时间" in attempt.flag_reason
    page = client_for(world.pds_office).get(f"/contests/{contest.pk}/attempts/?show=flagged").content.decode()
    assert "王作弊" in page and "短于阅读题目所需时间" in page


def test_own_figures_count_people_attempts_and_full_scores_up_the_region_tree(world: Any) -> None:
    contest, _, _ = _two_players(world)
    again = Client()
    register(again, contest, county(), phone="13900000001", name="王作弊")
    play(again, contest, right=0)
    own_figures.refresh_own_figures(contest)
    rows = {
        f.region.code if f.region else "": (f.participants, f.attempts, f.full_scores)
        for f in ParticipationFigure.objects.filter(contest=contest, source=FigureSource.OWN).select_related(
            "region"
        )
    }
    assert rows == {"410400000000": (2, 3, 1), "410421000000": (1, 2, 1), "410402000000": (1, 1, 0)}


def test_closing_play_ends_running_attempts_and_counts_them(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    attempt_id = api(phone, contest, "POST", "attempts").json()["attempt"]["id"]
    closed = actions_play.close_play(world.pds_office, contest)
    assert closed == 1 and Attempt.objects.get(pk=attempt_id).status == AttemptStatus.EXPIRED
    assert ParticipationFigure.objects.get(contest=contest, region=world.pingdingshan).attempts == 1


def test_the_contest_page_shows_the_answering_panel_and_the_leaderboard_page_names_in_full_for_the_organiser(
    world: Any, client_for: Any
) -> None:
    contest, _, _ = _two_players(world)
    page = client_for(world.pds_office).get(f"/contests/{contest.pk}/").content.decode()
    assert "在线答题" in page and f"/c/{contest.public_key}/" in page and "核查异常答题" in page
    board = client_for(world.pds_office).get(f"/contests/{contest.pk}/leaderboard/").content.decode()
    assert "王作弊" in board and "李认真" in board
    county_board = (
        client_for(county_office(county())).get(f"/contests/{contest.pk}/leaderboard/").content.decode()
    )
    assert "王作弊" not in county_board and "王**" in county_board


def test_settling_after_the_close_ends_running_attempts_counts_them_and_stops_answers(
    world: Any, monkeypatch: Any
) -> None:
    from kesu.contests import actions, engine
    from kesu.contests.tests.play_support import Clock, key_of

    clock = Clock(monkeypatch)
    contest = open_contest(world, seconds_per_item=None, seconds_per_attempt=None)
    phone = Client()
    register(phone, contest, county())
    attempt_id = api(phone, contest, "POST", "attempts").json()["attempt"]["id"]
    api(
        phone,
        contest,
        "POST",
        f"attempts/{attempt_id}/answer",
        {"position": 1, "answer": key_of(attempt_id, 1)},
    )
    clock.advance(8 * 24 * 3600)  # past the close
    actions.advance_contest(world.pds_office, contest, "open")  # 结算: Part 1's freeze
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.status == AttemptStatus.EXPIRED and attempt.score == 5
    figure = ParticipationFigure.objects.get(
        contest=contest, region=world.pingdingshan, source=FigureSource.OWN
    )
    assert (figure.participants, figure.attempts) == (1, 1)
    engine.forget_contest(contest.public_key)
    reply = api(phone, contest, "POST", f"attempts/{attempt_id}/answer", {"position": 2, "answer": ["A"]})
    assert reply.status_code == 403 and reply.json()["code"] == "frozen"

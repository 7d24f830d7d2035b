"""The answering engine over HTTP (issue 19, Part 2 "Must hold"): the key stays on the server, one attempt at
a time, late answers score nothing, tie-breaks, eligibility, attempts per day and rate limits behind a proxy."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings

from kesu.contests import engine, standings
from kesu.contests.models import Attempt, AttemptItem, AttemptStatus, ContestItem, Participant
from kesu.contests.tests.play_support import (
    Clock,
    api,
    county,
    key_of,
    open_contest,
    play,
    register,
    wrong_for,
)
from kesu.core.personal import keyed_hash
from kesu.core.ratelimit import RateLimit

pytestmark = pytest.mark.django_db


def test_the_answer_key_and_explanations_never_leave_the_server_before_the_attempt_ends(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    attempt_id, seen = play(phone, contest, right=3)
    before_end, result = seen[:-1], seen[-1]
    secrets = [(i.code, i.explanation) for i in ContestItem.objects.filter(contest=contest)]
    for body in before_end:
        text = json.dumps(body, ensure_ascii=False)
        assert '"answer"' not in text and "explanation" not in text and '"correct"' not in text
        assert not any(code in text.split('"') or explanation in text for code, explanation in secrets)
        item = body["item"]
        if item is not None:
            assert set(item) == {
                "position",
                "count",
                "type",
                "stem",
                "options",
                "item_deadline",
                "attempt_deadline",
                "seconds_left",
            }
    assert [row["position"] for row in result["review"]] == [1, 2, 3, 4, 5]
    assert all(row["answer"] == key_of(attempt_id, row["position"]) for row in result["review"])
    assert all(row["explanation"].startswith("解析") for row in result["review"])
    assert result["score"] == 15 and result["correct_count"] == 3


def test_the_review_is_refused_while_the_attempt_is_running(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    started = api(phone, contest, "POST", "attempts").json()
    reply = api(phone, contest, "GET", f"attempts/{started['attempt']['id']}/result")
    assert reply.status_code == 409 and reply.json()["code"] == "attempt_active"
    assert "review" not in reply.json()


def test_a_second_concurrent_attempt_is_refused_and_a_refresh_resumes_where_the_phone_was(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    started = api(phone, contest, "POST", "attempts")
    attempt_id = started.json()["attempt"]["id"]
    second = api(phone, contest, "POST", "attempts")
    assert second.status_code == 409 and second.json() == {
        "error": "上一次答题尚未结束",
        "code": "attempt_active",
        "attempt": attempt_id,
    }
    api(
        phone,
        contest,
        "POST",
        f"attempts/{attempt_id}/answer",
        {"position": 1, "answer": key_of(attempt_id, 1)},
    )
    engine.forget_contest(contest.public_key)  # as if another app server answered the refresh
    resumed = api(phone, contest, "GET", "attempts/current").json()
    assert resumed["attempt"]["id"] == attempt_id and resumed["item"]["position"] == 2
    assert Attempt.objects.filter(participant__contest=contest).count() == 1


def test_two_app_servers_serving_one_phone_alternately_give_the_same_attempt(world: Any) -> None:
    contest = open_contest(world)
    server_a, server_b = Client(), Client()
    register(server_a, contest, county())
    server_b.cookies = server_a.cookies  # one phone, its requests landing on either server
    started = api(server_a, contest, "POST", "attempts").json()
    attempt_id, item = started["attempt"]["id"], started["item"]
    servers = [server_b, server_a]
    while item is not None:
        engine.forget_contest(contest.public_key)  # nothing carried over in the process
        server = servers[item["position"] % 2]
        reply = api(
            server,
            contest,
            "POST",
            f"attempts/{attempt_id}/answer",
            {"position": item["position"], "answer": key_of(attempt_id, item["position"])},
        )
        item = reply.json()["item"]
    assert reply.json()["finished"] is True
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.status == AttemptStatus.FINISHED and attempt.score == 25


def test_a_repeated_answer_is_stored_once_and_scored_once(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    attempt_id = api(phone, contest, "POST", "attempts").json()["attempt"]["id"]
    key = key_of(attempt_id, 1)
    body = {"position": 1, "answer": key}
    first = api(phone, contest, "POST", f"attempts/{attempt_id}/answer", body).json()
    again = api(
        phone,
        contest,
        "POST",
        f"attempts/{attempt_id}/answer",
        {"position": 1, "answer": wrong_for(key)},
    ).json()
    assert first["accepted"] is True and again["accepted"] is False and again["code"] == "duplicate"
    assert again["item"]["position"] == 2
    stored = AttemptItem.objects.get(attempt_id=attempt_id, position=1)
    assert stored.answer == body["answer"] and stored.points == 5


def test_an_item_answered_after_its_time_scores_nothing_even_when_right(world: Any, monkeypatch: Any) -> None:
    clock = Clock(monkeypatch)
    contest = open_contest(world)
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
    clock.advance(30 + engine.GRACE_SECONDS + 1)  # item 2 was shown when item 1 was answered
    late = api(
        phone,
        contest,
        "POST",
        f"attempts/{attempt_id}/answer",
        {"position": 2, "answer": key_of(attempt_id, 2)},
    ).json()
    assert late["accepted"] is True and late["late"] is True
    for position in (3, 4, 5):
        api(
            phone,
            contest,
            "POST",
            f"attempts/{attempt_id}/answer",
            {"position": position, "answer": key_of(attempt_id, position)},
        )
    result = api(phone, contest, "GET", f"attempts/{attempt_id}/result").json()
    assert [row["correct"] for row in result["review"]] == [True, False, True, True, True]
    assert result["score"] == 20 and result["full_score"] is False


def test_an_attempt_past_its_deadline_ends_as_timed_out_with_what_was_answered(
    world: Any, monkeypatch: Any
) -> None:
    clock = Clock(monkeypatch)
    contest = open_contest(world, seconds_per_item=None, seconds_per_attempt=60)
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
    clock.advance(61 + engine.GRACE_SECONDS)
    reply = api(phone, contest, "GET", "attempts/current")
    assert reply.status_code == 404 and reply.json()["finished_attempt"] == attempt_id
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.status == AttemptStatus.EXPIRED and attempt.score == 5 and attempt.duration_ms == 60_000


def test_every_final_score_equals_the_sum_recomputed_from_the_stored_answers(world: Any) -> None:
    contest = open_contest(world)
    for n, right in enumerate((0, 2, 5)):
        phone = Client()
        register(phone, contest, county(), phone=f"1390000000{n}", name=f"参赛者{n}")
        play(phone, contest, right=right)
    for attempt in Attempt.objects.filter(contest=contest):
        recomputed = sum(
            contest.points_per_item
            for item in attempt.drawn.select_related("item")
            if item.answer is not None and sorted(item.answer) == sorted(item.item.answer)
        )
        assert attempt.score == recomputed
    assert sorted(Attempt.objects.values_list("score", flat=True)) == [0, 10, 25]


def test_the_ranking_puts_the_higher_score_first_then_the_faster_then_the_earlier(
    world: Any, monkeypatch: Any
) -> None:
    clock = Clock(monkeypatch)
    contest = open_contest(world)

    def attempt(name: str, phone_number: str, seconds_per_answer: float, right: int) -> None:
        phone = Client()
        register(phone, contest, county(), phone=phone_number, name=name)
        started = api(phone, contest, "POST", "attempts").json()
        attempt_id, item = started["attempt"]["id"], started["item"]
        while item is not None:
            clock.advance(seconds_per_answer)
            key = key_of(attempt_id, item["position"])
            item = api(
                phone,
                contest,
                "POST",
                f"attempts/{attempt_id}/answer",
                {
                    "position": item["position"],
                    "answer": key if item["position"] <= right else wrong_for(key),
                },
            ).json()["item"]

    attempt("慢而全对", "13900000001", 6, 5)
    attempt("快而全对", "13900000002", 3, 5)
    attempt("最快但错一题", "13900000003", 1, 4)
    attempt("快而全对又晚交", "13900000004", 3, 5)
    top = standings.top_participants(contest, 10)
    assert [s.name for s in top] == ["快而全对", "快而全对又晚交", "慢而全对", "最快但错一题"]
    assert [s.rank for s in top] == [1, 2, 3, 4]
    board = api(Client(), contest, "GET", "leaderboard").json()
    assert [row["name"] for row in board["rows"]] == ["快***", "快******", "慢***", "最*****"]


def test_an_office_that_ranks_by_first_entry_before_time_puts_the_earlier_hand_in_first(
    world: Any, monkeypatch: Any
) -> None:
    clock = Clock(monkeypatch)
    contest = open_contest(world, tie_break=["score_desc", "first_entry_asc", "time_asc"])
    slow, fast = Client(), Client()
    register(slow, contest, county(), phone="13900000001", name="先交卷")
    register(fast, contest, county(), phone="13900000002", name="后交卷")
    started = api(slow, contest, "POST", "attempts").json()
    slow_id, item = started["attempt"]["id"], started["item"]
    while item is not None:
        clock.advance(5)
        item = api(
            slow,
            contest,
            "POST",
            f"attempts/{slow_id}/answer",
            {"position": item["position"], "answer": key_of(slow_id, item["position"])},
        ).json()["item"]
    clock.advance(60)
    play(fast, contest)
    assert [s.name for s in standings.top_participants(contest, 10)] == ["先交卷", "后交卷"]
    me = api(fast, contest, "GET", "me").json()
    assert me["rank"] == 2 and me["best_score"] == 25


def test_best_mode_counts_the_best_attempt_and_sum_mode_adds_them(world: Any) -> None:
    best = open_contest(world)
    phone = Client()
    register(phone, best, county())
    play(phone, best, right=1)
    play(phone, best, right=3)
    assert [(s.score) for s in standings.top_participants(best, 5)] == [15]
    summed = open_contest(world, score_mode="sum")
    other = Client()
    register(other, summed, county())
    play(other, summed, right=1)
    play(other, summed, right=3)
    assert [(s.score) for s in standings.top_participants(summed, 5)] == [20]
    assert api(other, summed, "GET", "me").json()["rank"] == 1
    # The result kept on each participant's row is the one computed from their attempts.
    for contest in (best, summed):
        for person in Participant.objects.filter(contest=contest):
            assert standings.result_of(contest, person.pk) == standings.computed_result(contest, person.pk)


def test_a_better_attempt_replaces_the_kept_best_and_a_worse_one_does_not(
    world: Any, monkeypatch: Any
) -> None:
    clock = Clock(monkeypatch)
    contest = open_contest(world, attempts_per_day=3)
    phone = Client()
    register(phone, contest, county())
    play(phone, contest, right=3)
    clock.advance(60)
    play(phone, contest, right=2)
    person = Participant.objects.get(contest=contest)
    assert standings.result_of(contest, person.pk) == standings.computed_result(contest, person.pk)
    assert standings.result_of(contest, person.pk).score == 15  # type: ignore[union-attr]
    clock.advance(60)
    play(phone, contest)
    assert standings.result_of(contest, person.pk).score == 25  # type: ignore[union-attr]


def test_eligibility_by_age_refuses_the_too_young_and_asks_for_the_birth_year(world: Any) -> None:
    contest = open_contest(world, min_age=18, max_age=69)
    this_year = engine.local_day(engine.now()).year
    young = register(
        Client(), contest, county(), phone="13900000001", expect=403, fields={"birth_year": this_year - 12}
    )
    assert young.json()["code"] == "ineligible" and "18–69" in young.json()["error"]
    old = register(
        Client(), contest, county(), phone="13900000002", expect=403, fields={"birth_year": this_year - 75}
    )
    assert old.json()["code"] == "ineligible"
    missing = register(Client(), contest, county(), phone="13900000003", expect=400)
    assert missing.json()["code"] == "missing_field"
    register(Client(), contest, county(), phone="13900000004", fields={"birth_year": this_year - 30})
    assert Participant.objects.filter(contest=contest).count() == 1


def test_registration_checks_the_phone_the_region_and_the_slider_and_signs_back_in_by_phone_and_name(
    world: Any,
) -> None:
    contest = open_contest(world)
    assert register(Client(), contest, county(), phone="12345", expect=400).json()["code"] == "bad_phone"
    assert register(Client(), contest, world.xinzheng, expect=400).json()["code"] == "bad_region"
    phone = Client()
    challenge = api(phone, contest, "POST", "challenge").json()
    wrong = api(
        phone,
        contest,
        "POST",
        "register",
        {
            "phone": "13812345678",
            "name": "张三",
            "region_code": county().code,
            "challenge": challenge["challenge"],
            "slider": (challenge["target"] + 50) % 100,
            "drag_ms": 900,
        },
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "challenge_failed"
    reply = register(phone, contest, county(), name="张三")
    assert reply.json()["participant"] == {"name": "张三", "phone": "138****5678", "region": "宝丰县"}
    assert register(Client(), contest, county(), name="李四", expect=409).json()["code"] == "phone_taken"
    register(Client(), contest, county(), name="张三")  # the same person on a new phone browser
    person = Participant.objects.get(contest=contest)
    assert (
        person.phone_hash == keyed_hash("phone", "13812345678") and "13812345678" not in person.phone_cipher
    )
    assert person.phone_last4 == "5678"


def test_attempts_per_day_count_the_contest_local_day(world: Any, monkeypatch: Any) -> None:
    clock = Clock(monkeypatch)
    contest = open_contest(world, attempts_per_day=2)
    phone = Client()
    register(phone, contest, county())
    play(phone, contest)
    play(phone, contest)
    third = api(phone, contest, "POST", "attempts")
    assert third.status_code == 429 and third.json()["code"] == "no_attempts_left"
    assert api(phone, contest, "GET", "me").json()["attempts_left_today"] == 0
    clock.advance(24 * 3600)
    assert api(phone, contest, "POST", "attempts").status_code == 201


def test_outside_the_window_and_after_the_freeze_nothing_starts(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    contest.closes_at = engine.now() - timedelta(minutes=1)
    contest.save(update_fields=["closes_at"])
    engine.forget_contest(contest.public_key)
    closed = api(phone, contest, "POST", "attempts")
    assert closed.status_code == 403 and closed.json()["code"] == "closed"
    contest.frozen_at = engine.now()
    contest.save(update_fields=["frozen_at"])
    engine.forget_contest(contest.public_key)
    assert api(phone, contest, "POST", "attempts").json()["code"] == "frozen"
    register(Client(), contest, county(), name="张三丰")  # the same person signs back in to read results
    assert register(Client(), contest, county(), phone="13900000009", expect=403).json()["code"] == "frozen"


def test_an_unregistered_phone_or_a_forged_cookie_is_refused(world: Any) -> None:
    contest = open_contest(world)
    stranger = Client()
    assert api(stranger, contest, "GET", "me").status_code == 401
    stranger.cookies["kesu_cp"] = f"{contest.pk}:1"
    reply = api(stranger, contest, "POST", "attempts")
    assert reply.status_code == 401 and reply.json()["code"] == "not_registered"


def test_someone_elses_attempt_cannot_be_answered(world: Any) -> None:
    contest = open_contest(world)
    owner, other = Client(), Client()
    register(owner, contest, county(), phone="13900000001")
    register(other, contest, county(), phone="13900000002")
    attempt_id = api(owner, contest, "POST", "attempts").json()["attempt"]["id"]
    reply = api(other, contest, "POST", f"attempts/{attempt_id}/answer", {"position": 1, "answer": ["A"]})
    assert reply.status_code == 404
    assert not AttemptItem.objects.filter(attempt_id=attempt_id, answered_at__isnull=False).exists()


@override_settings(KESU_TRUSTED_PROXY_COUNT=1)
def test_registration_is_limited_per_client_address_behind_the_trusted_proxy(
    world: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(engine, "REGISTER_PER_IP", RateLimit("contest_register_ip", 2, 600))
    contest = open_contest(world)

    def from_address(ip: str, phone: str, expect: int) -> Any:
        return register(
            Client(),
            contest,
            county(),
            phone=phone,
            expect=expect,
            HTTP_X_FORWARDED_FOR=ip,
            REMOTE_ADDR="10.0.0.2",
        )

    from_address("203.0.113.7", "13900000001", 200)
    from_address("203.0.113.7", "13900000002", 200)
    refused = from_address("203.0.113.7", "13900000003", 429)
    assert refused.json()["code"] == "rate_limited"
    from_address("198.51.100.9", "13900000004", 200)  # another phone behind the same proxy is not affected


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(
    world: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(engine, "REGISTER_PER_IP", RateLimit("contest_register_ip", 2, 600))
    contest = open_contest(world)
    for n, expect in ((1, 200), (2, 200), (3, 429)):
        register(
            Client(),
            contest,
            county(),
            phone=f"1390000000{n}",
            expect=expect,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )


def test_repeated_answer_posts_are_limited_per_attempt_not_per_address(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "ANSWER_PER_ATTEMPT", RateLimit("contest_answer", 3, 30))
    contest = open_contest(world)
    first, second = Client(), Client()
    register(first, contest, county(), phone="13900000001")
    register(second, contest, county(), phone="13900000002")
    mine = api(first, contest, "POST", "attempts").json()["attempt"]["id"]
    theirs = api(second, contest, "POST", "attempts").json()["attempt"]["id"]
    codes = [
        api(first, contest, "POST", f"attempts/{mine}/answer", {"position": 1, "answer": ["A"]}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]  # the answer, three repeats allowed, the fourth refused
    other = api(second, contest, "POST", f"attempts/{theirs}/answer", {"position": 1, "answer": ["A"]})
    assert other.status_code == 200  # same address (the test client's), another attempt


def test_starting_attempts_is_limited_per_phone(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "START_PER_PARTICIPANT", RateLimit("contest_start_phone", 1, 600))
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    play(phone, contest)
    assert api(phone, contest, "POST", "attempts").json()["code"] == "rate_limited"


def test_a_bad_answer_is_refused_and_nothing_is_stored(world: Any) -> None:
    contest = open_contest(world)
    phone = Client()
    register(phone, contest, county())
    attempt_id = api(phone, contest, "POST", "attempts").json()["attempt"]["id"]
    for body in (
        {"position": 1, "answer": ["Z"]},
        {"position": 1, "answer": "A"},
        {"position": "1", "answer": ["A"]},
    ):
        reply = api(phone, contest, "POST", f"attempts/{attempt_id}/answer", body)
        assert reply.status_code == 400
    skipped = api(phone, contest, "POST", f"attempts/{attempt_id}/answer", {"position": 2, "answer": ["A"]})
    assert skipped.status_code == 409 and skipped.json()["code"] == "out_of_order"
    assert not AttemptItem.objects.filter(attempt_id=attempt_id, answered_at__isnull=False).exists()


def test_the_leaderboard_is_served_from_its_copy_and_recomputed_by_one_worker_when_stale(
    world: Any, monkeypatch: Any
) -> None:
    from django.core.cache import cache

    contest = open_contest(world)
    first, second = Client(), Client()
    register(first, contest, county(), phone="13900000001", name="甲")
    register(second, contest, county(), phone="13900000002", name="乙")
    play(first, contest)
    board = api(Client(), contest, "GET", "leaderboard").json()
    assert [row["name"] for row in board["rows"]] == ["甲"]
    play(second, contest, right=4)
    assert api(Client(), contest, "GET", "leaderboard").json() == board  # fresh enough: the copy
    monkeypatch.setattr(standings, "REFRESH_SECONDS", -1)  # every copy is now stale
    cache.add(f"kesu:contest:{contest.pk}:board:lock", 1, 30)  # another worker is recomputing
    assert api(Client(), contest, "GET", "leaderboard").json() == board  # so this one serves the copy
    cache.delete(f"kesu:contest:{contest.pk}:board:lock")
    rows = api(Client(), contest, "GET", "leaderboard").json()["rows"]
    assert [row["name"] for row in rows] == ["甲", "乙"]

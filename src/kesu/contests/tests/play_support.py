"""An open own contest and a phone playing it over HTTP, for the answering-engine tests (real actions only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role, User
from kesu.contests import actions, bank, engine
from kesu.contests.models import AttemptItem, Contest, ContestKind, ContestLevel
from kesu.quiz.items import ItemRow
from kesu.regions.models import Region
from kesu.testing import PASSWORD

RULES: dict[str, Any] = {
    "draw_rule": {"judge": 2, "single": 2, "multi": 1},
    "points_per_item": 5,
    "seconds_per_item": 30,
    "seconds_per_attempt": None,
    "attempts_per_day": 2,
    "score_mode": "best",
    "tie_break": ["score_desc", "time_asc", "first_entry_asc"],
    "min_age": None,
    "max_age": None,
    "registration_fields": {},
    "certificate_threshold": None,
    "leaderboard_size": 20,
}


def bank_rows() -> list[ItemRow]:
    judge = [
        ItemRow(
            f"J{n}",
            "judge",
            f"判断题{n}：光年是长度单位。",
            ["正确", "错误"],
            ["A"],
            f"解析J{n}：光年是距离。",
        )
        for n in range(1, 5)
    ]
    single = [
        ItemRow(
            f"S{n}",
            "single",
            f"单选题{n}：发现煤气泄漏时，首先应当？",
            ["A. 打开排风扇", "B. 关闭阀门并开窗通风", "C. 拨打电话"],
            ["B"],
            f"解析S{n}：开关电器会产生电火花。",
        )
        for n in range(1, 5)
    ]
    multi = [
        ItemRow(
            f"M{n}",
            "multi",
            f"多选题{n}：下列属于可回收物的是？",
            ["A. 废纸", "B. 塑料瓶", "C. 果皮", "D. 易拉罐"],
            ["A", "B", "D"],
            f"解析M{n}：果皮属于厨余垃圾。",
        )
        for n in range(1, 3)
    ]
    return [*judge, *single, *multi]


def open_contest(world: Any, **rules: Any) -> Contest:
    """An own contest of 平顶山市, created, stocked, ruled, locked and opened through the real actions."""
    now = timezone.now()
    contest = actions.create_contest(
        world.pds_office,
        world.pingdingshan,
        name="平顶山市全民科学素质网络竞赛",
        level=ContestLevel.CITY,
        kind=ContestKind.OWN,
        organiser="平顶山市科学技术协会",
        year=now.year,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    bank.import_items(world.pds_office, contest, bank_rows(), filename="题库.xlsx")
    bank.save_rules(world.pds_office, contest, {**RULES, **rules})
    bank.lock_bank(world.pds_office, contest)
    contest = actions.advance_contest(world.pds_office, contest, "bank_locked")
    engine.forget_contest(contest.public_key)
    return contest


def county(code: str = "410421000000") -> Region:
    return Region.objects.get(code=code)  # 宝丰县 (新华区 is 410402000000), both under 平顶山市


def county_office(region: Region, username: str = "bf-office") -> User:
    return account_actions.create_user(
        None, username, PASSWORD, display_name=username, role=Role.OFFICE, region=region
    )


def api(
    client: Client, contest: Contest, method: str, path: str, body: dict[str, Any] | None = None, **extra: Any
) -> Any:
    url = f"/c/{contest.public_key}/api/{path}"
    if method == "GET":
        return client.get(url, **extra)
    return client.post(url, body or {}, content_type="application/json", **extra)


def register(
    client: Client,
    contest: Contest,
    region: Region,
    phone: str = "13812345678",
    name: str = "张三丰",
    expect: int = 200,
    **extra: Any,
) -> Any:
    challenge = api(client, contest, "POST", "challenge", **extra).json()
    body = {
        "phone": phone,
        "name": name,
        "region_code": region.code,
        "challenge": challenge.get("challenge"),
        "slider": challenge.get("target"),
        "drag_ms": 900,
    }
    body.update(extra.pop("fields", {}))
    reply = api(client, contest, "POST", "register", body, **extra)
    assert reply.status_code == expect, reply.content
    return reply


def key_of(attempt_id: int, position: int) -> list[str]:
    """The answer key, read from the database as the test's oracle (the API never gives it)."""
    return list(AttemptItem.objects.get(attempt_id=attempt_id, position=position).item.answer)


def wrong_for(key: list[str]) -> list[str]:
    return ["B"] if key != ["B"] else ["A"]


def play(client: Client, contest: Contest, right: int | None = None) -> tuple[int, list[Any]]:
    """A full attempt through the API: the first ``right`` answers right (all when None), the rest wrong.
    Returns the attempt id and every response body seen, the RESULT last."""
    seen: list[Any] = []
    started = api(client, contest, "POST", "attempts")
    assert started.status_code == 201, started.content
    seen.append(started.json())
    attempt_id = started.json()["attempt"]["id"]
    item = started.json()["item"]
    while item is not None:
        key = key_of(attempt_id, item["position"])
        good = right is None or item["position"] <= right
        reply = api(
            client,
            contest,
            "POST",
            f"attempts/{attempt_id}/answer",
            {"position": item["position"], "answer": key if good else wrong_for(key)},
        )
        assert reply.status_code == 200, reply.content
        seen.append(reply.json())
        item = reply.json()["item"]
    seen.append(api(client, contest, "POST", f"attempts/{attempt_id}/finish").json())
    return attempt_id, seen


class Clock:
    """The engine's clock, stopped: it moves only by ``clock.advance(31)``, so times taken are exact."""

    def __init__(self, monkeypatch: Any) -> None:
        self.at = timezone.now()
        monkeypatch.setattr(engine, "now", self.now)

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)

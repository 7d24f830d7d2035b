"""The office sets an own contest's rules over HTTP; a draw rule the bank cannot give is refused in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.contests import actions, bank
from kesu.contests.models import Contest
from kesu.contests.tests.bank_support import own_contest, stocked_contest
from kesu.core.models import AuditEvent
from kesu.testing import World

pytestmark = pytest.mark.django_db

NANJING: dict[str, Any] = {
    "judge": 7,
    "single": 7,
    "multi": 6,
    "points_per_item": 5,
    "seconds_per_item": 30,
    "seconds_per_attempt": 600,
    "attempts_per_day": 1,
    "score_mode": "best",
    "tie_break": "score_time_entry",
    "age_limit": "on",
    "registration": ["unit", "key_group"],
    "certificate_threshold": 80,
    "leaderboard_size": 100,
}


def topic_field(client: Any, contest: Contest, topic: str) -> str:
    form = client.get(f"/contests/{contest.pk}/rules/").context["form"]
    return next(f"topic_{i}" for i, name in enumerate(form.topic_names) if name == topic)


def test_the_office_saves_the_nanjing_rules_with_a_topic_minimum(world: World, client_for) -> None:
    contest = stocked_contest(world)
    office = client_for(world.pds_office)
    response = office.post(
        f"/contests/{contest.pk}/rules/", {**NANJING, topic_field(office, contest, "卫生健康"): 3}
    )
    assert response.status_code == 302
    contest.refresh_from_db()
    assert contest.draw_rule == {"judge": 7, "single": 7, "multi": 6, "topics": {"卫生健康": 3}}
    assert contest.tie_break == ["score_desc", "time_asc", "first_entry_asc"]
    assert (contest.min_age, contest.max_age, contest.seconds_per_item, contest.certificate_threshold) == (
        18,
        69,
        30,
        80,
    )
    assert contest.registration_fields == {"unit": True, "school": False, "key_group": True}
    assert AuditEvent.objects.filter(verb="contest.rules").count() == 1
    shown = office.get(f"/contests/{contest.pk}/rules/").content.decode()
    assert 'value="30"' in shown and "checked" in shown


def test_a_rule_asking_for_more_items_than_the_bank_holds_is_refused_in_chinese(
    world: World, client_for
) -> None:
    contest = stocked_contest(world, judge=8, single=5, multi=7)
    office = client_for(world.pds_office)
    response = office.post(
        f"/contests/{contest.pk}/rules/", {**NANJING, topic_field(office, contest, "科学家精神"): 1}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "单选题需要 7 道，题库只有 5 道" in text
    assert "主题“科学家精神”至少需要 1 道" in text
    contest.refresh_from_db()
    assert contest.draw_rule == {} and not AuditEvent.objects.filter(verb="contest.rules").exists()


def test_a_timer_is_required_and_the_certificate_line_cannot_pass_full_marks(
    world: World, client_for
) -> None:
    contest = stocked_contest(world)
    form = {**NANJING, "seconds_per_item": "", "seconds_per_attempt": "", "certificate_threshold": 101}
    text = client_for(world.pds_office).post(f"/contests/{contest.pk}/rules/", form).content.decode()
    assert "每题限时和每次答题限时至少填一项" in text and "证书分数线不能高于满分 100 分" in text


def test_the_rules_stop_changing_once_the_contest_runs(world: World, client_for) -> None:
    contest = stocked_contest(world)
    office = client_for(world.pds_office)
    assert office.post(f"/contests/{contest.pk}/rules/", NANJING).status_code == 302
    assert office.post(f"/contests/{contest.pk}/bank/lock/").status_code == 302
    contest.refresh_from_db()
    actions.advance_contest(world.pds_office, contest, "bank_locked")
    refused = office.post(f"/contests/{contest.pk}/rules/", {**NANJING, "judge": 1}, follow=True)
    assert "答题规则不能再修改" in refused.content.decode()
    contest.refresh_from_db()
    assert contest.draw_rule["judge"] == 7
    with pytest.raises(bank.BankError):
        bank.save_rules(
            world.pds_office, contest, {name: getattr(contest, name) for name in bank.RULE_FIELDS}
        )


def test_only_the_organising_office_sets_the_rules(world: World, client_for) -> None:
    contest = own_contest(world)
    assert client_for(world.pds_leader).get(f"/contests/{contest.pk}/rules/").status_code == 403
    assert client_for(world.pds_leader).post(f"/contests/{contest.pk}/rules/", NANJING).status_code == 403
    for user in (world.edu_liaison, world.xz_office, world.kexie_liaison):
        assert client_for(user).get(f"/contests/{contest.pk}/rules/").status_code == 404
        assert client_for(user).post(f"/contests/{contest.pk}/rules/", NANJING).status_code == 404
    joined = actions.create_contest(
        world.pds_office, world.pingdingshan, name="全国竞赛", level="national", kind="joined",
        year=contest.year, opens_at=contest.opens_at, closes_at=contest.closes_at,
    )  # fmt: skip
    assert client_for(world.pds_office).get(f"/contests/{joined.pk}/rules/").status_code == 404

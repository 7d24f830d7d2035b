"""Copying the survey's items into a contest's bank, locking the bank, and the draw the engine calls."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.contests import bank
from kesu.contests.models import ContestItem
from kesu.contests.tests.bank_support import bank_rows, own_contest, stocked_contest, xlsx_file
from kesu.core.models import AuditEvent
from kesu.survey.actions.instruments import import_instrument
from kesu.survey.testing import ITEMS_CSV
from kesu.testing import World

pytestmark = pytest.mark.django_db

NANJING = {"judge": 7, "single": 7, "multi": 6, "topics": {"卫生健康": 3}}


def test_the_office_copies_the_survey_items_with_types_and_answers_mapped(world: World, client_for) -> None:
    instrument = import_instrument(
        world.pds_office, world.pingdingshan, "测试问卷", ITEMS_CSV.encode(), "i.csv"
    )
    contest = own_contest(world)
    office = client_for(world.pds_office)
    form = {"instrument": instrument.pk, "topics": ["前沿科技"]}
    assert office.post(f"/contests/{contest.pk}/bank/copy/", form).status_code == 302
    copied = ContestItem.objects.filter(contest=contest).select_related("survey_item")
    items = {i.survey_item.code: i for i in copied if i.survey_item is not None}
    assert (
        items["K1"].type == "judge"
        and items["K1"].options == ["正确", "错误"]
        and items["K1"].answer == ["A"]
    )
    assert (
        items["K2"].type == "single" and items["K2"].options[0] == "A. 真空" and items["K2"].answer == ["A"]
    )
    assert items["A1"].type == "multi" and items["A1"].answer == ["A", "C"]
    assert items["A1"].topics == ["前沿科技"] and items["A1"].code == "SA1"
    office.post(f"/contests/{contest.pk}/bank/copy/", form)  # a second copy adds nothing
    assert ContestItem.objects.filter(contest=contest).count() == 5
    assert AuditEvent.objects.filter(verb="contest.bank_copy").count() == 2


def test_another_regions_instrument_cannot_be_copied(world: World, client_for) -> None:
    theirs = import_instrument(world.xz_office, world.xinzheng, "新郑问卷", ITEMS_CSV.encode(), "i.csv")
    contest = own_contest(world)
    response = client_for(world.pds_office).post(
        f"/contests/{contest.pk}/bank/copy/", {"instrument": theirs.pk}
    )
    assert response.status_code == 200 and ContestItem.objects.count() == 0


def test_the_bank_locks_only_when_the_rule_can_be_drawn_and_refuses_edits_after(
    world: World, client_for
) -> None:
    contest = stocked_contest(world)
    office = client_for(world.pds_office)
    response = office.post(f"/contests/{contest.pk}/bank/lock/", follow=True)
    assert "抽题规则还没有设置" in response.content.decode()
    contest.refresh_from_db()
    assert contest.status == "draft"
    bank.save_rules(world.pds_office, contest, {**_rules(contest), "draw_rule": NANJING})
    assert office.post(f"/contests/{contest.pk}/bank/lock/").status_code == 302
    contest.refresh_from_db()
    assert contest.status == "bank_locked"
    item = ContestItem.objects.filter(contest=contest).first()
    assert item is not None
    refused = office.post(f"/contests/{contest.pk}/bank/import/", {"file": xlsx_file(bank_rows(1, 0, 0))})
    assert "题库已锁定" in refused.content.decode()
    office.post(f"/contests/{contest.pk}/bank/items/{item.pk}/status/", {"status": "retired"})
    with pytest.raises(bank.BankError, match="题库已锁定"):
        bank.update_item(world.pds_office, item, bank_row())
    item.refresh_from_db()
    assert item.status == "active" and ContestItem.objects.filter(contest=contest).count() == 23
    assert AuditEvent.objects.filter(verb="contest.bank_lock").count() == 1


def test_a_draw_for_an_attempt_follows_the_rule_and_costs_one_query(world: World) -> None:
    contest = stocked_contest(world)
    contest = bank.save_rules(world.pds_office, contest, {**_rules(contest), "draw_rule": NANJING})
    bank.draw_for_attempt(contest, random.Random(1))  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        items = bank.draw_for_attempt(contest, random.Random(2))
    assert len(queries) == 1
    assert [i.type for i in items] == ["judge"] * 7 + ["single"] * 7 + ["multi"] * 6
    assert sum(1 for i in items if "卫生健康" in i.topics) >= 3
    assert items != bank.draw_for_attempt(contest, random.Random(3))


def test_a_change_to_the_bank_is_seen_by_the_next_draw(world: World) -> None:
    contest = stocked_contest(world, judge=7, single=0, multi=0)
    contest = bank.save_rules(world.pds_office, contest, {**_rules(contest), "draw_rule": {"judge": 7}})
    assert len(bank.draw_for_attempt(contest, random.Random(1))) == 7
    bank.set_item_status(world.pds_office, ContestItem.objects.get(contest=contest, code="J000"), "retired")
    contest.refresh_from_db()
    assert bank.rule_problems(contest) == ["判断题需要 7 道，题库只有 6 道"]


def _rules(contest) -> dict:
    return {name: getattr(contest, name) for name in bank.RULE_FIELDS}


def bank_row():
    from kesu.quiz.items import check_item

    row, _ = check_item({"type": "判断", "stem": "新的判断题", "answer": "对"}, [])
    return row

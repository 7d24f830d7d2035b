"""The bank panel on an own contest's page: counts by type and topic, the rule's check, links for the office."""

from __future__ import annotations

import pytest

from kesu.contests import bank
from kesu.contests.tests.bank_support import stocked_contest
from kesu.testing import World

pytestmark = pytest.mark.django_db


def test_the_office_sees_counts_the_rules_check_and_links_on_the_contest_page(
    world: World, client_for
) -> None:
    contest = stocked_contest(world, judge=8, single=5, multi=7)
    page = client_for(world.pds_office).get(f"/contests/{contest.pk}/").content.decode()
    assert "题库与抽题规则" in page and "抽题规则还没有设置" in page
    assert f"/contests/{contest.pk}/bank/" in page and f"/contests/{contest.pk}/rules/" in page
    assert "卫生健康 8" in page and "安全生产 12" in page  # every third item of 8, 5 and 7: 3 + 2 + 3
    bank.save_rules(
        world.pds_office,
        contest,
        {
            **{n: getattr(contest, n) for n in bank.RULE_FIELDS},
            "draw_rule": {"judge": 7, "single": 5, "multi": 6},
        },
    )
    page = client_for(world.pds_office).get(f"/contests/{contest.pk}/").content.decode()
    assert "题库可以按抽题规则组卷" in page


def test_a_reader_sees_the_counts_but_no_link_to_the_answer_key(world: World, client_for) -> None:
    contest = stocked_contest(world, judge=2, single=0, multi=0)
    page = client_for(world.pds_leader).get(f"/contests/{contest.pk}/").content.decode()
    assert "题库与抽题规则" in page and f"/contests/{contest.pk}/bank/" not in page

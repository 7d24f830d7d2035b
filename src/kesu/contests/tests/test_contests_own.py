"""An own contest read the way a joined one is: at 结算 its rows are recounted from the attempts, the
组织奖 and individual awards are frozen with their figures, and the 通报 lists both."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document

from kesu.contests import actions
from kesu.contests.models import Award, AwardKind, ContestStatus
from kesu.contests.rankings import rankings
from kesu.contests.tests.play_support import county, open_contest, play, register

pytestmark = pytest.mark.django_db

RULE = {"metric": "participants", "region_count": 1, "unit_count": 0, "individual_count": 2}


def test_settling_an_own_contest_freezes_its_counted_figures_and_its_individual_awards(
    world: Any, client_for: Any
) -> None:
    contest = open_contest(world)
    actions.update_contest(None, contest, award_rule=RULE)
    first, second = client_for(None), client_for(None)
    register(first, contest, county("410421000000"), phone="13800000001", name="李一")
    register(second, contest, county("410402000000"), phone="13800000002", name="王二")
    play(first, contest)
    play(second, contest, right=2)
    office = client_for(world.pds_office)
    office.post(f"/contests/{contest.pk}/advance/", {"from": "open"})
    contest.refresh_from_db()
    assert contest.status == ContestStatus.SETTLING and contest.frozen_at is not None
    result = rankings(contest)
    assert {s.place.name: s.place.participants for s in result.regions} == {"宝丰县": 1, "新华区": 1}
    individuals = list(Award.objects.filter(contest=contest, kind=AwardKind.INDIVIDUAL).order_by("rank"))
    assert [a.participant.name for a in individuals if a.participant] == ["李一", "王二"]
    assert individuals[0].metrics["score"] > individuals[1].metrics["score"]
    assert Award.objects.filter(contest=contest, kind=AwardKind.REGION).count() == 2  # tied on 1 participant
    notice = office.get(f"/contests/{contest.pk}/notice.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    assert "组织奖与个人奖" in text and "个人奖第 1 名：李一" in text

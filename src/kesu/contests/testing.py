"""Test helpers of the contests app: a contest on the owner's side for the URL walk (each part of the
app adds its own samples below its heading; see tests/test_every_url_respects_scope.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from kesu.contests import actions
from kesu.contests.actions import FigureRow
from kesu.contests.models import Contest, ContestKind, ContestLevel, ContestStatus
from kesu.regions.models import Region, Unit


def make_contest(
    region: Region, name: str = "全民科学素质网络竞赛", year: int = 2025, **fields: Any
) -> Contest:
    """A joined contest through the action, open (ready for its results), unless told otherwise."""
    values: dict[str, Any] = {
        "level": ContestLevel.PROVINCIAL,
        "kind": ContestKind.JOINED,
        "year": year,
        "opens_at": timezone.make_aware(datetime(year, 9, 1)),
        "closes_at": timezone.make_aware(datetime(year, 9, 28, 23, 59)),
    } | fields
    contest = actions.create_contest(None, region, name=name, **values)
    if contest.kind == ContestKind.JOINED:
        contest = actions.advance_contest(None, contest, ContestStatus.DRAFT)
    return contest


def region_row(region: Region, participants: int, attempts: int, full: int = 0) -> FigureRow:
    return FigureRow(0, region, None, participants, attempts, full)


def unit_row(unit: Unit, participants: int, attempts: int, full: int = 0) -> FigureRow:
    return FigureRow(0, None, unit, participants, attempts, full)


# ---- Part 1: contests, rounds, results, rankings, 通报 ------------------------------------------------


def url_samples(owner_unit: Unit, owner_region: Region, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on the owner's side. The contest is organised one level below the owner's
    region (the first sub-region by code), out of reach of a sibling county's office, which reads a
    contest organised above it."""
    home = Region.objects.filter(parent=owner_region).order_by("code").first() or owner_region
    name = f"{home.name}私有竞赛"
    contest = Contest.objects.filter(region=home, name=name).first()
    if contest is None:
        contest = make_contest(home, name)
        actions.save_round(None, contest, 1, contest.opens_at, contest.closes_at, "私有轮次")
        # A region row: a liaison of the owner's unit must not meet this contest on its own “mine” page.
        actions.import_results(None, contest, [region_row(home, 10, 30)], filename="私有成绩.xlsx")
    figure = contest.figures.first()
    assert figure is not None
    return {
        "pk": contest.pk,  # every /contests/<pk>/… page of the app names the contest by ``pk``
        "contest:pk": contest.pk,
        "contest_edit:pk": contest.pk,
        "contest_advance:pk": contest.pk,
        "round_save:pk": contest.pk,
        "round_delete:pk": contest.pk,
        "round_delete:number": 1,
        "results_import:pk": contest.pk,
        "results_template:pk": contest.pk,
        "rankings:pk": contest.pk,
        "notice:pk": contest.pk,
        "contest-detail:pk": contest.pk,
        "contest-figure-detail:pk": figure.pk,
        # The public pages of a contest run elsewhere: none (404), whoever asks.
        "key": contest.public_key,
        "private_texts": [name],
    } | with_play_samples(home, bank_samples(home, [name]))


# ---- the item bank and the own contest's rules (bank helper) -------------------------------------


def bank_samples(home: Region, texts: list[str]) -> dict[str, Any]:
    """An own contest with one bank item, for the bank and rules pages (they 404 on a joined contest);
    ``texts`` are the private texts of the samples before, kept."""
    from kesu.contests import bank
    from kesu.quiz.items import check_item

    name = f"{home.name}自办竞赛"
    contest = Contest.objects.filter(region=home, name=name).first()
    if contest is None:
        contest = make_contest(home, name, kind=ContestKind.OWN, level=ContestLevel.CITY)
        row, _ = check_item({"type": "判断", "stem": "私有题库的判断题", "answer": "对"}, [])
        assert row is not None
        bank.import_items(None, contest, [row], filename="私有题库.xlsx")
    item = contest.items.get()
    pages = ["bank", "bank_import", "bank_template", "bank_export", "bank_copy", "bank_lock", "rules"]
    return {
        **{f"{page}:pk": contest.pk for page in [*pages, "bank_item_edit", "bank_item_status"]},
        "item_id": item.pk,
        "private_texts": [*texts, name, item.stem],
    }


# ---- answering: participants, attempts, leaderboard (engine helper) ------------------------------


def with_play_samples(home: Region, samples: dict[str, Any]) -> dict[str, Any]:
    """``samples`` (the bank's own contest) plus a participant and an attempt of that contest for the
    office's answering pages; the participant's name is private to the contest's region."""
    from datetime import timedelta

    from kesu.contests.models import Attempt, Participant
    from kesu.core.personal import encrypt_text, keyed_hash

    contest = Contest.objects.get(pk=samples["bank:pk"])
    person = Participant.objects.filter(contest=contest).first()
    if person is None:
        phone = "13987650000"
        person = Participant.objects.create(
            contest=contest,
            phone_hash=keyed_hash("phone", phone),
            phone_cipher=encrypt_text(phone),
            phone_last4=phone[-4:],
            name="私有参赛人甲乙",
            region=home,
        )
    attempt = Attempt.objects.filter(participant=person).first()
    if attempt is None:
        at = timezone.now()
        attempt = Attempt.objects.create(
            contest=contest,
            participant=person,
            day=timezone.localdate(at),
            started_at=at,
            deadline=at + timedelta(minutes=10),
            finished_at=at,
            status="finished",
            item_count=1,
        )
    pages = ["play_participants", "play_reveal", "play_participant_void", "play_attempts"]
    pages += ["play_attempt_void", "play_leaderboard", "play_close"]
    return samples | {
        **{f"{page}:pk": contest.pk for page in pages},
        "participant_pk": person.pk,
        "attempt_pk": attempt.pk,
        "attempt_id": attempt.pk,  # the public API's attempt URLs (under the sample key: 404 whoever asks)
        "private_texts": [*samples.get("private_texts", []), person.name],
    }

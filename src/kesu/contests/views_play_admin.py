"""The office's pages on an own contest's answering: participants (phones masked; the organising office
may reveal one, audited), attempts (flagged ones first to look at), voiding with a reason, the leaderboard.

Who sees what comes from the querysets: ``Participant.objects.visible_to`` (offices of the participant's
region and above), ``phones_readable_by`` (the organising office), ``Contest.objects.manageable_by``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from kesu.contests import actions_play, engine, standings
from kesu.contests.actions_play import PlayAdminError
from kesu.contests.models import Attempt, AttemptStatus, Contest, ContestKind, Participant
from kesu.core.http import AuthedRequest
from kesu.core.personal import mask_name

PAGE_SIZE = 100


def _contest(request: AuthedRequest, pk: int) -> Contest:
    return get_object_or_404(
        Contest.objects.visible_to(request.user).filter(kind=ContestKind.OWN).select_related("region"), pk=pk
    )


def _manages(request: AuthedRequest, contest: Contest) -> bool:
    return Contest.objects.manageable_by(request.user).filter(pk=contest.pk).exists()


def _participants(request: AuthedRequest, contest: Contest) -> QuerySet[Participant]:
    return Participant.objects.visible_to(request.user).filter(contest=contest)


def masked_phone(participant: Participant) -> str:
    return f"*******{participant.phone_last4}"


@require_safe
def participants(request: AuthedRequest, pk: int, revealed: dict[int, str] | None = None) -> HttpResponse:
    contest = _contest(request, pk)
    rows = (
        _participants(request, contest)
        .select_related("region", "unit")
        .annotate(
            attempt_count=Count("attempts", filter=~Q(attempts__status=AttemptStatus.VOIDED)),
            best=Max("attempts__score", filter=Q(attempts__status__in=standings.COUNTED)),
            flagged_count=Count(
                "attempts", filter=Q(attempts__flagged=True) & ~Q(attempts__status=AttemptStatus.VOIDED)
            ),
        )
        .order_by("-registered_at", "-pk")
    )
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(Q(name__contains=query) | Q(phone_last4=query) | Q(region__name__contains=query))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    readable = set(
        Participant.objects.phones_readable_by(request.user)
        .filter(pk__in=[p.pk for p in page.object_list])
        .values_list("pk", flat=True)
    )
    for person in page.object_list:  # shown on the page only: not model fields
        person.phone_shown = (revealed or {}).get(person.pk) or masked_phone(person)  # type: ignore[attr-defined]
        person.can_reveal = person.pk in readable  # type: ignore[attr-defined]
    return render(
        request,
        "contests/participants.html",
        {
            "contest": contest,
            "page": page,
            "query": query,
            "can_manage": _manages(request, contest),
            "revealed": revealed,
        },
    )


@require_POST
def participant_reveal(request: AuthedRequest, pk: int, participant_pk: int) -> HttpResponse:
    contest = _contest(request, pk)
    person = get_object_or_404(
        _participants(request, contest).select_related("contest__region"), pk=participant_pk
    )
    try:
        phone = actions_play.reveal_phone(request.user, person)
    except PlayAdminError as error:
        raise PermissionDenied(error.message) from error
    request.method = "GET"  # the list again, with this one number shown once
    return participants(request, pk, revealed={person.pk: phone})


@require_POST
def participant_void(request: AuthedRequest, pk: int, participant_pk: int) -> HttpResponse:
    contest = _contest(request, pk)
    if not _manages(request, contest):
        raise PermissionDenied("只有竞赛主办区划的素质办可以作废答题")
    person = get_object_or_404(_participants(request, contest), pk=participant_pk)
    return _void(request, contest, participant=person)


@require_POST
def attempt_void(request: AuthedRequest, pk: int, attempt_pk: int) -> HttpResponse:
    contest = _contest(request, pk)
    if not _manages(request, contest):
        raise PermissionDenied("只有竞赛主办区划的素质办可以作废答题")
    attempt = get_object_or_404(_attempts(request, contest), pk=attempt_pk)
    return _void(request, contest, attempt=attempt)


def _void(request: AuthedRequest, contest: Contest, **target: Any) -> HttpResponse:
    try:
        count = actions_play.void_attempts(
            request.user, contest, reason=request.POST.get("reason", ""), **target
        )
    except PlayAdminError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已作废 {count} 次答题，排行榜和参赛统计已不再计入")
    back = request.POST.get("next", "")
    if back.startswith(f"/contests/{contest.pk}/"):  # only back to this contest's own pages
        return redirect(back)
    return redirect("contests:play_attempts", pk=contest.pk)


def _attempts(request: AuthedRequest, contest: Contest) -> QuerySet[Attempt]:
    return Attempt.objects.filter(contest=contest, participant__in=_participants(request, contest))


@require_safe
def attempts(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = _contest(request, pk)
    rows = _attempts(request, contest).select_related("participant__region").order_by("-started_at", "-pk")
    show = request.GET.get("show", "")
    if show == "flagged":
        rows = rows.filter(flagged=True).exclude(status=AttemptStatus.VOIDED)
    elif show == "today":
        rows = rows.filter(day=engine.local_day(engine.now()))
    elif show == "voided":
        rows = rows.filter(status=AttemptStatus.VOIDED)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contests/attempts.html",
        {"contest": contest, "page": page, "show": show, "can_manage": _manages(request, contest)},
    )


@require_safe
def leaderboard(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = _contest(request, pk)
    can_manage = _manages(request, contest)  # others read the public board's masked names
    rows = standings.top_participants(contest, contest.leaderboard_size)
    shown = [
        {
            "rank": s.rank,
            "name": s.name if can_manage else mask_name(s.name),
            "region": s.region_name,
            "unit": s.unit_name,
            "score": s.score,
            "seconds": (s.duration_ms or 0) / 1000,
            "entered_at": s.entered_at,
        }
        for s in rows
    ]
    return render(
        request,
        "contests/leaderboard.html",
        {
            "contest": contest,
            "rows": shown,
            "order": [standings.scoring.TIE_BREAK_LABELS[r] for r in standings._order(contest)],
        },
    )


@require_POST
def close_play(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = _contest(request, pk)
    if not _manages(request, contest):
        raise PermissionDenied("只有竞赛主办区划的素质办可以结束答题")
    closed = actions_play.close_play(request.user, contest)
    messages.success(request, f"已结束 {closed} 次进行中的答题并更新参赛统计")
    return redirect(contest)

"""The public JSON API of an own contest under /c/<key>/api/ (the contract: docs/contests.md).

Plain Django views returning JSON — no DRF, no session, no login — because the answer request is the
one that must stay cheap under a last-day surge. The participant is the signed ``kesu_cp`` cookie set at
registration ("<contest_id>:<participant_id>"); Django's CSRF check stays on (the page sends the
``csrftoken`` cookie back as ``X-CSRFToken``). Every refusal is {"error": Chinese, "code": machine}.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from kesu.contests import engine, standings
from kesu.contests.engine import PlayError
from kesu.contests.models import AttemptStatus, Contest, Participant
from kesu.contests.views_public_pages import (
    PARTICIPANT_COOKIE,
    PARTICIPANT_MAX_AGE,
    PARTICIPANT_SALT,
    certificate_url,
)
from kesu.core.http import client_ip
from kesu.core.personal import mask_mobile

View = Callable[..., HttpResponse]


def _error(error: PlayError) -> JsonResponse:
    return JsonResponse({"error": error.message, "code": error.code, **error.extra}, status=error.status)


def api(view: View) -> View:
    """Public, JSON in and out, PlayError as its JSON refusal."""

    @wraps(view)
    def wrapped(request: HttpRequest, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, engine.contest_for_key(key), *args, **kwargs)
        except PlayError as error:
            return _error(error)

    return login_not_required(wrapped)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise PlayError(400, "bad_json", "请求格式不对") from None
    if not isinstance(data, dict):
        raise PlayError(400, "bad_json", "请求格式不对")
    return data


def participant_id(request: HttpRequest, contest: Contest) -> int:
    """The registered participant this browser is, from the signed cookie (no database read)."""
    try:
        value = request.get_signed_cookie(
            PARTICIPANT_COOKIE, salt=PARTICIPANT_SALT, max_age=PARTICIPANT_MAX_AGE
        )
    except (KeyError, signing.BadSignature):
        raise PlayError(401, "not_registered", "请先报名") from None
    contest_id, _, pk = str(value).partition(":")
    if contest_id != str(contest.pk) or not pk.isdigit():
        raise PlayError(401, "not_registered", "请先报名")
    return int(pk)


@require_POST
@api
def challenge(request: HttpRequest, contest: Contest) -> HttpResponse:
    return JsonResponse(engine.new_challenge(contest, client_ip(request)))


@require_POST
@api
def register(request: HttpRequest, contest: Contest) -> HttpResponse:
    done = engine.register(contest, _body(request), client_ip(request))
    person = done.participant
    response = JsonResponse(
        {"participant": {"name": person.name, "phone": done.phone_masked, "region": person.region.name}}
    )
    response.set_signed_cookie(
        PARTICIPANT_COOKIE,
        f"{contest.pk}:{person.pk}",
        salt=PARTICIPANT_SALT,
        max_age=int(PARTICIPANT_MAX_AGE.total_seconds()),
        path=f"/c/{contest.public_key}/",
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@require_GET
@api
def me(request: HttpRequest, contest: Contest) -> HttpResponse:
    pk = participant_id(request, contest)
    person = Participant.objects.filter(pk=pk, contest=contest).select_related("region").first()
    if person is None:
        raise PlayError(401, "not_registered", "请先报名")
    active, left = engine.active_and_left_today(contest, pk)
    result, rank = standings.cached_rank(contest, pk)
    return JsonResponse(
        {
            "participant": {
                "name": person.name,
                "phone": mask_mobile("*******" + person.phone_last4),
                "region": person.region.name,
            },
            "attempts_left_today": left,
            "active_attempt": active,
            "best_score": result.score if result else None,
            "rank": rank,
            "contest": {
                "name": contest.name,
                "opens_at": contest.opens_at.isoformat(),
                "closes_at": contest.closes_at.isoformat(),
                "open": engine.is_open(contest),
                "item_count": engine.item_count(contest),
                "seconds_per_item": contest.seconds_per_item,
                "seconds_per_attempt": contest.seconds_per_attempt,
                "attempts_per_day": contest.attempts_per_day,
            },
        }
    )


@require_POST
@api
def attempts(request: HttpRequest, contest: Contest) -> HttpResponse:
    started = engine.start_attempt(
        contest,
        participant_id(request, contest),
        client_ip(request),
        str(request.META.get("HTTP_USER_AGENT", "")),
    )
    return JsonResponse(
        {"attempt": engine.attempt_payload(started.attempt), "item": started.item}, status=201
    )


@require_GET
@api
def current(request: HttpRequest, contest: Contest) -> HttpResponse:
    attempt, item = engine.current(contest, participant_id(request, contest))
    return JsonResponse({"attempt": engine.attempt_payload(attempt), "item": item})


@require_POST
@api
def answer(request: HttpRequest, contest: Contest, attempt_id: int) -> HttpResponse:
    data = _body(request)
    position = data.get("position")
    if not isinstance(position, int) or position < 1:
        raise PlayError(400, "bad_position", "题号不对")
    done = engine.answer(contest, participant_id(request, contest), attempt_id, position, data.get("answer"))
    body: dict[str, Any] = {
        "accepted": done.accepted,
        "late": done.late,
        "item": done.item,
        "finished": done.finished,
    }
    if done.code:
        body["code"] = done.code
    return JsonResponse(body)


@require_POST
@api
def finish(request: HttpRequest, contest: Contest, attempt_id: int) -> HttpResponse:
    pk = participant_id(request, contest)
    engine.finish(contest, pk, attempt_id)
    return _result(contest, pk, attempt_id)


@require_GET
@api
def result(request: HttpRequest, contest: Contest, attempt_id: int) -> HttpResponse:
    return _result(contest, participant_id(request, contest), attempt_id)


def _result(contest: Contest, participant: int, attempt_id: int) -> JsonResponse:
    attempt, review = engine.result_of(contest, participant, attempt_id)
    counted = attempt.status in (AttemptStatus.FINISHED, AttemptStatus.EXPIRED)
    rank = standings.cached_rank(contest, participant)[1] if counted else None
    return JsonResponse(
        {
            "score": attempt.score,
            "correct_count": attempt.correct_count,
            "item_count": attempt.item_count,
            "duration_ms": attempt.duration_ms,
            "rank": rank,
            "full_score": counted and attempt.correct_count == attempt.item_count,
            "voided": attempt.status == AttemptStatus.VOIDED,
            "review": review,
            "certificate_url": certificate_url(contest, attempt),
        }
    )


@require_GET
@api
def leaderboard(request: HttpRequest, contest: Contest) -> HttpResponse:
    return JsonResponse(standings.leaderboard(contest))

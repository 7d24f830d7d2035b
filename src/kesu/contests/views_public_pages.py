"""The participant's phone page of an own contest, its QR code, the region picker's data and the certificate.

The page is one HTML shell: ``static/contests/play.js`` calls the public JSON API (``api_public``) for
everything that changes (register, draw, answer, result), so a refresh resumes from the server and the
app servers hold no attempt state. No sign-in: the participant is the signed ``kesu_cp`` cookie set at
registration; the organising office reads certificates with its own login.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from urllib.parse import quote

import segno
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from kesu.contests import engine
from kesu.contests.certificate import CertificateText, NoChineseFont, certificate_pdf
from kesu.contests.models import Attempt, AttemptStatus, Contest, ContestKind
from kesu.core import audit
from kesu.plans.filters import KEY_GROUPS
from kesu.regions.models import Region, RegionLevel, Unit

PARTICIPANT_COOKIE = "kesu_cp"
PARTICIPANT_SALT = "kesu.contests.participant"
PARTICIPANT_MAX_AGE = timedelta(days=30)
REGION_CACHE_SECONDS = 600
CERTIFICATE_CACHE_SECONDS = 24 * 3600
UNIT_LIMIT = 500  # a select longer than this is no use on a phone; the office lists fewer units


def _own_contest(key: str) -> Contest:
    """The contest behind a public key; a joined contest has no phone page."""
    return get_object_or_404(Contest.objects.select_related("region"), public_key=key, kind=ContestKind.OWN)


def cookie_participant_id(request: HttpRequest, contest: Contest) -> int | None:
    """The participant this browser registered as in this contest (the signed cookie), or None."""
    try:
        value = request.get_signed_cookie(
            PARTICIPANT_COOKIE, default=None, salt=PARTICIPANT_SALT, max_age=PARTICIPANT_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if value is None:
        return None
    contest_id, _, participant_id = value.partition(":")
    if contest_id != str(contest.pk) or not participant_id.isdigit():
        return None
    return int(participant_id)


@login_not_required
@require_safe
@ensure_csrf_cookie
def play(request: HttpRequest, key: str) -> HttpResponse:
    """The phone page: rules and registration, home, answering, result; JS drives the states."""
    contest = _own_contest(key)
    fields = contest.registration_fields or {}
    context = {
        "contest": contest,
        "item_count": engine.item_count(contest),
        "full_score": engine.item_count(contest) * contest.points_per_item,
        "is_open": engine.is_open(contest),
        "ask_unit": bool(fields.get("unit")),
        "unit_required": bool(fields.get("unit") and fields.get("unit_required")),
        "ask_school": bool(fields.get("school")),
        "ask_key_group": bool(fields.get("key_group")),
        "ask_birth_year": contest.min_age is not None or contest.max_age is not None,
        "key_groups": KEY_GROUPS,
        "birth_years": _birth_years(contest),
        "api_url": f"/c/{contest.public_key}/api/",
    }
    return render(request, "contests/public/play.html", context)


def _birth_years(contest: Contest) -> list[int]:
    """The years a select offers: the age rule's span as the engine counts it (this year − birth year)."""
    this_year = timezone.localdate().year
    youngest = contest.min_age if contest.min_age is not None else 6
    oldest = contest.max_age if contest.max_age is not None else 100
    return list(range(this_year - youngest, this_year - oldest - 1, -1))


@login_not_required
@require_safe
@cache_control(public=True, max_age=REGION_CACHE_SECONDS)
def regions(request: HttpRequest, key: str) -> JsonResponse:
    """The sub-regions of ``?parent=<code>`` (the contest's own region when absent), for the cascading
    picker down to town and village. Only the contest's subtree answers; the list is cached."""
    contest = _own_contest(key)
    parent_code = request.GET.get("parent") or contest.region.code
    cache_key = f"contests:regions:{contest.public_key}:{parent_code}"
    payload = cache.get(cache_key)
    if payload is None:
        parent = Region.objects.filter(code=parent_code, path__startswith=contest.region.path).first()
        if parent is None:
            return JsonResponse({"error": "没有这个地区。", "code": "bad_region"}, status=404)
        children = (
            Region.objects.filter(parent=parent)
            .annotate(has_children=Exists(Region.objects.filter(parent=OuterRef("pk"))))
            .order_by("code")
        )
        payload = {
            "parent": {"code": parent.code, "name": parent.name, "level": parent.level},
            "level_name": _level_name(parent.level + 1),
            "regions": [
                {"code": child.code, "name": child.name, "leaf": not child.has_children} for child in children
            ],
        }
        cache.set(cache_key, payload, REGION_CACHE_SECONDS)
    return JsonResponse(payload)


LEVEL_NAMES = {
    RegionLevel.CITY.value: "市",
    RegionLevel.COUNTY.value: "县（市、区）",
    RegionLevel.TOWN.value: "乡镇（街道）",
    RegionLevel.VILLAGE.value: "村（社区）",
}


def _level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, "地区")


@login_not_required
@require_safe
@cache_control(public=True, max_age=REGION_CACHE_SECONDS)
def units(request: HttpRequest, key: str) -> JsonResponse:
    """The units of the contest's region and below, for a contest that asks for the participant's unit."""
    contest = _own_contest(key)
    cache_key = f"contests:units:{contest.public_key}"
    payload = cache.get(cache_key)
    if payload is None:
        rows = (
            Unit.objects.filter(region__path__startswith=contest.region.path)
            .select_related("region")
            .order_by("region__code", "name")[:UNIT_LIMIT]
        )
        payload = {"units": [{"id": u.pk, "name": u.name, "region": u.region.name} for u in rows]}
        cache.set(cache_key, payload, REGION_CACHE_SECONDS)
    return JsonResponse(payload)


@login_not_required
@require_safe
def qr_png(request: HttpRequest, key: str) -> HttpResponse:
    """The public link as a QR code for posters and 朋友圈 (``?download=1``: a large PNG as a file).
    It holds nothing the link does not, so it needs no sign-in."""
    contest = _own_contest(key)
    url = request.build_absolute_uri(reverse("contest_public:play", kwargs={"key": contest.public_key}))
    download = bool(request.GET.get("download"))
    buffer = io.BytesIO()
    # A poster needs a large image (about 6 cm at 300 dpi); a page shows a small one.
    segno.make(url, error="m").save(buffer, kind="png", scale=20 if download else 5, border=4)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    if download:
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(f'{contest.name}-二维码.png')}"
        )
    return response


@login_not_required
@require_safe
def certificate(request: HttpRequest, key: str, attempt_id: int) -> HttpResponse:
    """The 荣誉证书 of a finished attempt at or above the threshold: to the participant holding the
    cookie, or to the organising office (its download audited, as it carries a name)."""
    contest = _own_contest(key)
    attempt = get_object_or_404(
        Attempt.objects.select_related("participant__region"), pk=attempt_id, contest=contest
    )
    is_participant = cookie_participant_id(request, contest) == attempt.participant_id
    is_office = (
        not is_participant
        and request.user.is_authenticated
        and Contest.objects.manageable_by(request.user).filter(pk=contest.pk).exists()
    )
    if not (is_participant or is_office):
        return _refusal(request, "请在报名答题的手机上打开证书链接。", status=403)
    if not earns_certificate(contest, attempt):
        raise Http404("这次答题没有达到证书分数线。")
    try:
        pdf = _certificate_bytes(contest, attempt)
    except NoChineseFont as missing:
        return _refusal(request, str(missing), status=503)
    if is_office:
        audit.record_export(
            request.user,  # type: ignore[arg-type]  # authenticated: checked above
            f"{contest.name} 证书（{attempt.participant.name}）",
            rows=1,
            region=contest.region,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = quote(f"{contest.name}-证书-{attempt.participant.name}.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def earns_certificate(contest: Contest, attempt: Attempt) -> bool:
    """A finished (or timed-out) attempt, not voided, scoring at least the office's threshold."""
    return (
        contest.certificate_threshold is not None
        and attempt.status in (AttemptStatus.FINISHED, AttemptStatus.EXPIRED)
        and attempt.score >= contest.certificate_threshold
    )


def certificate_url(contest: Contest, attempt: Attempt) -> str | None:
    """The link the result shows (None below the threshold): the API helper may call this."""
    if not earns_certificate(contest, attempt):
        return None
    return reverse("contest_public:certificate", kwargs={"key": contest.public_key, "attempt_id": attempt.pk})


def _certificate_bytes(contest: Contest, attempt: Attempt) -> bytes:
    """Drawn once per attempt and result (about half a second of CPU), then served from the cache."""
    participant = attempt.participant
    text = CertificateText(
        participant=participant.name,
        region=participant.region.name,
        contest=contest.name,
        score=attempt.score,
        full_score=attempt.item_count * contest.points_per_item,
        correct=attempt.correct_count,
        item_count=attempt.item_count,
        organiser=contest.organiser or f"{contest.region.name}全民科学素质工作领导小组办公室",
        issued_on=timezone.localdate(attempt.finished_at or attempt.deadline),
        number=f"{contest.year}-{contest.pk:04d}-{attempt.pk:08d}",
    )
    digest = hashlib.sha256(repr(text).encode()).hexdigest()[:16]
    cache_key = f"contests:certificate:{attempt.pk}:{digest}"
    pdf = cache.get(cache_key)
    if pdf is None:
        pdf = certificate_pdf(text)
        cache.set(cache_key, pdf, CERTIFICATE_CACHE_SECONDS)
    return pdf


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "contests/public/refusal.html", {"message": message}, status=status)

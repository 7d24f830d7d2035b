"""The answering engine of an own contest: register, start, resume, answer, finish, expire (docs/contests.md).

Built for the last-day surge (1,000 phones answering at once on two cores): the source of truth is the
database (``Attempt``, ``AttemptItem``); nothing about an attempt lives in the process. What the process
keeps is read-only and short-lived: the contest row (per process, a few seconds) — never attempt state.

An answer costs two SQL statements: one SELECT of the attempt header with the previous, current and next
drawn items and their bank rows, and one conditional ``UPDATE … WHERE answered_at IS NULL`` that stores
the answer and its points, so a repeated post cannot store it twice. The last answer adds four more
(read the items' points, close the attempt, read and fold the participant's kept result). An item is shown when the one before it was answered (the
first when the attempt started), so its deadline needs no write of its own. A score is always the sum of
the stored items' points, so it equals a recomputation from the stored answers by construction.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kesu.contests import bank, standings
from kesu.contests.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Contest,
    ContestItem,
    ContestKind,
    ContestStatus,
    Participant,
)
from kesu.core.personal import encrypt_text, keyed_hash, mask_mobile, mobile_error
from kesu.core.ratelimit import RateLimit
from kesu.quiz import fairplay, scoring
from kesu.quiz.draw import DrawError
from kesu.regions.models import Region, Unit

# Seconds an answer may arrive after its deadline and still count: the phone's last tap and the network.
GRACE_SECONDS = float(getattr(settings, "KESU_CONTEST_GRACE_SECONDS", 2))
# How long a process trusts its copy of a contest row (rules, window, frozen): changes show within this.
RULES_SECONDS = float(getattr(settings, "KESU_CONTEST_RULES_SECONDS", 5))
# With neither a per-item nor a per-attempt limit, an attempt still ends: after this many seconds.
DEFAULT_ATTEMPT_SECONDS = 30 * 60
CHALLENGE_SECONDS = 300
SLIDER_TOLERANCE = 4
MIN_DRAG_MS = 250
DAY_ZONE = "Asia/Shanghai"  # attempts per day count the contest's local day

REGISTER_PER_IP = RateLimit(
    "contest_register_ip", int(getattr(settings, "KESU_CONTEST_REGISTER_PER_IP", 120)), 600
)
REGISTER_PER_PHONE = RateLimit("contest_register_phone", 10, 3600)
CHALLENGE_PER_IP = RateLimit(
    "contest_challenge_ip", int(getattr(settings, "KESU_CONTEST_REGISTER_PER_IP", 120)) * 2, 600
)
START_PER_IP = RateLimit("contest_start_ip", int(getattr(settings, "KESU_CONTEST_STARTS_PER_IP", 600)), 600)
START_PER_PARTICIPANT = RateLimit("contest_start_phone", 30, 600)
# About one answer a second sustained, per attempt (not per address: many phones share a carrier's NAT).
ANSWER_PER_ATTEMPT = RateLimit(
    "contest_answer", int(getattr(settings, "KESU_CONTEST_ANSWERS_PER_30S", 30)), 30
)


def within(limit: RateLimit, key: str) -> bool:
    """``limit.hit(key)``, in one Redis round trip when the cache is Redis.

    ``RateLimit.hit`` is ``add`` then ``incr``, and Django's Redis ``incr`` is EXISTS then INCRBY: three
    round trips and a new client object each, measured at a third of an answer's time under load
    (/tmp/contest-perf-findings.md, finding 5). Here INCR and EXPIRE go in one pipeline on the same
    counter key, so ``RateLimit.exceeded`` and this agree. Other caches (the demo's file cache) use ``hit``.
    """
    backend = caches["default"]
    if limit.limit <= 0 or not isinstance(backend, RedisCache):
        return limit.hit(key)
    entry = backend.make_and_validate_key(limit._entry(key))  # the limiter's own key for this window
    pipe = backend._cache.get_client(entry, write=True).pipeline(transaction=False)
    pipe.incr(entry)
    pipe.expire(entry, limit.window + 1)
    count = int(pipe.execute()[0])
    return count <= limit.limit


class PlayError(Exception):
    """A refusal the API shows as {"error", "code"} with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def now() -> datetime:
    """The server clock (tests replace it to step past a deadline)."""
    return timezone.now()


def local_day(at: datetime) -> date:
    return timezone.localtime(at, timezone=_zone()).date()


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(DAY_ZONE)


# ---- the contest's rules, per process ---------------------------------------------------------------

_contests: dict[str, tuple[float, Contest]] = {}


def contest_for_key(key: str) -> Contest:
    """The own contest behind a public key, from this process's copy when it is a few seconds old at most.

    Read-only: the rules, window, status and frozen time of the contest, which change rarely and by the
    office; never attempt state."""
    found = _contests.get(key)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    contest = Contest.objects.select_related("region").filter(public_key=key, kind=ContestKind.OWN).first()
    if contest is None:
        raise PlayError(404, "no_contest", "竞赛不存在或链接有误")
    if len(_contests) > 256:
        _contests.clear()
    _contests[key] = (time.monotonic() + RULES_SECONDS, contest)
    return contest


def forget_contest(key: str) -> None:
    """Drop this process's copy (tests, and the office's own process after it changes the rules)."""
    _contests.pop(key, None)


def item_count(contest: Contest) -> int:
    rule = contest.draw_rule or {}
    return sum(int(rule.get(kind) or 0) for kind in ("judge", "single", "multi"))


def is_open(contest: Contest, at: datetime | None = None) -> bool:
    at = at or now()
    return (
        contest.status == ContestStatus.OPEN
        and contest.opens_at <= at < contest.closes_at
        and not contest.is_frozen
    )


def refuse_unless_open(contest: Contest) -> None:
    if contest.is_frozen:
        raise PlayError(403, "frozen", "竞赛成绩已冻结，不能再答题")
    at = now()
    if contest.status != ContestStatus.OPEN or not contest.opens_at <= at < contest.closes_at:
        raise PlayError(403, "closed", "不在竞赛开放时间内")


# ---- the human check and registration ---------------------------------------------------------------


def new_challenge(contest: Contest, ip: str) -> dict[str, Any]:
    """A slider target the page asks the person to drag to, remembered for five minutes, used once."""
    from django.core.cache import cache

    if not within(CHALLENGE_PER_IP, ip):
        raise PlayError(429, "rate_limited", "操作太频繁，请稍后再试")
    challenge = f"{contest.pk}-{random.SystemRandom().getrandbits(64):016x}"
    target = random.SystemRandom().randint(10, 95)
    cache.set(_challenge_key(challenge), target, CHALLENGE_SECONDS)
    return {"challenge": challenge, "kind": "slider", "target": target}


def _challenge_key(challenge: str) -> str:
    return f"kesu:contest:challenge:{challenge}"


def _pass_challenge(data: dict[str, Any]) -> None:
    from django.core.cache import cache

    challenge = str(data.get("challenge") or "")
    target = cache.get(_challenge_key(challenge)) if challenge else None
    if target is not None:
        cache.delete(_challenge_key(challenge))  # one use
    try:
        position, drag_ms = int(data.get("slider")), int(data.get("drag_ms") or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        position, drag_ms = -1000, 0
    if target is None or abs(position - int(target)) > SLIDER_TOLERANCE or drag_ms < MIN_DRAG_MS:
        raise PlayError(400, "challenge_failed", "滑块验证未通过，请重新拖动滑块")


@dataclass(frozen=True)
class Registered:
    participant: Participant
    phone_masked: str
    created: bool


def register(contest: Contest, data: dict[str, Any], ip: str) -> Registered:
    """Sign up with a phone number (or sign back in with the same phone and name: also after the close,
    to read one's results; new registrations only while the contest is open)."""
    phone = str(data.get("phone") or "").strip()
    if mobile_error(phone):
        raise PlayError(400, "bad_phone", "手机号应为 11 位大陆手机号码")
    if not within(REGISTER_PER_IP, ip) or not within(REGISTER_PER_PHONE, f"{contest.pk}:{phone}"):
        raise PlayError(429, "rate_limited", "操作太频繁，请稍后再试")
    _pass_challenge(data)
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 50:
        raise PlayError(400, "missing_field", "请填写姓名（50 字以内）")
    phone_hash = keyed_hash("phone", phone)
    existing = (
        Participant.objects.filter(contest=contest, phone_hash=phone_hash).select_related("region").first()
    )
    if existing is not None:
        if existing.name != name:
            raise PlayError(409, "phone_taken", "该手机号已报名，姓名不一致")
        return Registered(existing, mask_mobile(phone), created=False)
    refuse_unless_open(contest)
    fields = _registration_fields(contest, data)
    participant = Participant(
        contest=contest,
        phone_hash=phone_hash,
        phone_cipher=encrypt_text(phone),
        phone_last4=phone[-4:],
        name=name,
        registered_ip=ip or None,
        **fields,
    )
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError:  # the same phone registered a moment ago from another tab
        participant = Participant.objects.select_related("region").get(contest=contest, phone_hash=phone_hash)
        if participant.name != name:
            raise PlayError(409, "phone_taken", "该手机号已报名，姓名不一致") from None
        return Registered(participant, mask_mobile(phone), created=False)
    return Registered(participant, mask_mobile(phone), created=True)


def _registration_fields(contest: Contest, data: dict[str, Any]) -> dict[str, Any]:
    asked = contest.registration_fields or {}
    region = Region.objects.filter(
        code=str(data.get("region_code") or "").strip(), path__startswith=contest.region.path
    ).first()
    if region is None:
        raise PlayError(400, "bad_region", f"请选择{contest.region.name}范围内的所在地区")
    fields: dict[str, Any] = {"region": region}
    unit_id = data.get("unit_id")
    if unit_id not in (None, ""):
        unit = Unit.objects.filter(
            pk=_int(unit_id) or 0, region__path__startswith=contest.region.path
        ).first()
        if unit is None:
            raise PlayError(400, "bad_unit", "所选单位不在本次竞赛范围内")
        fields["unit"] = unit
    elif asked.get("unit") and asked.get("unit_required"):
        raise PlayError(400, "missing_field", "请选择单位")
    fields["school"] = str(data.get("school") or "").strip()[:100]
    fields["key_group"] = str(data.get("key_group") or "").strip()[:20]
    birth_year = _int(data.get("birth_year"))
    if contest.min_age is not None or contest.max_age is not None:
        if birth_year is None:
            raise PlayError(400, "missing_field", "请选择出生年份")
        age = local_day(now()).year - birth_year
        if (contest.min_age is not None and age < contest.min_age) or (
            contest.max_age is not None and age > contest.max_age
        ):
            raise PlayError(403, "ineligible", f"本次竞赛面向 {_age_words(contest)} 的公众")
    fields["birth_year"] = birth_year
    return fields


def _age_words(contest: Contest) -> str:
    low, high = contest.min_age, contest.max_age
    if low is not None and high is not None:
        return f"{low}–{high} 周岁"
    return f"{low} 周岁以上" if low is not None else f"{high} 周岁以下"


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


# ---- attempts -----------------------------------------------------------------------------------------


def attempt_seconds(contest: Contest, count: int) -> int:
    if contest.seconds_per_attempt:
        return int(contest.seconds_per_attempt)
    if contest.seconds_per_item:
        return int(contest.seconds_per_item) * count
    return DEFAULT_ATTEMPT_SECONDS


@dataclass(frozen=True)
class Started:
    attempt: Attempt
    item: dict[str, Any]


def start_attempt(contest: Contest, participant_id: int, ip: str, user_agent: str) -> Started:
    """Draw a new attempt: one at a time per participant (the database's partial unique index holds it
    across app servers), within the day's allowance and the window."""
    refuse_unless_open(contest)
    if not within(START_PER_PARTICIPANT, str(participant_id)) or not within(START_PER_IP, ip):
        raise PlayError(429, "rate_limited", "操作太频繁，请稍后再试")
    at = now()
    today = local_day(at)
    rows = list(
        Attempt.objects.filter(participant_id=participant_id)
        .filter(Q(status=AttemptStatus.ACTIVE) | Q(day=today))
        .values_list("pk", "status", "deadline", "day")
    )
    for pk, status, deadline, _day in rows:
        if status == AttemptStatus.ACTIVE:
            if not _overdue(deadline, at):
                raise PlayError(409, "attempt_active", "上一次答题尚未结束", attempt=pk)
            finalise(pk, contest, AttemptStatus.EXPIRED)
    used = sum(1 for _pk, _s, _d, day in rows if day == today)
    if used >= contest.attempts_per_day:
        raise PlayError(
            429, "no_attempts_left", f"今天的 {contest.attempts_per_day} 次答题机会已用完，明天再来"
        )
    items = _draw(contest)
    attempt = Attempt(
        contest_id=contest.pk,
        participant_id=participant_id,
        day=today,
        started_at=at,
        deadline=at + timedelta(seconds=attempt_seconds(contest, len(items))),
        item_count=len(items),
        ip=ip or None,
        user_agent=user_agent[:200],
    )
    try:
        with transaction.atomic():
            attempt.save()
            _insert_drawn(attempt.pk, [item.pk for item in items])
    except IntegrityError:  # another tab or app server started one a moment ago
        active = Attempt.objects.filter(participant_id=participant_id, status=AttemptStatus.ACTIVE).first()
        raise PlayError(
            409, "attempt_active", "上一次答题尚未结束", attempt=active.pk if active else None
        ) from None
    first = items[0]
    return Started(
        attempt, item_payload(contest, attempt, 1, first.type, first.stem, first.options, shown_at=at)
    )


def _insert_drawn(attempt_id: int, item_ids: list[int]) -> None:
    """The drawn items in one INSERT, written out: ``bulk_create`` of 20 model instances was most of a
    start's Python work. An item is shown when the one before it is answered, so shown_at stays empty."""
    rows = ", ".join(["(%s, %s, %s, 0)"] * len(item_ids))
    params = [value for n, pk in enumerate(item_ids, start=1) for value in (attempt_id, n, pk)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AttemptItem._meta.db_table} (attempt_id, position, item_id, points) VALUES {rows}",
            params,
        )


def _draw(contest: Contest) -> list[Any]:
    try:
        items = bank.draw_for_attempt(contest, random.SystemRandom())
    except DrawError as error:
        raise PlayError(503, "bank_short", f"题库暂不能出题：{error.message}") from error
    if not items:
        raise PlayError(503, "bank_short", "题库暂不能出题，请联系主办方")
    return items


def _overdue(deadline: datetime, at: datetime) -> bool:
    return (at - deadline).total_seconds() > GRACE_SECONDS


def item_payload(
    contest: Contest,
    attempt: Attempt | AttemptHeader,
    position: int,
    item_type: str,
    stem: str,
    options: list[str],
    *,
    shown_at: datetime,
) -> dict[str, Any]:
    """What the phone sees of an item: never its answer, explanation, id or code."""
    at = now()
    item_deadline = (
        shown_at + timedelta(seconds=int(contest.seconds_per_item)) if contest.seconds_per_item else None
    )
    if item_deadline is not None and item_deadline > attempt.deadline:
        item_deadline = attempt.deadline
    ends = item_deadline or attempt.deadline
    return {
        "position": position,
        "count": attempt.item_count,
        "type": item_type,
        "stem": stem,
        "options": list(options),
        "item_deadline": item_deadline.isoformat() if item_deadline else None,
        "attempt_deadline": attempt.deadline.isoformat(),
        "seconds_left": max(0, int((ends - at).total_seconds())),
    }


def attempt_payload(attempt: Attempt | AttemptHeader) -> dict[str, Any]:
    return {
        "id": attempt.pk,
        "item_count": attempt.item_count,
        "deadline": attempt.deadline.isoformat(),
        "seconds_left": max(0, int((attempt.deadline - now()).total_seconds())),
    }


@dataclass(frozen=True)
class AttemptHeader:
    pk: int
    participant_id: int
    contest_id: int
    status: str
    started_at: datetime
    deadline: datetime
    item_count: int


def current(contest: Contest, participant_id: int) -> tuple[Attempt, dict[str, Any] | None]:
    """The participant's attempt in progress and the item to answer now (a refresh resumes here)."""
    attempt = Attempt.objects.filter(participant_id=participant_id, status=AttemptStatus.ACTIVE).first()
    if attempt is None:
        raise PlayError(404, "no_attempt", "当前没有进行中的答题")
    if _overdue(attempt.deadline, now()):
        finalise(attempt.pk, contest, AttemptStatus.EXPIRED)
        raise PlayError(404, "no_attempt", "上一次答题已超时结束", finished_attempt=attempt.pk)
    rows = list(
        AttemptItem.objects.filter(attempt_id=attempt.pk)
        .order_by("position")
        .values_list("position", "answered_at", "item__type", "item__stem", "item__options")
    )
    shown_at = attempt.started_at
    for position, answered_at, item_type, stem, options in rows:
        if answered_at is None:
            return attempt, item_payload(
                contest, attempt, position, item_type, stem, options, shown_at=shown_at
            )
        shown_at = answered_at
    return attempt, None


@dataclass(frozen=True)
class Answered:
    accepted: bool
    late: bool
    item: dict[str, Any] | None
    finished: bool
    code: str = ""


def answer(contest: Contest, participant_id: int, attempt_id: int, position: int, raw: object) -> Answered:
    """Store one answer, once: scored now (points kept on the row), revealed only when the attempt ends.

    The per-attempt limit counts only posts that store nothing (repeats, refusals): new answers are
    bounded by the attempt's item count already, so an honest phone never pays the limiter's cache
    round trips, while a script hammering one attempt is refused after ``ANSWER_PER_ATTEMPT``."""
    try:
        done = _store_answer(contest, participant_id, attempt_id, position, raw)
    except PlayError:
        _count_refusal(attempt_id)
        raise
    if not done.accepted:
        _count_refusal(attempt_id)
    return done


def _count_refusal(attempt_id: int) -> None:
    if not within(ANSWER_PER_ATTEMPT, str(attempt_id)):
        raise PlayError(429, "rate_limited", "提交太频繁，请稍后再试")


def _store_answer(
    contest: Contest, participant_id: int, attempt_id: int, position: int, raw: object
) -> Answered:
    rows = _answer_rows(attempt_id, position)
    by_position = {row[1]: row for row in rows}
    this = by_position.get(position)
    if this is None or this[7] != participant_id or this[8] != contest.pk:
        raise PlayError(404, "no_item", "没有这道题")
    header = AttemptHeader(attempt_id, this[7], this[8], this[9], this[10], this[11], this[12])
    if contest.is_frozen:  # 结算 ended every running attempt; nothing changes the frozen results
        raise PlayError(403, "frozen", "竞赛成绩已冻结，不能再答题")
    if header.status != AttemptStatus.ACTIVE:
        raise PlayError(409, "attempt_over", "这次答题已经结束", attempt=attempt_id)
    previous = by_position.get(position - 1)
    if previous is not None and previous[2] is None:
        raise PlayError(409, "out_of_order", "请先回答前一道题")
    given = _given(raw, len(this[6]))
    at = now()
    if this[2] is not None:  # a repeated post: nothing to write
        return _after(
            contest, header, by_position, position, this[2], accepted=False, late=False, code="duplicate"
        )
    shown_at: datetime = previous[2] if previous is not None and previous[2] else header.started_at
    item_deadline = (
        shown_at + timedelta(seconds=int(contest.seconds_per_item)) if contest.seconds_per_item else None
    )
    late = scoring.is_late(at, item_deadline, header.deadline, grace_seconds=GRACE_SECONDS)
    points = scoring.points_for(this[3], this[4], given, late=late, points=contest.points_per_item)
    # The WHERE makes a post racing another for the same item store nothing (0 rows): never twice.
    stored = _store(this[0], at, given, points)
    if not stored:
        return _after(
            contest, header, by_position, position, at, accepted=False, late=False, code="duplicate"
        )
    return _after(contest, header, by_position, position, at, accepted=True, late=late)


_ANSWER_SQL = ""


def _answer_rows(attempt_id: int, position: int) -> list[tuple[Any, ...]]:
    """The attempt header with the previous, current and next drawn items and their bank rows: one
    statement, written out (the ORM spent about a third of an answer's CPU compiling this join)."""
    global _ANSWER_SQL
    if not _ANSWER_SQL:
        _ANSWER_SQL = (
            "SELECT ai.id, ai.position, ai.answered_at, ci.type, ci.answer, ci.stem, ci.options,"
            " a.participant_id, a.contest_id, a.status, a.started_at, a.deadline, a.item_count"
            f" FROM {AttemptItem._meta.db_table} ai"
            f" JOIN {Attempt._meta.db_table} a ON a.id = ai.attempt_id"
            f" JOIN {ContestItem._meta.db_table} ci ON ci.id = ai.item_id"
            " WHERE ai.attempt_id = %s AND ai.position IN (%s, %s, %s)"
        )
    with connection.cursor() as cursor:
        cursor.execute(_ANSWER_SQL, [attempt_id, position - 1, position, position + 1])
        fetched = cursor.fetchall()
    return [
        (
            pk,
            pos,
            _aware(answered),
            kind,
            _json(key),
            stem,
            _json(options),
            who,
            contest,
            status,
            _aware(started),
            _aware(deadline),
            count,
        )
        for pk, pos, answered, kind, key, stem, options, who, contest, status, started, deadline, count in fetched
    ]


_STORE_SQL = ""


def _store(row_id: int, at: datetime, given: list[str], points: int) -> int:
    """``UPDATE … WHERE answered_at IS NULL``, written out like the SELECT; 1 when stored, 0 when an answer
    was there already. Values go through the fields' own conversion (datetime, JSON) for the backend."""
    global _STORE_SQL
    if not _STORE_SQL:
        _STORE_SQL = (
            f"UPDATE {AttemptItem._meta.db_table} SET answered_at = %s, answer = %s, correct = %s, points = %s"
            " WHERE id = %s AND answered_at IS NULL"
        )
    fields = AttemptItem._meta
    params = [
        fields.get_field("answered_at").get_db_prep_value(at, connection),
        fields.get_field("answer").get_db_prep_value(given, connection),
        points > 0,
        points,
        row_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_STORE_SQL, params)
        return int(cursor.rowcount)


def _aware(value: Any) -> Any:
    """A datetime column as an aware datetime (SQLite gives a naive one in UTC, PostgreSQL an aware one)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    return parsed if parsed is None or timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _given(raw: object, option_count: int) -> list[str]:
    if raw == [] or raw is None:
        return []  # time ran out on the phone: stored as no answer, which is wrong
    given = scoring.normalise_answer(raw, option_count)
    if given is None:
        raise PlayError(400, "bad_answer", "答案格式不对")
    return given


def _after(
    contest: Contest,
    header: AttemptHeader,
    by_position: dict[int, tuple[Any, ...]],
    position: int,
    answered_at: datetime,
    *,
    accepted: bool,
    late: bool,
    code: str = "",
) -> Answered:
    nxt = by_position.get(position + 1)
    if nxt is None or _overdue(header.deadline, now()):
        status = AttemptStatus.EXPIRED if _overdue(header.deadline, now()) else AttemptStatus.FINISHED
        finalise(header.pk, contest, status)
        return Answered(accepted, late, None, True, code)
    if nxt[2] is not None:  # a duplicate of an item already followed by answers: resume where they are
        return Answered(accepted, late, None, False, code)
    # The next item is shown from the moment this one was answered: its deadline needs no write.
    item = item_payload(contest, header, position + 1, nxt[3], nxt[5], nxt[6], shown_at=answered_at)
    return Answered(accepted, late, item, False, code)


def finalise(attempt_id: int, contest: Contest, status: str) -> bool:
    """Close an active attempt: score = the sum of its stored points; the fair-play verdict on its times.
    Idempotent: an attempt already closed is left alone (False)."""
    rows = list(
        AttemptItem.objects.filter(attempt_id=attempt_id)
        .order_by("position")
        .values_list(
            "position",
            "answered_at",
            "points",
            "item__stem",
            "item__options",
            "attempt__started_at",
            "attempt__deadline",
            "attempt__participant_id",
        )
    )
    if not rows:
        return False
    participant_id = rows[0][7]
    started_at, deadline = rows[0][5], rows[0][6]
    ended = min(now(), deadline)
    last_answer = max((r[1] for r in rows if r[1] is not None), default=None)
    if status == AttemptStatus.FINISHED and last_answer is not None:
        ended = min(last_answer, deadline) if len([r for r in rows if r[1]]) == len(rows) else ended
    total = scoring.attempt_total((r[2] for r in rows), len(rows), contest.points_per_item)
    verdict = fairplay.judge_attempt(_timed(rows, started_at))
    duration_ms = max(0, int((ended - started_at).total_seconds() * 1000))
    closed = Attempt.objects.filter(pk=attempt_id, status=AttemptStatus.ACTIVE).update(
        status=status,
        finished_at=ended,
        score=total.score,
        correct_count=total.correct,
        duration_ms=duration_ms,
        flagged=verdict.flagged,
        flag_reason=verdict.reason,
    )
    if closed:  # only the request that closed it counts it, once
        standings.record_attempt(contest, participant_id, total.score, duration_ms, ended)
    return bool(closed)


def _timed(rows: list[tuple[Any, ...]], started_at: datetime) -> list[fairplay.TimedAnswer]:
    out, shown = [], started_at
    for position, answered_at, _points, stem, options, *_attempt in rows:
        ms = int((answered_at - shown).total_seconds() * 1000) if answered_at is not None else None
        out.append(fairplay.TimedAnswer(position, fairplay.text_length(stem, options), ms))
        if answered_at is not None:
            shown = answered_at
    return out


def finish(contest: Contest, participant_id: int, attempt_id: int) -> None:
    """Hand in (idempotent): unanswered items score nothing. The caller reads the result afterwards."""
    attempt = _own_attempt(participant_id, attempt_id)
    if attempt.status == AttemptStatus.ACTIVE:
        status = AttemptStatus.EXPIRED if _overdue(attempt.deadline, now()) else AttemptStatus.FINISHED
        finalise(attempt.pk, contest, status)


def _own_attempt(participant_id: int, attempt_id: int) -> Attempt:
    attempt = Attempt.objects.filter(pk=attempt_id, participant_id=participant_id).first()
    if attempt is None:
        raise PlayError(404, "no_attempt", "没有这次答题")
    return attempt


def result_of(contest: Contest, participant_id: int, attempt_id: int) -> tuple[Attempt, list[dict[str, Any]]]:
    """A closed attempt and its review (answers and explanations: only now that it has ended)."""
    attempt = _own_attempt(participant_id, attempt_id)
    if attempt.status == AttemptStatus.ACTIVE:
        if not _overdue(attempt.deadline, now()):
            raise PlayError(409, "attempt_active", "答题尚未结束", attempt=attempt.pk)
        finalise(attempt.pk, contest, AttemptStatus.EXPIRED)
        attempt.refresh_from_db()
    review = [
        {
            "position": position,
            "type": item_type,
            "stem": stem,
            "options": options,
            "your_answer": given or [],
            "answer": key,
            "correct": bool(correct),
            "explanation": explanation,
        }
        for position, item_type, stem, options, given, key, correct, explanation in AttemptItem.objects.filter(
            attempt_id=attempt.pk
        )
        .order_by("position")
        .values_list(
            "position",
            "item__type",
            "item__stem",
            "item__options",
            "answer",
            "item__answer",
            "correct",
            "item__explanation",
        )
    ]
    return attempt, review


def expire_overdue(contest: Contest, limit: int = 500) -> int:
    """Close attempts whose time ran out while nobody asked (the phone was put away). Run by the one
    worker recomputing the leaderboard, and at 结算."""
    cutoff = now() - timedelta(seconds=GRACE_SECONDS)
    ids = list(
        Attempt.objects.filter(
            contest_id=contest.pk, status=AttemptStatus.ACTIVE, deadline__lt=cutoff
        ).values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if finalise(pk, contest, AttemptStatus.EXPIRED))


def active_and_left_today(contest: Contest, participant_id: int) -> tuple[int | None, int]:
    """The attempt in progress (or None) and the attempts left today, in one query."""
    today = local_day(now())
    rows = list(
        Attempt.objects.filter(participant_id=participant_id)
        .filter(Q(status=AttemptStatus.ACTIVE) | Q(day=today))
        .values_list("pk", "status", "day")
    )
    active = next((pk for pk, status, _day in rows if status == AttemptStatus.ACTIVE), None)
    used = sum(1 for _pk, _status, day in rows if day == today)
    return active, max(0, contest.attempts_per_day - used)

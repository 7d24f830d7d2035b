"""Every write of the volunteers app: one transaction, one audit event, counts refreshed on commit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from kesu.core import audit, dbstats
from kesu.core.personal import PersonalDataError, StoredIdNumber, encrypt_text, mask_name, reveal
from kesu.regions.models import Region
from kesu.volunteers import counting
from kesu.volunteers import hours as rules
from kesu.volunteers.models import (
    INDICATOR_OF,
    VOLUNTEER_AUDIT_FIELDS,
    Certificate,
    Correction,
    CorrectionStatus,
    CountRule,
    CountWhat,
    GridPost,
    HourScheme,
    InformantSnapshot,
    Measure,
    ServiceActivity,
    ServiceRecord,
    Team,
    Volunteer,
    VolunteerError,
    VolunteerImport,
    VolunteerYear,
)

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.plans.models import Target

BATCH = 2000


def _snap(volunteer: Volunteer) -> dict[str, Any]:
    return audit.snapshot(volunteer, VOLUNTEER_AUDIT_FIELDS) | {"身份证号": volunteer.masked_id}


# ---- hour scheme ----------------------------------------------------------------------------------------


def scheme_for(region: Region) -> HourScheme | None:
    """The nearest office's rules: the region's own, else the closest region above that set some."""
    schemes = {
        s.region_id: s for s in HourScheme.objects.filter(region__in=region.ancestors(include_self=True))
    }
    for candidate in reversed(region.ancestors(include_self=True)):
        if candidate.pk in schemes:
            return schemes[candidate.pk]
    return None


def rules_for(region: Region) -> rules.HourRules:
    scheme = scheme_for(region)
    return scheme.rules() if scheme else rules.HourRules()


def ladder_for(region: Region) -> tuple[float, ...]:
    scheme = scheme_for(region)
    return scheme.ladder() if scheme else rules.DEFAULT_LADDER


@transaction.atomic
def set_hour_scheme(actor: User | None, region: Region, **fields: Any) -> HourScheme:
    scheme = HourScheme.objects.filter(region=region).first()
    before = audit.snapshot(scheme) if scheme else None
    scheme = scheme or HourScheme(region=region)
    for name, value in fields.items():
        setattr(scheme, name, value)
    try:
        scheme.rules()
        scheme.ladder()
    except rules.HoursError as error:
        raise VolunteerError(error.message) from error
    scheme.save()
    audit.record(
        actor, "volunteer_scheme.update", scheme, region=region, before=before, after=audit.snapshot(scheme)
    )
    _recount_region(region)
    return scheme


def _recount_region(region: Region) -> None:
    """The rules changed: every record of activities in the subtree is counted again."""
    records = ServiceRecord.objects.filter(activity__region__path__startswith=region.path)
    keys = set(records.values_list("volunteer_id", "service_date").distinct())
    _recount(keys)


# ---- teams ------------------------------------------------------------------------------------------------


def _check_team(team: Team) -> None:
    if team.parent is not None:
        seen: set[int | None] = {team.pk}
        node: Team | None = team.parent
        while node is not None:
            if node.pk in seen:
                raise VolunteerError("上级队伍不能是本队或其下级队伍")
            seen.add(node.pk)
            node = node.parent
        if not team.region.path.startswith(team.parent.region.path):
            raise VolunteerError("上级队伍应属于本区划或上级区划")


@transaction.atomic
def create_team(actor: User | None, region: Region, **fields: Any) -> Team:
    team = Team(region=region, **fields)
    _check_team(team)
    if Team.objects.filter(region=region, name=team.name).exists():
        raise VolunteerError(f"本区划已有名为“{team.name}”的队伍")
    team.save()
    audit.record(actor, "volunteer_team.create", team, region=region, after=audit.snapshot(team))
    _refresh_later(region)
    return team


@transaction.atomic
def update_team(actor: User | None, team: Team, **fields: Any) -> Team:
    before = audit.snapshot(team)
    for name, value in fields.items():
        setattr(team, name, value)
    _check_team(team)
    if Team.objects.filter(region=team.region, name=team.name).exclude(pk=team.pk).exists():
        raise VolunteerError(f"本区划已有名为“{team.name}”的队伍")
    team.save()
    audit.record(
        actor, "volunteer_team.update", team, region=team.region, before=before, after=audit.snapshot(team)
    )
    _refresh_later(team.region)
    return team


# ---- volunteers -------------------------------------------------------------------------------------------


def _stored_id(id_number: str) -> StoredIdNumber:
    try:
        return StoredIdNumber.of(id_number)
    except PersonalDataError as error:
        raise VolunteerError(error.message) from error


@transaction.atomic
def create_volunteer(
    actor: User | None, region: Region, *, id_number: str, teams: Iterable[Team] = (), **fields: Any
) -> Volunteer:
    stored = _stored_id(id_number)
    if Volunteer.objects.filter(id_hash=stored.hash).exists():
        raise VolunteerError("该身份证号已登记，请在名单中查找此人并修改，不要重复登记")
    volunteer = Volunteer(
        region=region, id_hash=stored.hash, id_cipher=stored.cipher, id_last4=stored.last4, **fields
    )
    if volunteer.birth_date is None:
        from kesu.core.personal import birth_date_of

        volunteer.birth_date = birth_date_of(id_number)
    volunteer.save()
    volunteer.teams.set(list(teams))
    audit.record(actor, "volunteer.create", volunteer, region=region, after=_snap(volunteer))
    _refresh_later(region)
    return volunteer


@transaction.atomic
def update_volunteer(
    actor: User | None, volunteer: Volunteer, *, teams: Iterable[Team] | None = None, **fields: Any
) -> Volunteer:
    before = _snap(volunteer)
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.save()
    if teams is not None:
        volunteer.teams.set(list(teams))
    audit.record(
        actor, "volunteer.update", volunteer, region=volunteer.region, before=before, after=_snap(volunteer)
    )
    _refresh_later(volunteer.region)
    return volunteer


def reveal_id_number(actor: User, volunteer: Volunteer) -> str:
    """The full number, for the office of the volunteer's own region only; audited."""
    if not Volunteer.objects.revealable_by(actor).filter(pk=volunteer.pk).exists():
        raise VolunteerError("只有志愿者所在区划的素质办可以查看完整身份证号")
    return reveal(actor, volunteer, volunteer.id_cipher, field="身份证号", region=volunteer.region)


# ---- service records -------------------------------------------------------------------------------------


@transaction.atomic
def create_activity(actor: User | None, region: Region, **fields: Any) -> ServiceActivity:
    activity = ServiceActivity(region=region, **fields)
    if activity.end_date < activity.start_date:
        raise VolunteerError("活动结束日期早于开始日期")
    activity.save()
    audit.record(actor, "volunteer_activity.create", activity, region=region, after=audit.snapshot(activity))
    return activity


def _recount(keys: Iterable[tuple[int, date]]) -> None:
    """Count again every record of these (volunteer, day) pairs under their activity's region's rules."""
    keys = set(keys)
    if not keys:
        return
    volunteers = {v for v, _ in keys}
    days = {d for _, d in keys}
    records = list(
        ServiceRecord.objects.filter(volunteer_id__in=volunteers, service_date__in=days)
        .select_related("activity__region")
        .order_by("recorded_at", "pk")
    )
    by_region: dict[int, rules.HourRules] = {}
    entries: dict[int, list[rules.Entry]] = {}
    for record in records:
        if (record.volunteer_id, record.service_date) not in keys:
            continue
        region = record.activity.region
        if region.pk not in by_region:
            by_region[region.pk] = rules_for(region)
        entries.setdefault(region.pk, []).append(
            rules.Entry(
                record.pk,
                record.volunteer_id,
                record.service_date,
                Decimal(record.raw_hours),
                record.activity.category,
            )
        )
    counted: dict[object, Decimal] = {}
    for region_id, items in entries.items():
        counted.update(rules.counted_hours(items, by_region[region_id]))
    changed = []
    for record in records:
        if record.pk in counted and Decimal(record.counted_hours) != counted[record.pk]:
            record.counted_hours = counted[record.pk]
            changed.append(record)
    ServiceRecord.objects.bulk_update(changed, ["counted_hours"], batch_size=BATCH)
    summarise({(volunteer, day.year) for volunteer, day in keys})


def summarise(pairs: Iterable[tuple[int, int]]) -> None:
    """Count these (volunteer, year) summaries again from their records, in batches of volunteers:
    the summary is a recount, never an increment, so it cannot drift from the records."""
    by_volunteer: dict[int, set[int]] = {}
    for volunteer, year in pairs:
        by_volunteer.setdefault(volunteer, set()).add(year)
    volunteers = sorted(by_volunteer)
    for start in range(0, len(volunteers), BATCH):
        _summarise_batch({v: by_volunteer[v] for v in volunteers[start : start + BATCH]})


def _summarise_batch(years_of: dict[int, set[int]]) -> None:
    years = {year for wanted in years_of.values() for year in wanted}
    figures = (
        ServiceRecord.objects.filter(
            volunteer_id__in=list(years_of),
            service_date__range=(date(min(years), 1, 1), date(max(years), 12, 31)),
        )
        .annotate(year=ExtractYear("service_date"))
        .values("volunteer_id", "year")
        .annotate(records=Count("pk"), hours=Sum("counted_hours"))
    )
    found = {
        (row["volunteer_id"], row["year"]): row
        for row in figures
        if row["year"] in years_of[row["volunteer_id"]]
    }
    empty = Q()
    for volunteer, wanted in years_of.items():
        gone = [year for year in wanted if (volunteer, year) not in found]
        if gone:
            empty |= Q(volunteer_id=volunteer, year__in=gone)
    if empty:
        VolunteerYear.objects.filter(empty).delete()
    VolunteerYear.objects.bulk_create(
        [
            VolunteerYear(volunteer_id=v, year=y, records=row["records"], hours=row["hours"] or 0)
            for (v, y), row in found.items()
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["volunteer", "year"],
        update_fields=["records", "hours"],
    )


def _check_day(volunteer_id: int, day: date, extra: Decimal, exclude: int | None = None) -> None:
    served = ServiceRecord.objects.filter(volunteer_id=volunteer_id, service_date=day)
    if exclude is not None:
        served = served.exclude(pk=exclude)
    total = Decimal(served.aggregate(total=Sum("raw_hours"))["total"] or 0) + extra
    if total > rules.DAY:
        raise VolunteerError(f"{day} 当天的服务时长合计 {rules.fmt(total)} 小时，超过 24 小时")


def _raw(sign_in: datetime | None, sign_out: datetime | None, declared: Decimal | None) -> Decimal:
    try:
        return rules.raw_hours(sign_in, sign_out, declared)
    except rules.HoursError as error:
        raise VolunteerError(error.message) from error


@transaction.atomic
def record_service(
    actor: User | None,
    activity: ServiceActivity,
    volunteer: Volunteer,
    service_date: date,
    *,
    sign_in: datetime | None = None,
    sign_out: datetime | None = None,
    declared_hours: Decimal | None = None,
) -> ServiceRecord:
    """The organiser records one volunteer's day at the activity (谁组织谁记录)."""
    if not activity.start_date <= service_date <= activity.end_date:
        raise VolunteerError(
            f"服务日期 {service_date} 不在活动日期（{activity.start_date} 至 {activity.end_date}）之内"
        )
    raw = _raw(sign_in, sign_out, declared_hours)
    _check_day(volunteer.pk, service_date, raw)
    if ServiceRecord.objects.filter(
        activity=activity, volunteer=volunteer, service_date=service_date
    ).exists():
        raise VolunteerError("该志愿者当天在此活动已有记录，如需修改请申请更正")
    record = ServiceRecord.objects.create(
        activity=activity,
        volunteer=volunteer,
        service_date=service_date,
        sign_in=sign_in,
        sign_out=sign_out,
        declared_hours=declared_hours,
        raw_hours=raw,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _recount([(volunteer.pk, service_date)])
    record.refresh_from_db()
    audit.record(
        actor, "volunteer_record.create", record, region=activity.region, after=audit.snapshot(record)
    )
    _refresh_later(activity.region, service_date.year)
    return record


@transaction.atomic
def request_correction(
    actor: User | None, record: ServiceRecord, *, hours: Decimal, reason: str
) -> Correction:
    if not reason.strip():
        raise VolunteerError("请说明更正理由")
    _raw(None, None, hours)
    correction = Correction.objects.create(
        record=record,
        hours=hours,
        reason=reason,
        requested_by=actor if actor and actor.is_authenticated else None,
    )
    audit.record(
        actor,
        "volunteer_record.correction_request",
        correction,
        region=record.activity.region,
        after=audit.snapshot(correction),
    )
    return correction


@transaction.atomic
def review_correction(actor: User | None, correction: Correction, *, approve: bool) -> Correction:
    if correction.status != CorrectionStatus.PENDING:
        raise VolunteerError("该更正申请已处理")
    record = correction.record
    before = audit.snapshot(record)
    if approve:
        _check_day(record.volunteer_id, record.service_date, Decimal(correction.hours), exclude=record.pk)
        record.raw_hours, record.declared_hours = correction.hours, correction.hours
        record.sign_in = record.sign_out = None
        record.save(update_fields=["raw_hours", "declared_hours", "sign_in", "sign_out"])
        _recount([(record.volunteer_id, record.service_date)])
        record.refresh_from_db()
    correction.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
    correction.reviewed_by = actor if actor and actor.is_authenticated else None
    correction.save(update_fields=["status", "reviewed_by"])
    audit.record(
        actor,
        "volunteer_record.correction_review",
        record,
        region=record.activity.region,
        before=before,
        after=audit.snapshot(record),
        note=correction.get_status_display(),
    )
    _refresh_later(record.activity.region, record.service_date.year)
    return correction


# ---- totals, stars, eligibility, certificates ---------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerTotals:
    activities: int
    hours: Decimal
    stars: int
    eligibility: rules.Eligibility

    @property
    def star_name(self) -> str:
        return rules.star_name(self.stars)


def totals_of(volunteer: Volunteer) -> VolunteerTotals:
    figures = volunteer.records.aggregate(
        hours=Sum("counted_hours"), activities=Count("activity_id", distinct=True)
    )
    hours = Decimal(figures["hours"] or 0)
    return VolunteerTotals(
        activities=figures["activities"],
        hours=hours,
        stars=rules.stars(hours, ladder_for(volunteer.region)),
        eligibility=rules.person_eligibility(figures["activities"], hours),
    )


def team_eligibility(team: Team) -> rules.Eligibility:
    members = team.members.count()
    figures = ServiceRecord.objects.filter(Q(activity__team=team)).aggregate(
        hours=Sum("counted_hours"), activities=Count("activity_id", distinct=True)
    )
    return rules.team_eligibility(members, figures["activities"], figures["hours"] or 0)


@transaction.atomic
def issue_certificate(actor: User | None, volunteer: Volunteer, *, issuer: str) -> Certificate:
    totals = totals_of(volunteer)
    if totals.activities == 0:
        raise VolunteerError("该志愿者还没有服务记录，不能出具记录证明")
    certificate = Certificate.objects.create(
        volunteer=volunteer,
        region=volunteer.region,
        code=secrets.token_hex(6).upper(),
        hours=totals.hours,
        activities=totals.activities,
        issuer=issuer,
        issued_by=actor if actor and actor.is_authenticated else None,
    )
    audit.record(
        actor,
        "volunteer_certificate.issue",
        certificate,
        region=volunteer.region,
        after=audit.snapshot(certificate, ["code", "hours", "activities", "issuer"]),
    )
    return certificate


@dataclass(frozen=True)
class PublicCheck:
    name: str  # masked
    hours: Decimal
    activities: int
    issuer: str
    issued_at: datetime
    state: str


def check_certificate(code: str) -> PublicCheck | None:
    """What the public check page shows: the masked name, the hours as issued, the issuer; nothing else."""
    certificate = Certificate.objects.filter(code=code.strip().upper()).select_related("volunteer").first()
    if certificate is None:
        return None
    current = totals_of(certificate.volunteer).hours
    return PublicCheck(
        name=mask_name(certificate.volunteer.name),
        hours=Decimal(certificate.hours),
        activities=certificate.activities,
        issuer=certificate.issuer,
        issued_at=certificate.issued_at,
        state=rules.certificate_state(Decimal(certificate.hours), current),
    )


# ---- imports ---------------------------------------------------------------------------------------------------


COMPARED_DEFAULT = (
    "name",
    "sex",
    "birth_date",
    "phone",
    "skills",
    "employer",
    "platform",
    "platform_number",
    "region_id",
)


@dataclass(slots=True)
class VolunteerRow:
    line: int
    name: str
    id_number: str
    id_hash: str
    region: Region
    sex: str = ""
    birth_date: date | None = None
    phone: str = ""
    skills: str = ""
    employer: str = ""
    platform: str = ""
    platform_number: str = ""
    registered_on: date | None = None
    team_ids: list[int] = field(default_factory=list)
    present: frozenset[str] = frozenset(COMPARED_DEFAULT)  # the fields the file has columns for


COMPARED = COMPARED_DEFAULT


def _label(name: str, last4: str) -> str:
    return f"{mask_name(name)}（身份证号末4位 {last4}）"


@dataclass
class _Tally:
    """What an import did so far, batch after batch: counts, the first 200 names of each kind, the keys."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    summary: dict[str, list[str]] = field(default_factory=lambda: {"new": [], "changed": [], "gone": []})
    ids: dict[str, int] = field(default_factory=dict)  # id hash → volunteer key, for the team memberships

    def note(self, kind: str, label: str) -> None:
        if len(self.summary[kind]) < 200:
            self.summary[kind].append(label)


@transaction.atomic
def import_volunteers(
    actor: User | None, region: Region, rows: Sequence[VolunteerRow], *, filename: str
) -> VolunteerImport:
    """Insert new people, update changed ones (matched by ID hash), and name who is gone since the last import."""
    run = VolunteerImport.objects.create(
        region=region,
        filename=filename[:200],
        imported_by=actor if actor and actor.is_authenticated else None,
    )
    tally = _Tally()
    for start in range(0, len(rows), BATCH):  # a batch's objects are gone before the next one is read
        _import_batch(rows[start : start + BATCH], run, tally)
    _set_teams(rows, tally.ids)
    gone = Volunteer.objects.filter(region__path__startswith=region.path, in_register=True).exclude(
        last_seen_import=run
    )
    gone_count = gone.count()
    tally.summary["gone"] = [
        _label(name, last4) for name, last4 in gone.values_list("name", "id_last4")[:200]
    ]
    run.new_count, run.changed_count, run.unchanged_count, run.gone_count = (
        tally.new,
        tally.changed,
        tally.unchanged,
        gone_count,
    )
    run.summary = tally.summary
    run.save()
    audit.record(
        actor,
        "volunteer.import",
        run,
        region=region,
        after={
            "新增": run.new_count,
            "有变化": run.changed_count,
            "无变化": run.unchanged_count,
            "本次未出现": gone_count,
        },
        note=f"导入 {filename}",
    )
    _refresh_later(region)
    dbstats.analyse_after_commit(len(rows), Volunteer, Volunteer.teams.through)
    return run


def _values(row: VolunteerRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "sex": row.sex,
        "birth_date": row.birth_date,
        "phone": row.phone,
        "skills": row.skills,
        "employer": row.employer,
        "platform": row.platform,
        "platform_number": row.platform_number,
        "region_id": row.region.pk,
    }


def _import_batch(rows: Sequence[VolunteerRow], run: VolunteerImport, tally: _Tally) -> None:
    """One query finds who is registered (plain tuples, not models); only new numbers are encrypted."""
    stored = {
        found[0]: found[1:]
        for found in Volunteer.objects.filter(id_hash__in=[row.id_hash for row in rows]).values_list(
            "id_hash", "pk", "id_last4", *COMPARED
        )
    }
    new: list[Volunteer] = []
    changed: list[Volunteer] = []
    seen: list[int] = []
    for row in rows:
        values = _values(row)
        current = stored.get(row.id_hash)
        if current is None:
            # the file check validated the number and computed its hash: only the encryption is left
            new.append(
                Volunteer(
                    id_hash=row.id_hash,
                    id_cipher=encrypt_text(row.id_number),
                    id_last4=row.id_number[-4:],
                    registered_on=row.registered_on,
                    last_seen_import=run,
                    **values,
                )
            )
            tally.note("new", _label(row.name, row.id_number[-4:]))
            continue
        pk, last4, before = current[0], current[1], dict(zip(COMPARED, current[2:], strict=True))
        # a column the file does not have keeps what is stored (another platform's export has fewer columns)
        differs = [key for key in COMPARED if key in row.present and before[key] != values[key]]
        tally.ids[row.id_hash] = pk
        seen.append(pk)
        if differs:
            changed.append(Volunteer(pk=pk, **(before | {key: values[key] for key in differs})))
            tally.note("changed", f"{_label(row.name, last4)}：{'、'.join(_field_label(k) for k in differs)}")
    Volunteer.objects.bulk_create(new, batch_size=BATCH)
    tally.ids.update((volunteer.id_hash, volunteer.pk) for volunteer in new)
    Volunteer.objects.bulk_update(changed, list(COMPARED), batch_size=BATCH // 4)
    # everyone listed is seen by this run: one plain UPDATE per batch, not a CASE per row
    Volunteer.objects.filter(pk__in=seen).update(in_register=True, last_seen_import=run)
    tally.new += len(new)
    tally.changed += len(changed)
    tally.unchanged += len(seen) - len(changed)


def _field_label(key: str) -> str:
    return {"region_id": "所在区划"}.get(key) or str(
        getattr(Volunteer._meta.get_field(key), "verbose_name", key)
    )


def _set_teams(rows: Sequence[VolunteerRow], ids: dict[str, int]) -> None:
    through = Volunteer.teams.through
    wanted = {(ids[row.id_hash], team) for row in rows for team in row.team_ids}
    if not wanted:
        return
    volunteers = sorted({v for v, _ in wanted})
    have: set[tuple[int, int]] = set()
    for start in range(0, len(volunteers), BATCH):
        have |= set(
            through.objects.filter(volunteer_id__in=volunteers[start : start + BATCH]).values_list(
                "volunteer_id", "team_id"
            )
        )
    through.objects.bulk_create(
        [through(volunteer_id=v, team_id=t) for v, t in sorted(wanted - have)], batch_size=BATCH
    )


@dataclass
class TeamRow:
    line: int
    name: str
    region: Region
    level: str
    parent_name: str = ""
    host: str = ""
    leaders: str = ""
    founded_on: date | None = None
    platform_number: str = ""


@transaction.atomic
def import_teams(
    actor: User | None, region: Region, rows: Sequence[TeamRow], *, filename: str
) -> tuple[int, int]:
    """Upsert by (region, name); parents resolved by name once all rows exist (a parent may come later in the file)."""
    created = updated = 0
    by_name: dict[str, Team] = {t.name: t for t in Team.objects.filter(region__path__startswith=region.path)}
    for row in rows:
        team = by_name.get(row.name)
        fields = {
            "level": row.level,
            "host": row.host,
            "leaders": row.leaders,
            "founded_on": row.founded_on,
            "platform_number": row.platform_number,
            "region": row.region,
        }
        if team is None:
            team = Team.objects.create(name=row.name, **fields)
            created += 1
        else:
            for key, value in fields.items():
                setattr(team, key, value)
            team.save()
            updated += 1
        by_name[row.name] = team
    for row in rows:
        if row.parent_name:
            team = by_name[row.name]
            team.parent = by_name[row.parent_name]
            _check_team(team)
            team.save(update_fields=["parent"])
    audit.record(
        actor,
        "volunteer_team.import",
        None,
        region=region,
        target_repr=filename[:200],
        after={"新增": created, "更新": updated},
        note=f"导入 {filename}",
    )
    _refresh_later(region)
    dbstats.analyse_after_commit(len(rows), Team)
    return created, updated


@dataclass
class RecordRow:
    line: int
    activity: ServiceActivity
    volunteer_id: int
    service_date: date
    raw: Decimal
    sign_in: datetime | None = None
    sign_out: datetime | None = None
    declared: Decimal | None = None


@transaction.atomic
def import_records(
    actor: User | None, region: Region, rows: Sequence[RecordRow], *, filename: str
) -> tuple[int, int]:
    fresh = list({id(row.activity): row.activity for row in rows if row.activity.pk is None}.values())
    for activity in fresh:  # few per file: saved one by one so each gets its key on every database
        activity.save()
    existing = {
        (r.activity_id, r.volunteer_id, r.service_date): r
        for r in ServiceRecord.objects.filter(
            activity_id__in={row.activity.pk for row in rows},
            volunteer_id__in={row.volunteer_id for row in rows},
        )
    }
    new, changed = [], []
    recorder = actor if actor and actor.is_authenticated else None
    for row in rows:
        current = existing.get((row.activity.pk, row.volunteer_id, row.service_date))
        if current is None:
            new.append(
                ServiceRecord(
                    activity=row.activity,
                    volunteer_id=row.volunteer_id,
                    service_date=row.service_date,
                    raw_hours=row.raw,
                    sign_in=row.sign_in,
                    sign_out=row.sign_out,
                    declared_hours=row.declared,
                    recorded_by=recorder,
                )
            )
        else:
            current.raw_hours, current.sign_in, current.sign_out, current.declared_hours = (
                row.raw,
                row.sign_in,
                row.sign_out,
                row.declared,
            )
            changed.append(current)
    ServiceRecord.objects.bulk_create(new, batch_size=BATCH)
    ServiceRecord.objects.bulk_update(
        changed, ["raw_hours", "sign_in", "sign_out", "declared_hours"], batch_size=BATCH
    )
    _recount({(row.volunteer_id, row.service_date) for row in rows})
    audit.record(
        actor,
        "volunteer_record.import",
        None,
        region=region,
        target_repr=filename[:200],
        after={"新增": len(new), "更新": len(changed)},
        note=f"导入 {filename}",
    )
    for year in sorted({row.service_date.year for row in rows}):
        _refresh_later(region, year)
    dbstats.analyse_after_commit(len(rows), ServiceRecord)
    return len(new), len(changed)


@dataclass
class SnapshotRow:
    line: int
    region: Region
    month: date
    registered: int
    monthly_active: int
    shares: int
    explanation: str = ""
    flag: str = ""


@transaction.atomic
def import_snapshots(
    actor: User | None,
    region: Region,
    rows: Sequence[SnapshotRow],
    *,
    filename: str,
    data: bytes = b"",
    source: str = "",
) -> tuple[int, int]:
    checksum = hashlib.sha256(data).hexdigest() if data else ""
    existing = {
        (s.region_id, s.month): s
        for s in InformantSnapshot.objects.filter(
            region__in={r.region for r in rows}, month__in={r.month for r in rows}
        )
    }
    new, changed = [], []
    recorder = actor if actor and actor.is_authenticated else None
    for row in rows:
        values = {
            "registered": row.registered,
            "monthly_active": row.monthly_active,
            "shares": row.shares,
            "explanation": row.explanation,
            "flag": row.flag,
            "source": (source or filename)[:200],
            "checksum": checksum,
            "imported_by": recorder,
        }
        current = existing.get((row.region.pk, row.month))
        if current is None:
            new.append(InformantSnapshot(region=row.region, month=row.month, **values))
        else:
            for key, value in values.items():
                setattr(current, key, value)
            changed.append(current)
    replaced = [
        audit.snapshot(s, ["region", "month", "registered", "monthly_active", "shares", "source"])
        for s in changed
    ]
    InformantSnapshot.objects.bulk_create(new, batch_size=BATCH)
    InformantSnapshot.objects.bulk_update(
        changed,
        [
            "registered",
            "monthly_active",
            "shares",
            "explanation",
            "flag",
            "source",
            "checksum",
            "imported_by",
        ],
        batch_size=BATCH,
    )
    audit.record(
        actor,
        "informant_snapshot.import",
        None,
        region=region,
        target_repr=filename[:200],
        before={"替换前": replaced[:500]} if replaced else None,
        after={"新增": len(new), "替换": len(changed), "校验和": checksum},
        note=f"导入 {filename}",
    )
    for year in sorted({row.month.year for row in rows}):
        _refresh_later(region, year)
    dbstats.analyse_after_commit(len(rows), InformantSnapshot)
    return len(new), len(changed)


@dataclass
class GridRow:
    line: int
    region: Region
    grid: str
    level: str
    informant: str = ""
    phone: str = ""
    role: str = ""
    registered: bool = False


@transaction.atomic
def import_grid_posts(
    actor: User | None, region: Region, rows: Sequence[GridRow], *, filename: str
) -> tuple[int, int]:
    existing = {
        (g.region_id, g.grid): g for g in GridPost.objects.filter(region__path__startswith=region.path)
    }
    new, changed = [], []
    for row in rows:
        values = {
            "level": row.level,
            "informant": row.informant,
            "phone": row.phone,
            "role": row.role,
            "registered": row.registered,
        }
        current = existing.get((row.region.pk, row.grid))
        if current is None:
            new.append(GridPost(region=row.region, grid=row.grid, **values))
        else:
            for key, value in values.items():
                setattr(current, key, value)
            changed.append(current)
    GridPost.objects.bulk_create(new, batch_size=BATCH)
    GridPost.objects.bulk_update(
        changed, ["level", "informant", "phone", "role", "registered"], batch_size=BATCH
    )
    audit.record(
        actor,
        "grid_post.import",
        None,
        region=region,
        target_repr=filename[:200],
        after={"新增": len(new), "更新": len(changed)},
        note=f"导入 {filename}",
    )
    _refresh_later(region)
    dbstats.analyse_after_commit(len(rows), GridPost)
    return len(new), len(changed)


# ---- counting into indicators ---------------------------------------------------------------------------------


@transaction.atomic
def set_count_rule(
    actor: User | None,
    target: Target,
    *,
    what: str,
    measure: str = Measure.STOCK,
    active_only: bool = False,
    registered_only: bool = False,
    disaggregation: dict[str, str] | None = None,
) -> CountRule:
    from kesu.indicators import actions as indicator_actions
    from kesu.indicators.actions import indicator_by_code

    rule = CountRule.objects.filter(target=target).first()
    before = audit.snapshot(rule) if rule else None
    rule = rule or CountRule(target=target)
    rule.what, rule.measure, rule.active_only, rule.registered_only = (
        what,
        measure,
        active_only,
        registered_only,
    )
    rule.disaggregation = disaggregation or {}
    rule.save()
    region = target.task.plan.region
    indicator_actions.link_target(
        actor, target, indicator_by_code(INDICATOR_OF[what]), disaggregation=rule.disaggregation
    )
    audit.record(
        actor, "volunteer_count_rule.set", rule, region=region, before=before, after=audit.snapshot(rule)
    )
    return rule


def rule_value(rule: CountRule, region: Region, year: int) -> tuple[float | None, float | None, float | None]:
    """(value, numerator, denominator) of the rule for ``region``'s subtree in ``year``."""
    flow = rule.measure == Measure.FLOW
    if rule.what == CountWhat.VOLUNTEERS:
        return counting.volunteers(region, year, flow=flow, active_only=rule.active_only), None, None
    if rule.what == CountWhat.TEAMS:
        return counting.teams(region, year, flow=flow), None, None
    if rule.what == CountWhat.SERVICES:
        return counting.services(region, year), None, None
    if rule.what == CountWhat.INFORMANTS:
        return counting.informants(region, year).registered, None, None
    if rule.what == CountWhat.INFORMANT_RATE:
        figures = counting.informants(region, year)
        if not figures.population:
            return None, None, None
        return None, figures.registered, figures.population
    coverage = counting.grid_coverage(region)
    if not coverage.grids:
        return None, None, None
    return None, coverage.registered if rule.registered_only else coverage.covered, coverage.grids


def refresh_counts(actor: User | None, region: Region, year: int) -> int:
    """Record the value of every count rule whose plan's region is ``region`` or above it; returns how many."""
    from kesu.indicators.actions import values_batch

    rules_here = CountRule.objects.filter(
        target__task__plan__region__in=region.ancestors(include_self=True)
    ).select_related("target__task__plan__region")
    with values_batch():  # the stored roll-ups recomputed once for all the rules' values
        return _record_rules(actor, rules_here, year)


def _record_rules(actor: User | None, rules_here: Iterable[CountRule], year: int) -> int:
    from kesu.indicators.actions import record_value

    written = 0
    for rule in rules_here:
        plan_region = rule.target.task.plan.region
        value, numerator, denominator = rule_value(rule, plan_region, year)
        if value is None and numerator is None:
            continue
        if _unchanged(rule, plan_region, year, value, numerator, denominator):
            continue
        with transaction.atomic():
            record_value(
                actor,
                INDICATOR_OF[rule.what],
                plan_region,
                str(year),
                value,
                numerator=numerator,
                denominator=denominator,
                disaggregation=rule.disaggregation or None,
                source="registry",
                provenance=f"登记库：{rule.in_words()}",
            )
        written += 1
    return written


def _unchanged(
    rule: CountRule,
    region: Region,
    year: int,
    value: float | None,
    numerator: float | None,
    denominator: float | None,
) -> bool:
    """The stored value already says this (a refresh after every write must not add an audit event each time)."""
    from kesu.indicators.models import IndicatorValue, disaggregation_key

    stored = IndicatorValue.objects.filter(
        indicator__code=INDICATOR_OF[rule.what],
        region=region,
        period=str(year),
        disaggregation_key=disaggregation_key(rule.disaggregation or {}),
    ).first()
    if stored is None or stored.source != "registry":
        return False
    if value is not None:
        return stored.value == value
    return stored.numerator == numerator and stored.denominator == denominator


def refresh_all(actor: User | None, year: int) -> int:
    """Every count rule's value for ``year`` (``kesu refresh_registry_counts``)."""
    from kesu.indicators.actions import values_batch

    regions = {
        rule.target.task.plan.region
        for rule in CountRule.objects.select_related("target__task__plan__region")
    }
    with values_batch():  # one roll-up per indicator × province for the whole year, not one per value
        return sum(refresh_counts(actor, region, year) for region in regions)


def _refresh_later(region: Region, year: int | None = None) -> None:
    when = year or date.today().year
    counting.data_changed()
    transaction.on_commit(counting.data_changed)
    transaction.on_commit(lambda: refresh_counts(None, region, when))

"""Every write of the 科技馆 system, 示范创建 and 表彰: one transaction, one audit event each (a 考核
加分 link also leaves reporting's own event on the score), counts refreshed after commit."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kesu.core import audit, dbstats
from kesu.indicators.models import Indicator
from kesu.regions.models import Region, RegionLevel, Unit
from kesu.reporting import assessment
from kesu.reporting.models import AdjustmentKind, Scheme, Score
from kesu.reporting.sniff import ALLOWED_LABEL, sniff
from kesu.venues.counting_system import REGISTRY_FIGURES, refresh_system_paths
from kesu.venues.models import (
    CALL_STEPS,
    CREATION_STEPS,
    AwardCall,
    CallStatus,
    CaravanTrip,
    Checklist,
    Creation,
    CreationEvidence,
    CreationKind,
    CreationStatus,
    CreationStepLog,
    Criterion,
    CriterionSource,
    CriterionValue,
    Institution,
    Nomination,
    NomineeKind,
    Tour,
    TourStop,
    working_days_end,
)

if TYPE_CHECKING:
    from kesu.accounts.models import User

EVIDENCE_MAX_MB = 20
PUBLICITY_WORKING_DAYS = 5
EDITABLE = (CreationStatus.SELF_ASSESSING, CreationStatus.RETURNED)


class VenueSystemError(ValueError):
    """A refused write, with the reason in the office's words (views show it on the form)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refresh_later(region: Region, year: int) -> None:
    """Figures follow every registry write, once the write is committed: each region and year once
    per transaction, however many writes it held (a demo or a form posting many stops)."""
    refresh_after_commit([region], [year])


_PENDING = "_kesu_venue_system_refresh"  # the (path, year) pairs waiting for the commit, on the connection


def refresh_after_commit(regions: Iterable[Region], years: Iterable[int]) -> None:
    """Refresh the figures of ``regions`` (and the regions above them) for ``years`` after the current
    transaction commits, together with everything else the transaction asked for."""
    connection = transaction.get_connection()
    pending: set[tuple[str, int]] | None = getattr(connection, _PENDING, None)
    # A rolled-back transaction drops its callbacks: then the pairs left over start afresh.
    queued = any(entry[1] is _refresh_pending for entry in connection.run_on_commit)
    if pending is None or not queued:
        pending = set()
        setattr(connection, _PENDING, pending)
        queued = False
    pending |= {(region.path, year) for region in regions for year in years}
    if not queued:
        transaction.on_commit(_refresh_pending)


def _refresh_pending() -> None:
    pending: set[tuple[str, int]] = getattr(transaction.get_connection(), _PENDING, None) or set()
    setattr(transaction.get_connection(), _PENDING, None)
    for year in sorted({year for _, year in pending}):
        refresh_system_paths(None, {path for path, y in pending if y == year}, year)


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


# ---- mobile venues ------------------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise VenueSystemError(f"年度“{year}”不正确，应为四位年份，如 2025。")


@transaction.atomic
def create_tour(actor: User | None, region: Region, *, exhibition: str, year: int, note: str = "") -> Tour:
    _check_year(year)
    if not exhibition.strip():
        raise VenueSystemError("请填写展览（展品套）名称。")
    tour = Tour.objects.create(region=region, exhibition=exhibition.strip(), year=year, note=note)
    audit.record(actor, "venue_tour.create", tour, region=region, after=audit.snapshot(tour))
    return tour


@transaction.atomic
def add_tour_stop(
    actor: User | None,
    tour: Tour,
    *,
    region: Region,
    start_date: datetime.date,
    end_date: datetime.date,
    visitors: int,
    venue: str = "",
) -> TourStop:
    if not region.is_within(tour.region):
        raise VenueSystemError(
            f"“{region.name}”不在{tour.region.name}范围内，巡展站点应在组织区划的下级县（市、区）。"
        )
    if region.level != RegionLevel.COUNTY:
        raise VenueSystemError(
            f"巡展站点应选择县（市、区），“{region.name}”是{region.get_level_display()}区划。"
        )
    if end_date < start_date:
        raise VenueSystemError("结束日期不能早于开始日期。")
    if start_date.year != tour.year:
        raise VenueSystemError(f"站点开始日期应在巡展年度 {tour.year} 年内。")
    if visitors < 0:
        raise VenueSystemError("参观人次不能为负数。")
    stop = TourStop.objects.create(
        tour=tour, region=region, venue=venue, start_date=start_date, end_date=end_date, visitors=visitors
    )
    audit.record(actor, "venue_tour.stop_add", tour, region=tour.region, after=audit.snapshot(stop))
    _refresh_later(region, tour.year)
    return stop


@transaction.atomic
def remove_tour_stop(actor: User | None, stop: TourStop) -> None:
    tour = stop.tour
    audit.record(actor, "venue_tour.stop_remove", tour, region=tour.region, before=audit.snapshot(stop))
    region, year = stop.region, tour.year
    stop.delete()
    _refresh_later(region, year)


TRIP_FIELDS = ["vehicle", "date", "place", "activities", "visitors", "note", "region"]


def _check_trip(region: Region, fields: dict[str, Any]) -> None:
    if fields["activities"] < 0 or fields["visitors"] < 0:
        raise VenueSystemError("活动场次和受众人次不能为负数。")
    _check_year(fields["date"].year)


@transaction.atomic
def create_caravan_trip(actor: User | None, region: Region, **fields: Any) -> CaravanTrip:
    _check_trip(region, fields)
    trip = CaravanTrip.objects.create(region=region, **fields)
    audit.record(actor, "venue_caravan.create", trip, region=region, after=audit.snapshot(trip))
    _refresh_later(region, trip.date.year)
    return trip


@transaction.atomic
def update_caravan_trip(actor: User | None, trip: CaravanTrip, **fields: Any) -> CaravanTrip:
    _check_trip(trip.region, {**audit.snapshot(trip), **fields, "date": fields.get("date", trip.date)})
    before = audit.snapshot(trip)
    old = (trip.region, trip.date.year)
    for name, value in fields.items():
        setattr(trip, name, value)
    trip.save()
    audit.record(
        actor, "venue_caravan.update", trip, region=trip.region, before=before, after=audit.snapshot(trip)
    )
    _refresh_later(*old)
    _refresh_later(trip.region, trip.date.year)
    return trip


# ---- imports of tour stops and caravan trips ---------------------------------------------------

BATCH = 500  # rows per statement: queries grow with batches, not rows


@dataclass(frozen=True)
class StopRow:
    """One checked row of a tour-stop file (``importing_system``): the tour by exhibition and year."""

    exhibition: str
    year: int
    region: Region
    start_date: datetime.date
    end_date: datetime.date
    visitors: int
    venue: str = ""


@dataclass(frozen=True)
class TripRow:
    """One checked row of a caravan file: a trip is known by vehicle, date, region and place."""

    region: Region
    vehicle: str
    date: datetime.date
    place: str
    activities: int
    visitors: int
    note: str = ""


@transaction.atomic
def import_tour_stops(
    actor: User | None, region: Region, rows: list[StopRow], *, filename: str
) -> tuple[int, int]:
    """Checked stops stored in bulk under ``region``'s tours (a tour is made for an exhibition and year
    not yet kept); a stop already kept (same tour, county and start) is updated. (created, updated)."""
    tours = _tours_for(region, {(row.exhibition, row.year) for row in rows})
    existing = {
        (stop.tour_id, stop.region_id, stop.start_date): stop
        for stop in TourStop.objects.filter(tour__in=tours.values())
    }
    new, changed = [], []
    for row in rows:
        tour = tours[(row.exhibition, row.year)]
        stop = existing.get((tour.pk, row.region.pk, row.start_date))
        if stop is None:
            new.append(_stop(tour, row))
        elif (stop.end_date, stop.visitors, stop.venue) != (row.end_date, row.visitors, row.venue):
            stop.end_date, stop.visitors, stop.venue = row.end_date, row.visitors, row.venue
            changed.append(stop)
    TourStop.objects.bulk_create(new, batch_size=BATCH)
    TourStop.objects.bulk_update(changed, ["end_date", "visitors", "venue"], batch_size=BATCH)
    audit.record(
        actor,
        "venue_tour.import",
        region,
        region=region,
        after={"file": filename[:200], "created": len(new), "updated": len(changed), "rows": len(rows)},
    )
    refresh_after_commit({row.region for row in rows}, {row.year for row in rows})
    dbstats.analyse_after_commit(len(rows), TourStop)
    return len(new), len(changed)


def _stop(tour: Tour, row: StopRow) -> TourStop:
    return TourStop(
        tour=tour,
        region=row.region,
        venue=row.venue,
        start_date=row.start_date,
        end_date=row.end_date,
        visitors=row.visitors,
    )


def _tours_for(region: Region, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Tour]:
    """The region's tours for these (exhibition, year) keys, the missing ones made (two queries)."""
    names = {name for name, _ in keys}
    tours = {
        (tour.exhibition, tour.year): tour
        for tour in Tour.objects.filter(region=region, exhibition__in=names).order_by("pk")
        if (tour.exhibition, tour.year) in keys
    }
    missing = [Tour(region=region, exhibition=name, year=year) for name, year in sorted(keys - set(tours))]
    Tour.objects.bulk_create(missing, batch_size=BATCH)
    if missing and any(tour.pk is None for tour in missing):  # a backend that returns no ids
        return _tours_for(region, keys)
    return tours | {(tour.exhibition, tour.year): tour for tour in missing}


@transaction.atomic
def import_caravan_trips(
    actor: User | None, region: Region, rows: list[TripRow], *, filename: str
) -> tuple[int, int]:
    """Checked trips stored in bulk; a trip already kept (same vehicle, date, region and place) is
    updated. (created, updated)."""
    vehicles = {row.vehicle for row in rows}
    dates = [row.date for row in rows]
    existing = {
        (trip.vehicle, trip.date, trip.region_id, trip.place): trip
        for trip in CaravanTrip.objects.filter(
            region__path__startswith=region.path,
            vehicle__in=vehicles,
            date__range=(min(dates), max(dates)),
        )
    }
    new, changed = [], []
    for row in rows:
        trip = existing.get((row.vehicle, row.date, row.region.pk, row.place))
        if trip is None:
            new.append(CaravanTrip(**{name: getattr(row, name) for name in TRIP_FIELDS}))
        elif (trip.activities, trip.visitors, trip.note) != (row.activities, row.visitors, row.note):
            trip.activities, trip.visitors, trip.note = row.activities, row.visitors, row.note
            changed.append(trip)
    CaravanTrip.objects.bulk_create(new, batch_size=BATCH)
    CaravanTrip.objects.bulk_update(changed, ["activities", "visitors", "note"], batch_size=BATCH)
    audit.record(
        actor,
        "venue_caravan.import",
        region,
        region=region,
        after={"file": filename[:200], "created": len(new), "updated": len(changed), "rows": len(rows)},
    )
    refresh_after_commit({row.region for row in rows}, {row.date.year for row in rows})
    dbstats.analyse_after_commit(len(rows), CaravanTrip)
    return len(new), len(changed)


# ---- 示范创建: checklists -----------------------------------------------------------------------


@transaction.atomic
def create_checklist(
    actor: User | None, region: Region | None, *, kind: str, name: str, year: int
) -> Checklist:
    _check_year(year)
    if kind not in CreationKind.values:
        raise VenueSystemError("请选择创建类型。")
    checklist = Checklist.objects.create(region=region, kind=kind, name=name.strip(), year=year)
    audit.record(actor, "venue_checklist.create", checklist, region=region, after=audit.snapshot(checklist))
    return checklist


CRITERION_FIELDS = [
    "text",
    "evidence",
    "figure",
    "comparator",
    "threshold",
    "unit",
    "source",
    "indicator_code",
    "registry_figure",
]


def _check_criterion(fields: dict[str, Any]) -> None:
    source = fields.get("source", CriterionSource.MANUAL)
    if not str(fields.get("text", "")).strip():
        raise VenueSystemError("请填写标准内容。")
    if source == CriterionSource.INDICATOR:
        code = str(fields.get("indicator_code", "")).strip()
        if not code:
            raise VenueSystemError("请选择要读取的指标。")
        if not Indicator.objects.filter(code=code).exists():
            raise VenueSystemError(f"指标代码“{code}”不存在，请在指标目录中核对。")
    if source == CriterionSource.REGISTRY and fields.get("registry_figure") not in REGISTRY_FIGURES:
        raise VenueSystemError("请选择要读取的登记库计数。")
    if source != CriterionSource.MANUAL and fields.get("threshold") is None:
        raise VenueSystemError("自动读取数据的标准须填写达标值。")


@transaction.atomic
def add_criterion(actor: User | None, checklist: Checklist, **fields: Any) -> Criterion:
    _check_criterion(fields)
    order = checklist.criteria.count() + 1
    criterion = Criterion.objects.create(checklist=checklist, order=order, **fields)
    audit.record(
        actor,
        "venue_checklist.criterion_add",
        checklist,
        region=checklist.region,
        after=audit.snapshot(criterion),
    )
    return criterion


# ---- 示范创建: the creation and its steps --------------------------------------------------------


@transaction.atomic
def create_creation(
    actor: User | None,
    region: Region,
    *,
    kind: str,
    level: int,
    cycle_start: int,
    cycle_end: int,
    checklist: Checklist,
    place: str = "",
) -> Creation:
    _check_year(cycle_start)
    _check_year(cycle_end)
    if cycle_end < cycle_start:
        raise VenueSystemError("创建周期的止年不能早于起年。")
    if checklist.kind != kind:
        raise VenueSystemError(f"所选创建标准适用于{checklist.get_kind_display()}，与创建类型不符。")
    if kind == CreationKind.COUNTY and region.level != RegionLevel.COUNTY:
        raise VenueSystemError(
            f"科普示范县（市、区）应选择县级区划，“{region.name}”是{region.get_level_display()}区划。"
        )
    if kind != CreationKind.COUNTY and not place.strip():
        raise VenueSystemError("请填写创建单位（社区、村、学校或基地）的名称。")
    creation = Creation.objects.create(
        region=region,
        kind=kind,
        level=level,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        checklist=checklist,
        place=place.strip(),
    )
    audit.record(actor, "venue_creation.create", creation, region=region, after=audit.snapshot(creation))
    return creation


def _check_editable(creation: Creation) -> Creation:
    """The creation as stored now, locked, if its data may still change (another tab may have submitted it)."""
    creation = Creation.objects.select_for_update().select_related("region").get(pk=creation.pk)
    if creation.status not in EDITABLE:
        raise VenueSystemError(
            f"创建申请当前为“{creation.get_status_display()}”，只有自评中或退回修改时可以修改数据和佐证材料。"
        )
    return creation


def _checked_criterion(creation: Creation, criterion: Criterion) -> Criterion:
    if criterion.checklist_id != creation.checklist_id:
        raise VenueSystemError("该标准不属于本创建申请所用的创建标准。")
    return criterion


@transaction.atomic
def set_criterion_value(
    actor: User | None, creation: Creation, criterion: Criterion, *, value: float | None, note: str = ""
) -> CriterionValue:
    creation = _check_editable(creation)
    _checked_criterion(creation, criterion)
    if criterion.source != CriterionSource.MANUAL:
        raise VenueSystemError(f"“{criterion.text}”的数据自动读取，无需填报。")
    row, _ = CriterionValue.objects.get_or_create(creation=creation, criterion=criterion)
    before = {"value": row.value, "note": row.note}
    row.value, row.note = value, note
    row.save()
    audit.record(
        actor,
        "venue_creation.value",
        creation,
        region=creation.region,
        before=before,
        after={"criterion": criterion.text, "value": value, "note": note},
    )
    return row


@transaction.atomic
def add_creation_evidence(
    actor: User | None, creation: Creation, criterion: Criterion, data: bytes, filename: str
) -> CreationEvidence:
    creation = _check_editable(creation)
    _checked_criterion(creation, criterion)
    if len(data) > EVIDENCE_MAX_MB * 1024 * 1024:
        raise VenueSystemError(f"文件超过 {EVIDENCE_MAX_MB} MB 的上限，请压缩后再上传。")
    kind = sniff(data, filename)
    if kind is None:
        raise VenueSystemError(
            f"“{filename}”不是可接受的佐证材料：只接受{ALLOWED_LABEL}（按文件内容识别，不看扩展名）。"
        )
    evidence = CreationEvidence(
        creation=creation,
        criterion=criterion,
        filename=filename[:200],
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=_user(actor),
    )
    evidence.file.save(f"c{creation.pk}-{evidence.sha256[:12]}.{kind}", ContentFile(data), save=False)
    evidence.save()
    audit.record(
        actor,
        "venue_creation.evidence_add",
        creation,
        region=creation.region,
        after={"criterion": criterion.text, "file": evidence.filename, "kind": kind, "size": len(data)},
    )
    return evidence


def step_allowed(actor: User | None, step_name: str, region: Region) -> bool:
    """Whether ``actor`` may take the step on a record of ``region`` (None: the system, always)."""
    if actor is None:
        return True
    parent_path = region.path[: -len(region.code) - 1] if region.parent_id else None
    return CREATION_STEPS[step_name].allowed_for(actor.access, region.path, parent_path)


@transaction.atomic
def take_creation_step(
    actor: User | None,
    creation: Creation,
    step_name: str,
    *,
    reason: str = "",
    document_no: str = "",
    named_on: datetime.date | None = None,
) -> Creation:
    step = CREATION_STEPS.get(step_name)
    if step is None:
        raise VenueSystemError("没有这个步骤。")
    creation = Creation.objects.select_for_update().select_related("region").get(pk=creation.pk)
    if not creation.allows(step_name):
        raise VenueSystemError(f"创建申请当前为“{creation.get_status_display()}”，不能“{step.label}”。")
    if not step_allowed(actor, step_name, creation.region):
        who = "本级素质办" if step.by == "own" else "上级素质办"
        raise VenueSystemError(f"“{step.label}”应由{who}办理。")
    reason = reason.strip()
    if step.needs_reason and not reason:
        raise VenueSystemError("退回须写明理由。")
    before = audit.snapshot(creation, ["status", "document_no", "named_on"])
    from_status = creation.status
    creation.status = step.target
    if step_name == "accept":
        creation.document_no = document_no.strip()
        creation.named_on = named_on or timezone.localdate()
    creation.save()
    CreationStepLog.objects.create(
        creation=creation,
        step=step_name,
        from_status=from_status,
        to_status=step.target,
        reason=reason,
        actor=_user(actor),
    )
    audit.record(
        actor,
        f"venue_creation.{step_name}",
        creation,
        region=creation.region,
        before=before,
        after=audit.snapshot(creation, ["status", "document_no", "named_on"]),
        note=reason,
    )
    if step_name == "accept":
        _refresh_later(creation.region, (creation.named_on or timezone.localdate()).year)
    return creation


# ---- 表彰奖励 ------------------------------------------------------------------------------------


@transaction.atomic
def create_call(
    actor: User | None,
    region: Region,
    *,
    year: int,
    title: str,
    quota: int | None = None,
    nomination_deadline: datetime.date | None = None,
) -> AwardCall:
    _check_year(year)
    if not title.strip():
        raise VenueSystemError("请填写表彰名称。")
    if quota is not None and quota < 1:
        raise VenueSystemError("名额应至少为 1；不限名额请留空。")
    call = AwardCall.objects.create(
        region=region, year=year, title=title.strip(), quota=quota, nomination_deadline=nomination_deadline
    )
    audit.record(actor, "venue_award.call_create", call, region=region, after=audit.snapshot(call))
    return call


def _nominee_key(
    kind: str, person_name: str, unit: Unit | None, institution: Institution | None
) -> dict[str, Any]:
    if kind == NomineeKind.PERSON:
        if not person_name.strip():
            raise VenueSystemError("推荐个人须填写姓名。")
        return {"kind": kind, "person_name": person_name.strip()}
    if kind == NomineeKind.UNIT:
        if unit is None:
            raise VenueSystemError("推荐单位须选择单位。")
        return {"kind": kind, "unit": unit}
    if kind == NomineeKind.BASE:
        if institution is None:
            raise VenueSystemError("推荐基地须选择基地。")
        return {"kind": kind, "institution": institution}
    raise VenueSystemError("请选择推荐对象类型（个人、单位或基地）。")


def _recommender(actor: User | None, call: AwardCall, recommended_by: Unit | None) -> Unit | None:
    """An office of the call's region recommends for any unit; a liaison only for its own unit."""
    if actor is None or actor.access.manages_path(call.region.path):
        return recommended_by
    units = actor.access.liaison_unit_ids
    if call.region_id in actor.access.liaison_region_ids and units:
        if recommended_by is not None and recommended_by.pk in units:
            return recommended_by
        return Unit.objects.get(pk=units[0]) if recommended_by is None else _refuse_unit()
    raise VenueSystemError("只有本级素质办或本区划成员单位联络员可以推荐。")


def _refuse_unit() -> Unit:
    raise VenueSystemError("联络员只能以本单位名义推荐。")


@transaction.atomic
def nominate(
    actor: User | None,
    call: AwardCall,
    *,
    kind: str,
    person_name: str = "",
    unit: Unit | None = None,
    institution: Institution | None = None,
    recommended_by: Unit | None = None,
    deeds: str = "",
) -> Nomination:
    call = AwardCall.objects.select_for_update().select_related("region").get(pk=call.pk)
    if call.status != CallStatus.NOMINATING:
        raise VenueSystemError(f"本表彰当前为“{call.get_status_display()}”阶段，推荐已截止。")
    key = _nominee_key(kind, person_name, unit, institution)
    for candidate in (unit, institution):
        if candidate is not None and not candidate.region.is_within(call.region):
            raise VenueSystemError(f"“{candidate}”不在{call.region.name}范围内。")
    if call.nominations.filter(**key).exists():
        raise VenueSystemError(f"“{person_name or unit or institution}”已被推荐过，同一对象不能重复推荐。")
    recommender = _recommender(actor, call, recommended_by)
    nomination = Nomination.objects.create(call=call, recommended_by=recommender, deeds=deeds, **key)
    audit.record(actor, "venue_award.nominate", call, region=call.region, after=audit.snapshot(nomination))
    return nomination


@transaction.atomic
def review_nomination(
    actor: User | None, nomination: Nomination, *, score: float | None, selected: bool
) -> Nomination:
    nomination = Nomination.objects.select_for_update().select_related("call__region").get(pk=nomination.pk)
    call = nomination.call
    if call.status != CallStatus.REVIEWING:
        raise VenueSystemError(f"本表彰当前为“{call.get_status_display()}”阶段，不在评审中。")
    if score is not None and not 0 <= score <= 100:
        raise VenueSystemError("评审得分应在 0 到 100 之间。")
    before = audit.snapshot(nomination, ["score", "selected"])
    nomination.score, nomination.selected = score, selected
    nomination.save(update_fields=["score", "selected"])
    audit.record(
        actor,
        "venue_award.score",
        call,
        region=call.region,
        before=before,
        after={**audit.snapshot(nomination, ["score", "selected"]), "nominee": nomination.nominee_name},
    )
    return nomination


@transaction.atomic
def take_call_step(
    actor: User | None,
    call: AwardCall,
    step_name: str,
    *,
    reason: str = "",
    publicity_start: datetime.date | None = None,
    document_no: str = "",
    today: datetime.date | None = None,
) -> AwardCall:
    step = CALL_STEPS.get(step_name)
    if step is None:
        raise VenueSystemError("没有这个步骤。")
    call = AwardCall.objects.select_for_update().select_related("region").get(pk=call.pk)
    today = today or timezone.localdate()
    if not call.allows(step_name):
        raise VenueSystemError(f"本表彰当前为“{call.get_status_display()}”阶段，不能“{step.label}”。")
    if step.needs_reason and not reason.strip():
        raise VenueSystemError("退回须写明理由。")
    before = audit.snapshot(
        call, ["status", "publicity_start", "publicity_end", "document_no", "announced_on"]
    )
    if step_name == "publicise":
        _start_publicity(call, publicity_start or today)
    elif step_name == "announce":
        if call.publicity_end is not None and today <= call.publicity_end:
            raise VenueSystemError(f"公示期至 {call.publicity_end:%Y-%m-%d} 结束，期满后方可公布。")
        call.document_no, call.announced_on = document_no.strip(), today
    elif step_name == "reopen":
        call.publicity_start = call.publicity_end = None
    call.status = step.target
    call.save()
    audit.record(
        actor,
        f"venue_award.{step_name}",
        call,
        region=call.region,
        before=before,
        after=audit.snapshot(
            call, ["status", "publicity_start", "publicity_end", "document_no", "announced_on"]
        ),
        note=reason.strip(),
    )
    if step_name == "announce":
        _refresh_later(call.region, call.year)
    return call


def _start_publicity(call: AwardCall, start: datetime.date) -> None:
    chosen = call.nominations.filter(selected=True).count()
    if not chosen:
        raise VenueSystemError("还没有拟表彰对象，请先在评审中选定。")
    if call.quota is not None and chosen > call.quota:
        raise VenueSystemError(f"拟表彰 {chosen} 个，超过名额 {call.quota} 个，请调整评审结果。")
    call.publicity_start = start
    call.publicity_end = working_days_end(start, PUBLICITY_WORKING_DAYS)


@transaction.atomic
def link_award_bonus(
    actor: User | None, nomination: Nomination, *, points: float, reason: str = ""
) -> Nomination:
    """Carry an award into the year's 考核 as a 加分 item of the credited unit's score, with its reason."""
    nomination = Nomination.objects.select_for_update().select_related("call__region").get(pk=nomination.pk)
    call = nomination.call
    if not nomination.awarded:
        raise VenueSystemError("只有已公布的表彰对象可以计入考核加分。")
    if nomination.bonus_id is not None:
        raise VenueSystemError("该表彰已计入考核加分，不能重复计入。")
    unit = nomination.credited_unit
    if not isinstance(unit, Unit):
        raise VenueSystemError("该表彰对象没有对应的成员单位（个人和基地按推荐单位计），不能计入考核。")
    score = _score_of(actor, unit, call.year)
    reason = reason.strip() or f"{nomination.nominee_name}获{call}"
    try:
        item = assessment.add_adjustment(
            actor, score, kind=AdjustmentKind.BONUS, points=points, reason=reason
        )
    except assessment.AssessmentError as error:
        raise VenueSystemError(str(error)) from error
    nomination.bonus = item
    nomination.save(update_fields=["bonus"])
    audit.record(
        actor,
        "venue_award.bonus",
        call,
        region=call.region,
        after={
            "nominee": nomination.nominee_name,
            "unit": unit.name,
            "points": item.points,
            "reason": reason,
        },
    )
    return nomination


def _score_of(actor: User | None, unit: Unit, year: int) -> Score:
    scheme = Scheme.objects.filter(region=unit.region, year=year).first()
    if scheme is None:
        raise VenueSystemError(f"{unit.region.name}还没有{year}年度考核方案，请先在年度考核中设置。")
    if actor is not None and not Scheme.objects.manageable_by(actor).filter(pk=scheme.pk).exists():
        raise VenueSystemError(f"只有{unit.region.name}素质办可以在本级考核中加分。")
    score = Score.objects.filter(scheme=scheme, unit=unit).first()
    if score is None:
        raise VenueSystemError(f"“{unit.name}”在{year}年度考核中还没有得分，请先在年度考核中计算得分。")
    return score


# ---- reference checklists -----------------------------------------------------------------------

_M, _I, _R = CriterionSource.MANUAL, CriterionSource.INDICATOR, CriterionSource.REGISTRY


def _line(
    text: str,
    evidence: str,
    figure: str = "",
    threshold: float | None = None,
    unit: str = "",
    source: str = _M,
    read: str = "",
) -> dict[str, Any]:
    return {
        "text": text,
        "evidence": evidence,
        "figure": figure,
        "comparator": ">=",
        "threshold": threshold,
        "unit": unit,
        "source": source,
        "indicator_code": read if source == _I else "",
        "registry_figure": read if source == _R else "",
    }


# Starting points an office copies and then adjusts: the national criteria list was not found in full
# (registries.md §8), so the thresholds here are examples, not rules; the lines come from the public
# fragments (funding 一票否决, 一站一栏一员, 宝安's community standard) and from the seeds' targets.
STANDARD_CHECKLISTS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    CreationKind.COUNTY: (
        "科普示范县（市、区）创建标准（参考）",
        [
            _line("科学素质工作纳入经济社会发展规划和政府考核", "规划文件、考核办法"),
            _line(
                "人均科普经费达到要求（一票否决）",
                "财政预算文件",
                "人均科普经费",
                1.0,
                "元",
                _I,
                "funding_per_capita",
            ),
            _line("建有实体科技馆", "科技馆建设、开放资料", "科技馆数", 1, "个", _R, "science_museum_count"),
            _line("建有科技小院", "批复文件", "科技小院数", 1, "个", _R, "science_courtyard_count"),
            _line("建有科普教育基地", "认定文件", "科普教育基地数", 3, "个", _R, "base_count"),
            _line("行政村“一站一栏一员”覆盖率", "站、栏、员名册", "覆盖率", 90, "%"),
            _line("科普大篷车进乡村", "活动记录", "大篷车活动次数", 4, "次", _R, "caravan_trip_count"),
            _line("注册科技志愿者", "平台导出名单", "科技志愿者数", 200, "人", _I, "volunteer_count"),
        ],
    ),
    CreationKind.COMMUNITY: (
        "科普示范社区创建标准（参考）",
        [
            _line("科普工作纳入社区发展规划和年度考核", "社区规划、考核办法"),
            _line("社区建有科协组织", "成立文件、成员名单"),
            _line("有室外科普场地、室内科普活动室和图书室", "场地照片、平面图"),
            _line("科普工作档案齐全", "档案目录"),
            _line("社区负责人参与科普工作", "会议记录"),
            _line("年度开展科普活动", "活动记录", "科普活动场次", 12, "场"),
        ],
    ),
}


@transaction.atomic
def create_standard_checklist(actor: User | None, region: Region, *, kind: str, year: int) -> Checklist:
    """A copy of the reference checklist for ``kind``, the office's own to adjust (one audit event)."""
    if kind not in STANDARD_CHECKLISTS:
        raise VenueSystemError("该创建类型没有参考标准，请新建创建标准并逐条添加。")
    name, lines = STANDARD_CHECKLISTS[kind]
    _check_year(year)
    checklist = Checklist.objects.create(region=region, kind=kind, name=name, year=year)
    Criterion.objects.bulk_create(
        [Criterion(checklist=checklist, order=order, **line) for order, line in enumerate(lines, start=1)]
    )
    audit.record(
        actor,
        "venue_checklist.create",
        checklist,
        region=region,
        after={**audit.snapshot(checklist), "criteria": len(lines)},
        note="载入参考标准",
    )
    return checklist

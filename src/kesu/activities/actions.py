"""Every write on activities: one transaction, one audit event.

The rules of one row are checked here whatever the door (page, import, API): ``activity_checks`` for
dates and 人次, the campaign's window, the place inside the host unit's area, the photos by content.
A domain error is ``ActivityError`` whose ``problems`` name the form field and say in Chinese what to
change; nothing is written when one is raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from kesu.activities import activity_checks as checks
from kesu.activities.actions_campaigns import refresh_many_later
from kesu.activities.activity_photos import MAX_PHOTOS, CheckedPhoto
from kesu.activities.models import (
    Activity,
    ActivityOrganiser,
    ActivityPhoto,
    ActivityStatus,
    Campaign,
    OrganiserRole,
)
from kesu.core import audit, dbstats
from kesu.regions.models import Region, Unit, UnitAlias
from kesu.regions.signals import rewrite_prefix

if TYPE_CHECKING:
    from kesu.accounts.models import User

# The row's own fields a form, a file or the API may set (the status, the unit and the review are the
# actions' own).
FIELDS = (
    "name",
    "campaign",
    "kind",
    "starts_at",
    "ends_at",
    "region",
    "address",
    "base",
    "mode",
    "online_url",
    "online_views",
    "key_groups",
    "attendance",
    "count_method",
    "other_participants",
    "science_workers",
    "cost",
    "funding_line",
    "materials",
    "news_url",
    "summary",
)
MANY = ("tasks", "experts", "volunteers", "resources")
AUDIT_FIELDS = [*FIELDS, "unit", "status"]
BATCH = 1000


class ActivityError(ValueError):
    """One or more broken rules: ``problems`` are (form field or "", Chinese message)."""

    def __init__(self, problems: Sequence[tuple[str, str]] | str, field: str = "") -> None:
        self.problems = [(field, problems)] if isinstance(problems, str) else list(problems)
        self.message = "；".join(message for _field, message in self.problems)
        super().__init__(self.message)


@dataclass
class Organisers:
    """The 承办 and 协办 units besides the host, as chosen."""

    undertakers: list[Unit] = field(default_factory=list)
    co_organisers: list[Unit] = field(default_factory=list)

    def pairs(self) -> list[tuple[Unit, str]]:
        seen: set[int] = set()
        pairs = []
        for role, units in (
            (OrganiserRole.UNDERTAKER, self.undertakers),
            (OrganiserRole.CO_ORGANISER, self.co_organisers),
        ):
            for unit in units:
                if unit.pk not in seen:
                    seen.add(unit.pk)
                    pairs.append((unit, str(role)))
        return pairs


# ---- the rules ----------------------------------------------------------------------------------


def problems_of(activity: Activity) -> list[tuple[str, str]]:
    """Every rule the row breaks, with the field each belongs to (empty: it may be stored)."""
    base = activity.base if activity.base_id else None
    problems = [
        *checks.check_times(activity.starts_at, activity.ends_at),
        *checks.check_attendance(
            activity.attendance,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            base_name=str(base) if base else "",
            base_area=base.building_area if base else None,
        ),
        *checks.check_online_views(activity.online_views),
        *checks.check_mode(activity.mode, activity.online_url, activity.attendance, activity.online_views),
        *checks.check_window(activity.starts_at, activity.ends_at, window_of(activity.campaign)),
    ]
    if activity.region_id and activity.unit_id and not in_area(activity.unit, activity.region):
        problems.append(
            ("region", f"活动地区“{activity.region.name}”不在主办单位所在的{activity.unit.region.name}范围内")
        )
    return problems


def window_of(campaign: Campaign | None) -> checks.Window | None:
    return checks.Window(campaign.name, campaign.starts_on, campaign.ends_on) if campaign else None


def in_area(unit: Unit, region: Region) -> bool:
    """An activity happens in its host unit's region or below (so the office above sees it)."""
    return region.path.startswith(unit.region.path)


def regions_for(unit: Unit) -> Any:
    """The regions an activity of ``unit`` may take place in."""
    return Region.objects.filter(path__startswith=unit.region.path).order_by("level", "code")


def find_units(host: Unit, names: Iterable[str]) -> tuple[list[Unit], list[str]]:
    """Units named by their name or alias, nearest to the host's region first (a county's 科协 before a
    city's of the same name); returns the units found and the names not found."""
    path = host.region.path
    ancestors = [path[:end] for end in range(1, len(path) + 1) if path[end - 1] == "/"]
    near = Q(region__path__startswith=path) | Q(region__path__in=ancestors)
    wanted = [name.strip() for name in names if name.strip()]
    units = list(Unit.objects.filter(near, name__in=wanted).select_related("region"))
    units += [
        a.unit
        for a in UnitAlias.objects.filter(
            alias__in=wanted, unit__in=Unit.objects.filter(near)
        ).select_related("unit__region")
    ]
    by_name: dict[str, Unit] = {}
    for unit in sorted(units, key=lambda u: -len(u.region.path)):  # the deepest (nearest) first
        by_name.setdefault(unit.name, unit)
    for alias in UnitAlias.objects.filter(alias__in=wanted, unit__in=units):
        by_name.setdefault(alias.alias, alias.unit)
    found = [by_name[name] for name in wanted if name in by_name and by_name[name].pk != host.pk]
    return found, [name for name in wanted if name not in by_name]


def _raise_if_problems(activity: Activity, photo_total: int) -> None:
    problems = problems_of(activity)
    if photo_total > MAX_PHOTOS:
        problems.append(("photos", f"每项活动最多 {MAX_PHOTOS} 张照片"))
    if problems:
        raise ActivityError(problems)


def _status_by_time(activity: Activity) -> None:
    """A plan until it starts, held once it has: the unit never sets this by hand."""
    if activity.status in (ActivityStatus.PLANNED, ActivityStatus.HELD):
        started = activity.starts_at <= timezone.now()
        activity.status = ActivityStatus.HELD if started else ActivityStatus.PLANNED


# ---- create and update --------------------------------------------------------------------------


@transaction.atomic
def create_activity(
    actor: User | None,
    unit: Unit,
    fields: dict[str, Any],
    *,
    organisers: Organisers | None = None,
    many: dict[str, Any] | None = None,
    photos: Sequence[CheckedPhoto] = (),
) -> Activity:
    activity = Activity(unit=unit, created_by=actor if actor and actor.is_authenticated else None)
    _assign(activity, fields)
    _raise_if_problems(activity, len(photos))
    _status_by_time(activity)
    activity.save()
    _set_related(activity, organisers, many)
    _add_photos(actor, activity, photos)
    after = audit.snapshot(activity, AUDIT_FIELDS) | _related_snapshot(activity)
    audit.record(actor, "activity.create", activity, region=activity.region, after=after)
    return activity


@transaction.atomic
def update_activity(
    actor: User | None,
    activity: Activity,
    fields: dict[str, Any],
    *,
    organisers: Organisers | None = None,
    many: dict[str, Any] | None = None,
    photos: Sequence[CheckedPhoto] = (),
    remove_photos: Iterable[int] = (),
    version: int | None = None,
) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if version is not None and version != activity.version:
        raise ActivityError("这条活动已被他人修改，请刷新页面后重新填写")
    if not activity.is_editable_state:
        raise ActivityError(f"活动{activity.get_status_display()}，不能修改；如需更正请联系审核方退回")
    before = audit.snapshot(activity, AUDIT_FIELDS) | _related_snapshot(activity)
    counted_before = [_counted_place(activity)] if activity.status == ActivityStatus.ADOPTED else []
    _assign(activity, fields)
    removing = list(activity.photos.filter(pk__in=list(remove_photos)))
    _raise_if_problems(activity, activity.photos.count() - len(removing) + len(photos))
    _status_by_time(activity)
    activity.version += 1
    activity.save()
    _set_related(activity, organisers, many)
    for photo in removing:
        _delete_photo_files(photo)
        photo.delete()
    _add_photos(actor, activity, photos)
    after = audit.snapshot(activity, AUDIT_FIELDS) | _related_snapshot(activity)
    if activity.status == ActivityStatus.ADOPTED or counted_before:
        # A corrected adopted row: the figures of its old and its new region/year both move.
        refresh_many_later(counted_before + [_counted_place(activity)])
    audit.record(actor, "activity.update", activity, region=activity.region, before=before, after=after)
    return activity


def _assign(activity: Activity, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(activity, name, value if value is not None or _nullable(name) else "")


def _nullable(name: str) -> bool:
    return bool(Activity._meta.get_field(name).null)


def _set_related(activity: Activity, organisers: Organisers | None, many: dict[str, Any] | None) -> None:
    if organisers is not None:
        activity.organisers.all().delete()
        ActivityOrganiser.objects.bulk_create(
            ActivityOrganiser(activity=activity, unit=unit, role=role)
            for unit, role in organisers.pairs()
            if unit.pk != activity.unit_id
        )
    for name, values in (many or {}).items():
        if name not in MANY:
            raise TypeError(f"unknown relation: {name}")
        getattr(activity, name).set(values)


def _related_snapshot(activity: Activity) -> dict[str, Any]:
    return {
        "organisers": [
            f"{o.get_role_display()}:{o.unit.name}" for o in activity.organisers.select_related("unit")
        ],
        "tasks": sorted(activity.tasks.values_list("pk", flat=True)),
        "photos": activity.photos.count(),
    }


def _add_photos(actor: User | None, activity: Activity, photos: Sequence[CheckedPhoto]) -> None:
    uploader = actor if actor is not None and actor.is_authenticated else None
    for photo in photos:
        row = ActivityPhoto(
            activity=activity,
            filename=photo.filename,
            width=photo.width,
            height=photo.height,
            size=len(photo.data),
            uploaded_by=uploader,
        )
        row.image.save(f"photo.{photo.extension}", ContentFile(photo.data), save=False)
        row.thumbnail.save("thumb.jpg", ContentFile(photo.thumbnail), save=False)
        row.save()  # the rules were checked before any file is written: a refused row leaves none


def _delete_photo_files(photo: ActivityPhoto) -> None:
    names = [photo.image.name, photo.thumbnail.name]
    storage = photo.image.storage

    def remove() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(remove)


# ---- submit and review --------------------------------------------------------------------------


@transaction.atomic
def submit_activity(actor: User | None, activity: Activity) -> Activity:
    """提交 with its evidence: held (not a plan), at least three photos, 人次 and key groups filled."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status == ActivityStatus.PLANNED:
        raise ActivityError("活动尚未开展（开始时间在将来），开展后才能提交")
    if not activity.is_editable_state:
        raise ActivityError(f"活动{activity.get_status_display()}，不能重复提交")
    missing = activity.missing_for_submit()
    if missing:
        raise ActivityError(
            f"提交前还需要：{'、'.join(missing)}", field="photos" if "照片" in missing[0] else ""
        )
    before = {"status": activity.status}
    activity.status = ActivityStatus.SUBMITTED
    activity.submitted_at = timezone.now()
    activity.version += 1
    activity.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    audit.record(
        actor,
        "activity.submit",
        activity,
        region=activity.region,
        before=before,
        after={"status": activity.status},
    )
    return activity


ADOPT, RETURN = "adopt", "return"


def _counted_place(activity: Activity) -> tuple[Region, date]:
    """Where and when an activity's figures count: its region, the (local) year it started."""
    return activity.region, timezone.localtime(activity.starts_at).date()


def _refresh_figures_later(activities: Iterable[Activity]) -> None:
    """The indicator figures follow adopted rows: recomputed once per batch after the commit."""
    refresh_many_later(_counted_place(activity) for activity in activities)


def _decide(activity: Activity, actor: User | None, decision: str, comment: str, now: datetime) -> None:
    if activity.status != ActivityStatus.SUBMITTED:
        raise ActivityError(f"“{activity.name}”{activity.get_status_display()}，只能审核已提交的活动")
    if decision == RETURN and not comment.strip():
        raise ActivityError("退回时请写明退回原因", field="comment")
    activity.status = ActivityStatus.ADOPTED if decision == ADOPT else ActivityStatus.RETURNED
    activity.reviewed_at = now
    activity.reviewed_by = actor if actor is not None and actor.is_authenticated else None
    activity.review_comment = comment.strip()
    activity.version += 1


@transaction.atomic
def review_activity(actor: User | None, activity: Activity, decision: str, comment: str = "") -> Activity:
    """采用 or 退回 (back to the unit, editable again, with the reason)."""
    if decision not in (ADOPT, RETURN):
        raise ActivityError("请选择采用或退回", field="decision")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _decide(activity, actor, decision, comment, timezone.now())
    activity.save(
        update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "version", "updated_at"]
    )
    if decision == ADOPT:
        _refresh_figures_later([activity])
    verb = "activity.adopt" if decision == ADOPT else "activity.return"
    audit.record(
        actor,
        verb,
        activity,
        region=activity.region,
        before={"status": "submitted"},
        after={"status": activity.status, "comment": activity.review_comment},
    )
    return activity


@transaction.atomic
def adopt_activities(actor: User | None, activities: Any, *, region: Region) -> int:
    """批量采用: every submitted row of ``activities`` (the caller's reviewable queryset) at once, one event."""
    chosen = activities.values("pk")
    rows = list(
        Activity.objects.select_for_update()
        .filter(pk__in=chosen, status=ActivityStatus.SUBMITTED)
        .order_by("pk")
    )
    if not rows:
        raise ActivityError("没有可采用的已提交活动")
    now = timezone.now()
    for activity in rows:
        _decide(activity, actor, ADOPT, "", now)
    fields = ["status", "reviewed_at", "reviewed_by", "review_comment", "version"]
    Activity.objects.bulk_update(rows, fields, batch_size=BATCH)
    Activity.objects.filter(pk__in=[a.pk for a in rows]).update(updated_at=now)
    _refresh_figures_later(rows)
    audit.record(
        actor,
        "activity.adopt_many",
        None,
        region=region,
        after={"activities": [a.pk for a in rows], "count": len(rows)},
        target_repr=f"批量采用 {len(rows)} 项科普活动",
    )
    return len(rows)


# ---- import -------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One checked row of a file: the host unit, the fields and the co-organisers."""

    line: int
    unit: Unit
    fields: dict[str, Any]
    organisers: Organisers


@transaction.atomic
def import_activities(actor: User | None, region: Region, rows: list[ImportRow], *, filename: str) -> int:
    """All rows in bulk (queries grow with batches, not rows), one event for the file."""
    creator = actor if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    built = []
    for row in rows:
        activity = Activity(unit=row.unit, created_by=creator, **row.fields)
        _status_by_time(activity)
        built.append(activity)
    created = Activity.objects.bulk_create(built, batch_size=BATCH)
    ActivityOrganiser.objects.bulk_create(
        (
            ActivityOrganiser(activity=activity, unit=unit, role=role)
            for activity, row in zip(created, rows, strict=True)
            for unit, role in row.organisers.pairs()
            if unit.pk != row.unit.pk
        ),
        batch_size=BATCH,
    )
    _refresh_figures_later(created)
    audit.record(
        actor,
        "activity.import",
        None,
        region=region,
        after={"file": filename, "rows": len(created), "at": now.isoformat()},
        target_repr=f"导入科普活动：{filename}"[:200],
    )
    dbstats.analyse_after_commit(len(created), Activity, ActivityOrganiser)
    return len(created)


# ---- a region moved ------------------------------------------------------------------------------


def follow_region_move(
    sender: object,
    provinces: set[str] | None = None,
    moved: tuple[str, str] | None = None,
    **kwargs: object,
) -> int:
    """Regions moved (``regions.signals.tree_changed``, inside the move's transaction and audit event).
    One subtree moved: the activities under its old path take the new one (``rewrite_prefix``, on the
    path's index). Otherwise (divisions reloaded): every activity of the provinces named (all for
    ``None``) whose copied path is no longer its region's takes the new one. Returns rows rewritten."""
    if moved is not None:
        return rewrite_prefix(Activity.objects.all(), "region_path", *moved)
    rows = Activity.objects.all()
    if provinces is not None:
        inside = Q(pk__in=[])
        for code in provinces:
            inside |= Q(region_path__startswith=f"{code}/")
        rows = rows.filter(inside)
    path = Subquery(Region.objects.filter(pk=OuterRef("region_id")).values("path")[:1])
    return rows.exclude(region_path=F("region__path")).update(region_path=path)

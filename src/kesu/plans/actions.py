"""Every write to plans: import, re-import, corrections, mention resolution, publication."""

from __future__ import annotations

import hashlib
import io
import time
import uuid
import zipfile
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ProtectedError
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from kesu import docparse
from kesu.core import audit
from kesu.core.jobs import start_job
from kesu.plans.models import (
    Plan,
    PlanDocument,
    PlanKind,
    PlanStatus,
    Responsibility,
    Role,
    Section,
    Target,
    Task,
)
from kesu.plans.reimport import (
    CORRECTABLE_TARGET_FIELDS,
    GOAL_FIELDS,
    ROLE_FIELDS,
    TASK_FIELDS,
    ReimportDiff,
    TaskPlan,
    diff_reimport,
    note_correction,
    resolver,
    responsibility,
    same_units,
    without_duplicate_units,
)
from kesu.regions import actions as region_actions
from kesu.regions.models import Region, Unit, UnitGroup
from kesu.regions.unit_kinds import guess_unit_kind

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job

ROLE_KEYS = (
    (Role.LEAD, "lead_units"),
    (Role.PARTICIPATING, "participating_units"),
    (Role.RESPONSIBLE, "responsible_units"),
)


class PlanError(ValueError):
    """A plan operation that cannot go ahead; the message is for the office."""


def parse_upload(data: bytes, filename: str, max_bytes: int) -> tuple[docparse.PlanDraft, str]:
    """Parse before anything is written, so a failed upload never touches the stored plan."""
    draft = docparse.parse_plan_bytes(data, filename, max_bytes=max_bytes)
    return draft, draft.text


def guess_kind(draft: docparse.PlanDraft) -> str:
    return PlanKind.ANNUAL if "要点" in draft.title else PlanKind.FIVE_YEAR


@transaction.atomic
def import_plan(
    actor: User | None,
    region: Region,
    data: bytes,
    filename: str,
    *,
    kind: str | None = None,
    parent: Plan | None = None,
    max_bytes: int = docparse.DEFAULT_MAX_BYTES,
) -> Plan:
    draft, text = parse_upload(data, filename, max_bytes)
    plan = Plan(region=region, kind=kind or guess_kind(draft), parent=parent, created_by=actor)
    _apply_header(plan, draft)
    plan.save()
    _store_document(actor, plan, data, filename, text, draft.uncertain_spans)
    _write_structure(plan, draft, {})
    audit.record(
        actor,
        "plan.import",
        plan,
        region=region,
        after={"title": plan.title, "tasks": plan.tasks.count(), "file": filename},
    )
    return plan


# --- scanned plans: OCR in a background job -------------------------------------------------

SCAN_JOB = "plan_scan_import"


def _scan_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "pending" / "scans"


def start_scan_import(
    actor: User,
    region: Region,
    files: list[tuple[bytes, str]],
    *,
    kind: str | None = None,
    parent: Plan | None = None,
) -> Job:
    """Hold the pages of a scan and start reading them in a worker. JPG/PNG pages are checked (size
    declared in the header, then a full decode) here, so a bad page is refused before any job."""
    if len(files) > 1 or docparse.scan.sniff_image(files[0][0]):
        for index, (data, name) in enumerate(files, start=1):
            label = f"第 {index} 页（{name}）" if len(files) > 1 else f"图片“{name}”"
            docparse.scan.open_image(data, label).close()
    folder = _scan_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    held = []
    for index, (data, name) in enumerate(files, start=1):
        path = folder / f"{index:03d}{Path(name).suffix.lower()[:6]}"
        path.write_bytes(data)
        held.append([str(path), name])
    title = f"识别扫描件：{files[0][1]}" + (f" 等 {len(files)} 页图片" if len(files) > 1 else "")
    return start_job(
        actor,
        SCAN_JOB,
        title[:200],
        region=region,
        folder=str(folder),
        files=held,
        plan_kind=kind or "",
        parent_id=parent.pk if parent else None,
    )


def import_scanned_plan(
    actor: User | None,
    region: Region,
    files: list[tuple[bytes, str]],
    *,
    kind: str | None = None,
    parent: Plan | None = None,
    progress: docparse.PageProgress | None = None,
) -> Plan:
    """OCR first (minutes, outside any transaction), then the plan in one transaction."""
    if len(files) == 1:
        extraction = docparse.extract_document(files[0][0], files[0][1], progress=progress)
        data, filename = files[0]
    else:
        extraction = docparse.read_images(files, progress)
        data, filename = _pages_archive(files), f"{Path(files[0][1]).stem}等{len(files)}页图片.zip"
    draft = docparse.parse_extraction(extraction)
    return _import_draft(actor, region, draft, data, filename, kind=kind, parent=parent)


def _pages_archive(files: list[tuple[bytes, str]]) -> bytes:
    """The photographed pages as uploaded, in reading order, kept as the plan's source file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index, (data, name) in enumerate(files, start=1):
            archive.writestr(f"{index:03d}-{Path(name).name}", data)
    return buffer.getvalue()


@transaction.atomic
def _import_draft(
    actor: User | None,
    region: Region,
    draft: docparse.PlanDraft,
    data: bytes,
    filename: str,
    *,
    kind: str | None,
    parent: Plan | None,
) -> Plan:
    plan = Plan(region=region, kind=kind or guess_kind(draft), parent=parent, created_by=actor)
    _apply_header(plan, draft)
    plan.save()
    _store_document(actor, plan, data, filename, draft.text, draft.uncertain_spans)
    _write_structure(plan, draft, {})
    audit.record(
        actor,
        "plan.import",
        plan,
        region=region,
        after={
            "title": plan.title,
            "tasks": plan.tasks.count(),
            "file": filename,
            "ocr": True,
            "uncertain_spans": len(draft.uncertain_spans),
        },
    )
    return plan


def _apply_header(plan: Plan, draft: docparse.PlanDraft) -> None:
    plan.title = draft.title[:200]
    plan.doc_number = (draft.doc_number or "")[:60]
    plan.period_start = draft.period.start if draft.period else None
    plan.period_end = draft.period.end if draft.period else None
    plan.reporting_deadlines = list(draft.reporting_deadlines)
    plan.warnings = list(draft.warnings)
    goal = draft.goal
    plan.goal_indicator = goal.indicator[:100] if goal else ""
    plan.goal_value = goal.value if goal else None
    plan.goal_comparator = goal.comparator if goal else ""
    plan.goal_year = goal.year if goal else None
    plan.goal_text = goal.text if goal else ""


def _store_document(
    actor: User | None,
    plan: Plan,
    data: bytes,
    filename: str,
    text: str,
    uncertain: list[tuple[int, int]] | None = None,
) -> PlanDocument:
    version = plan.documents.count() + 1
    document = PlanDocument(
        plan=plan,
        version=version,
        filename=filename[:200],
        text=text,
        uncertain_spans=[list(span) for span in uncertain or []],
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    document.file.save(f"plan-{plan.pk}-v{version}-{filename[-60:]}", ContentFile(data), save=False)
    try:
        document.save()
    except Exception:  # the row was refused: leave no orphan file in media
        document.file.delete(save=False)
        raise
    return document


def _write_structure(plan: Plan, draft: docparse.PlanDraft, keep: dict[str, Task]) -> list[Task]:
    """Sections anew; tasks updated in place when their external id is in ``keep``."""
    plan.sections.all().delete()
    section_of = _write_sections(plan, draft.sections)
    # A section's unit list repeats on each of its tasks: resolve each distinct name once.
    resolve = cache(partial(region_actions.resolve_unit_name, plan.region))
    tasks = []
    for order, parsed in enumerate(draft.tasks):
        task = keep.get(parsed.id) or Task(plan=plan, external_id=parsed.id)
        _fill_task(task, parsed, order, section_of.get(parsed.id))
        task.save()
        task.responsibilities.all().delete()
        task.targets.all().delete()
        _write_responsibilities(resolve, task, parsed)
        _write_targets(task, parsed)
        tasks.append(task)
    return tasks


def _write_sections(plan: Plan, sections: list[docparse.Section]) -> dict[str, Section]:
    section_of: dict[str, Section] = {}
    counter = 0

    def walk(nodes: list[docparse.Section], parent: Section | None) -> None:
        nonlocal counter
        for node in nodes:
            counter += 1
            row = Section.objects.create(
                plan=plan,
                parent=parent,
                number=node.number[:20],
                kind=node.kind,
                title=node.title[:300],
                order=counter,
                span_start=node.span[0],
                span_end=node.span[1],
                general=node.general,
            )
            if node.task is not None:
                section_of[node.task.id] = parent or row
            walk(node.children, row)

    walk(sections, None)
    return section_of


def _fill_task(task: Task, parsed: docparse.Task, order: int, section: Section | None) -> None:
    task.order, task.number, task.section = order, parsed.number[:20], section
    # Headings, not bare numerals: "提升行动 / 青少年科学素质提升行动" is what staff recognise.
    task.part = (parsed.headings[0] if parsed.headings else parsed.part)[:200]
    task.section_title = (parsed.headings[-1] if len(parsed.headings) > 1 else "")[:300]
    task.part_kind, task.key_groups = parsed.part_kind, list(parsed.key_groups)
    task.title, task.text = parsed.title[:300], parsed.text
    task.span_start, task.span_end = parsed.span
    task.is_active = True


def _write_responsibilities(
    resolve: Callable[[str], Unit | UnitGroup | None], task: Task, parsed: docparse.Task
) -> None:
    rows = []
    for role, key in ROLE_KEYS:
        for order, mention in enumerate(dict.fromkeys(getattr(parsed, key))):
            rows.append(responsibility(task, role, mention, order, resolve(mention)))
    Responsibility.objects.bulk_create(without_duplicate_units(rows))


def _drop_duplicate_units(task_ids: list[int]) -> int:
    """After a name is mapped to a unit: delete rows that now repeat a unit already on the task."""
    rows = list(Responsibility.objects.filter(task_id__in=task_ids).order_by("task_id", "pk"))
    keep = {row.pk for row in without_duplicate_units(rows)}
    doomed = [row.pk for row in rows if row.pk not in keep]
    Responsibility.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def _write_targets(task: Task, parsed: docparse.Task) -> None:
    Target.objects.bulk_create(
        Target(
            task=task,
            indicator=t.indicator[:200],
            value=t.value,
            unit=t.unit[:10],
            comparator=t.comparator,
            year=t.year,
            per_year=t.per_year,
            text=t.text[:300],
            span_start=t.span[0],
            span_end=t.span[1],
        )
        for t in parsed.targets
    )


@transaction.atomic
def reimport_plan(
    actor: User | None,
    plan: Plan,
    data: bytes,
    filename: str,
    max_bytes: int = docparse.DEFAULT_MAX_BYTES,
    *,
    take_document: frozenset[str] = frozenset(),
    expected: str = "",
) -> ReimportDiff:
    """Update a plan in place from a corrected document: same ids keep their tasks and all attached,
    the office's hand corrections stay unless ``take_document`` names them (keys of the preview's
    conflicts). ``expected`` is the preview's fingerprint: if the plan reads differently now, nothing
    is applied."""
    draft, text = parse_upload(data, filename, max_bytes)
    Plan.objects.select_for_update().filter(pk=plan.pk).first()  # one confirmation at a time
    diff = diff_reimport(plan, draft)
    if expected and diff.fingerprint != expected:
        raise PlanError(PREVIEW_STALE)
    take = take_document & {check.key for check in diff.conflicts}
    diff.taken = [check for check in diff.conflicts if check.key in take]
    office_goal = {name: getattr(plan, name) for name in GOAL_FIELDS}
    _apply_header(plan, draft)
    plan.corrections = {}
    for name in GOAL_FIELDS:
        if f"plan:{name}" in diff.header_keep - take:
            plan.corrections[name] = getattr(plan, name)
            setattr(plan, name, office_goal[name])
    plan.save()
    _store_document(actor, plan, data, filename, text, draft.uncertain_spans)
    kept = _write_reimport(plan, draft, diff, take)
    plan.tasks.exclude(pk__in=[t.pk for t in kept]).update(is_active=False)
    audit.record(
        actor,
        "plan.reimport",
        plan,
        region=plan.region,
        after={
            "file": filename,
            "added": len(diff.added),
            "removed": len(diff.removed),
            "changed": len(diff.changed),
            "kept_corrections": [
                f"{c.task}：{c.label}（{c.office}）" for c in diff.kept + diff.conflicts if c.key not in take
            ],
            "taken_from_document": [f"{c.task}：{c.label}（{c.document}）" for c in diff.taken],
        },
    )
    return diff


PREVIEW_STALE = "预览之后方案又有改动（或手工修改有变化），请重新上传修订版比较后再确认。"


def _write_reimport(
    plan: Plan, draft: docparse.PlanDraft, diff: ReimportDiff, take: frozenset[str]
) -> list[Task]:
    """Sections anew; each task of the document written over its row as planned, corrections kept."""
    plan.sections.all().delete()
    section_of = _write_sections(plan, draft.sections)
    resolve = diff.resolve or resolver(plan.region)
    tasks = []
    for order, step in enumerate(diff.tasks):
        parsed, keep = step.parsed, step.keep - take
        task = step.task or Task(plan=plan)
        task.external_id = parsed.id  # a renumbered or reworded task continues under its new id
        office = {name: getattr(task, name) for name in TASK_FIELDS}
        old_rows = list(task.responsibilities.all()) if step.task else []
        _fill_task(task, parsed, order, section_of.get(parsed.id))
        corrections: dict[str, object] = {}
        for name in TASK_FIELDS:
            if f"task:{parsed.id}:{name}" in keep:
                corrections[name] = getattr(task, name)
                setattr(task, name, office[name])
        rows = []
        for role, key in ROLE_FIELDS.items():
            if f"task:{parsed.id}:{role}" in keep:
                corrections[role] = step.units[role]
                rows += [_copy_row(task, row) for row in old_rows if row.role == role]
                continue
            for index, mention in enumerate(dict.fromkeys(getattr(parsed, key))):
                rows.append(responsibility(task, role, mention, index, resolve(mention)))
        task.corrections = corrections
        task.save()
        task.responsibilities.all().delete()
        Responsibility.objects.bulk_create(without_duplicate_units(rows))
        _write_targets_over(task, step, keep, draft.text)
        tasks.append(task)
    return tasks


def _copy_row(task: Task, row: Responsibility) -> Responsibility:
    return Responsibility(
        task=task,
        role=row.role,
        mention=row.mention,
        order=row.order,
        unit_id=row.unit_id,
        group_id=row.group_id,
    )


def _write_targets_over(task: Task, step: TaskPlan, keep: set[str], text: str) -> None:
    """Each parsed target over the row it continues (its reported values, indicator link and counting
    rules stay), new rows for new ones; corrected fields kept as planned."""
    for row, new in zip(step.targets, step.parsed.targets, strict=True):
        target = row or Target(task=task)
        office = {name: getattr(target, name) for name in CORRECTABLE_TARGET_FIELDS}
        _fill_target(target, new)
        corrections: dict[str, object] = {}
        for name in CORRECTABLE_TARGET_FIELDS:
            if row is not None and f"target:{row.pk}:{name}" in keep:
                corrections[name] = getattr(target, name)
                setattr(target, name, office[name])
        target.corrections = corrections
        target.save()
    Target.objects.filter(pk__in=[t.pk for t in step.drop_targets]).delete()
    for orphan in step.orphan_targets:  # reported on, so kept; it has no place in the new text
        orphan.span_start = orphan.span_end = 0
        orphan.save(update_fields=["span_start", "span_end"])
    if step.task is None:
        return
    for added in [t for t in step.task.targets.all() if t.added_by_office and t.text]:
        at = text.find(added.text, task.span_start)
        at = at if 0 <= at < task.span_end else text.find(added.text)
        added.span_start, added.span_end = (at, at + len(added.text)) if at >= 0 else (0, 0)
        added.save(update_fields=["span_start", "span_end"])


def _fill_target(target: Target, t: docparse.Target) -> None:
    target.indicator, target.value, target.unit = t.indicator[:200], t.value, t.unit[:10]
    target.comparator, target.year, target.per_year = t.comparator, t.year, t.per_year
    target.text, (target.span_start, target.span_end) = t.text[:300], t.span


# A corrected version waits here between its preview and the office's confirmation; a preview never
# confirmed is forgotten after a day.
PENDING_MAX_AGE_S = 86400
PENDING_EXPIRED = "待确认的文件已过期或无效，请重新上传。"


def _pending_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "pending"


def _pending_paths(plan: Plan, token: str) -> tuple[Path, Path]:
    """The held file and its name; a token that is not a UUID names nothing (never a path of its own)."""
    try:
        key = f"{plan.pk}-{uuid.UUID(token)}"
    except (ValueError, TypeError, AttributeError) as error:
        raise PlanError(PENDING_EXPIRED) from error
    return _pending_dir() / f"{key}.bin", _pending_dir() / f"{key}.name"


def hold_reimport(plan: Plan, data: bytes, filename: str) -> str:
    """Keep a previewed version for confirmation; the token names it for this plan only."""
    folder = _pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PENDING_MAX_AGE_S
    for stale in [*folder.glob("*.bin"), *folder.glob("*.name")]:  # not the scans' folder beside them
        if stale.is_file() and stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)
    token = str(uuid.uuid4())
    data_path, name_path = _pending_paths(plan, token)
    data_path.write_bytes(data)
    name_path.write_text(filename, encoding="utf-8")
    return token


@transaction.atomic
def confirm_reimport(
    actor: User | None,
    plan: Plan,
    token: str,
    max_bytes: int = docparse.DEFAULT_MAX_BYTES,
    *,
    take_document: frozenset[str] = frozenset(),
    expected: str = "",
) -> ReimportDiff:
    """Apply the version held under the token as previewed, then let it go once the update has committed."""
    data_path, name_path = _pending_paths(plan, token)
    if not (data_path.is_file() and name_path.is_file()):
        raise PlanError(PENDING_EXPIRED)
    diff = reimport_plan(
        actor,
        plan,
        data_path.read_bytes(),
        name_path.read_text(encoding="utf-8"),
        max_bytes,
        take_document=take_document,
        expected=expected,
    )
    transaction.on_commit(partial(_forget_pending, data_path, name_path))
    return diff


def _forget_pending(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def unresolved_mentions(plan: Plan) -> list[tuple[str, int]]:
    """Names in the plan that match no unit, alias or group, with how many tasks use them."""
    counts: dict[str, int] = {}
    rows = Responsibility.objects.filter(
        task__plan=plan, task__is_active=True, unit__isnull=True, group__isnull=True
    )
    for mention in rows.values_list("mention", flat=True):
        counts[mention] = counts.get(mention, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@transaction.atomic
def resolve_mention(
    actor: User | None, plan: Plan, mention: str, *, unit: Unit | None = None, new_unit_name: str = ""
) -> Unit:
    """Point a name at a unit: an alias of an existing one, or a new unit of the region."""
    if unit is None:
        name = new_unit_name.strip() or mention
        unit = region_actions.create_unit(actor, plan.region, name, kind=guess_unit_kind(name))
    if unit.name != mention and not unit.aliases.filter(alias=mention).exists():
        region_actions.add_alias(actor, unit, mention)
    rows = Responsibility.objects.filter(
        task__plan__region=plan.region, mention=mention, unit__isnull=True, group__isnull=True
    )
    task_ids = list(rows.values_list("task_id", flat=True).distinct())
    count = rows.update(unit=unit)
    merged = _drop_duplicate_units(task_ids)
    audit.record(
        actor,
        "plan.resolve_mention",
        plan,
        region=plan.region,
        after={
            "mention": mention,
            "unit": unit.name,
            "responsibilities": count - merged,
            "merged_duplicates": merged,
        },
    )
    return unit


@transaction.atomic
def resolve_all_as_new_units(actor: User | None, plan: Plan) -> list[Unit]:
    """The first plan of a region names its member units: register every unknown name at once."""
    return [resolve_mention(actor, plan, mention) for mention, _count in unresolved_mentions(plan)]


@transaction.atomic
def publish_plan(actor: User | None, plan: Plan) -> Plan:
    pending = unresolved_mentions(plan)
    if pending:
        names = "、".join(m for m, _ in pending[:5])
        raise PlanError(
            f"还有 {len(pending)} 个单位名称未对应到本地区的单位（{names}…），请先在“单位核对”中处理。"
        )
    before = audit.snapshot(plan, ["status"])
    plan.status, plan.published_at = PlanStatus.PUBLISHED, timezone.now()
    plan.save(update_fields=["status", "published_at"])
    audit.record(
        actor, "plan.publish", plan, region=plan.region, before=before, after=audit.snapshot(plan, ["status"])
    )
    return plan


@transaction.atomic
def update_task(
    actor: User | None, task: Task, *, title: str, text: str, units: dict[str, list[str]]
) -> Task:
    """Correct a task's heading, text and responsible units (names as written, resolved again). Each
    field the office changes remembers what the document said, so a re-import keeps the correction."""
    before = {"title": task.title, "text": task.text, **{r: task.units_in_role(r) for r in Role.values}}
    resolve = resolver(task.plan.region)
    text = text.replace("\r\n", "\n").strip()  # a browser's textarea sends CRLF: not a correction
    mentions = {r: [x.mention for x in task.responsibilities.all() if x.role == r] for r in Role.values}
    wanted = {r: list(dict.fromkeys(m.strip() for m in units.get(r, []) if m.strip())) for r in Role.values}
    corrections = dict(task.corrections)
    note_correction(corrections, "title", task.title, title[:300])
    note_correction(corrections, "text", task.text, text, lambda a, b: a.strip() == b.strip())
    for role in Role.values:
        note_correction(corrections, role, mentions[role], wanted[role], same_units(resolve))
    task.title, task.text, task.corrections = title[:300], text, corrections
    task.save(update_fields=["title", "text", "corrections"])
    task.responsibilities.all().delete()
    rows = [
        responsibility(task, role, mention, order, resolve(mention))
        for role in Role.values
        for order, mention in enumerate(wanted[role])
    ]
    Responsibility.objects.bulk_create(without_duplicate_units(rows))
    after = {"title": task.title, "text": task.text, **{r: task.units_in_role(r) for r in Role.values}}
    audit.record(actor, "task.update", task, region=task.plan.region, before=before, after=after)
    return task


@transaction.atomic
def mark_not_reported(actor: User | None, task: Task, value: bool) -> Task:
    """The office decides nobody reports on a task (or takes that back); cycles opened later follow."""
    before = audit.snapshot(task, ["not_reported"])
    task.not_reported = value
    task.save(update_fields=["not_reported"])
    audit.record(
        actor,
        "task.not_reported",
        task,
        region=task.plan.region,
        before=before,
        after=audit.snapshot(task, ["not_reported"]),
    )
    return task


@transaction.atomic
def update_goal(
    actor: User | None, plan: Plan, *, value: float | None, year: int | None, comparator: str
) -> Plan:
    before = audit.snapshot(plan, ["goal_value", "goal_year", "goal_comparator"])
    corrections = dict(plan.corrections)
    for name, new in (("goal_value", value), ("goal_year", year), ("goal_comparator", comparator)):
        note_correction(corrections, name, getattr(plan, name), new)  # a re-import keeps it
    plan.goal_value, plan.goal_year, plan.goal_comparator = value, year, comparator
    plan.corrections = corrections
    plan.save(update_fields=["goal_value", "goal_year", "goal_comparator", "corrections"])
    audit.record(
        actor,
        "plan.goal_update",
        plan,
        region=plan.region,
        before=before,
        after=audit.snapshot(plan, ["goal_value", "goal_year", "goal_comparator"]),
    )
    return plan


# What a target correction may change; the source span and quoted text stay as parsed.
TARGET_FIELDS = [
    "indicator",
    "value",
    "unit",
    "comparator",
    "year",
    "per_year",
    "text",
    "span_start",
    "span_end",
]


@transaction.atomic
def save_target(
    actor: User | None,
    task: Task,
    target: Target | None,
    *,
    indicator: str,
    value: float,
    unit: str,
    comparator: str,
    year: int | None,
    per_year: bool,
    quote: str = "",
) -> Target:
    """Add a target to a task or correct one. A corrected target keeps its place in the source; a new
    one may quote the words it comes from, found in the task's source text."""
    before = audit.snapshot(target, TARGET_FIELDS) if target is not None else None
    if target is None:
        target = Target(task=task, added_by_office=True)
        _place_quote(target, task, quote.strip())
    corrected = {
        "indicator": indicator.strip()[:200],
        "value": value,
        "unit": unit.strip()[:10],
        "comparator": comparator,
        "year": None if per_year else year,
        "per_year": per_year,
    }
    corrections = dict(target.corrections)
    for name, new in corrected.items():
        if not target.added_by_office:  # what the document said, for a re-import to tell apart
            note_correction(corrections, name, getattr(target, name), new)
        setattr(target, name, new)
    target.corrections = corrections
    target.save()
    audit.record(
        actor,
        "target.add" if before is None else "target.update",
        task,
        region=task.plan.region,
        before=before,
        after={"target": target.pk, **audit.snapshot(target, TARGET_FIELDS)},
    )
    return target


def _place_quote(target: Target, task: Task, quote: str) -> None:
    document = task.plan.current_document
    if not quote or document is None:
        return
    at = document.text.find(quote, task.span_start, max(task.span_end, task.span_start + len(quote)))
    if at < 0:
        at = document.text.find(quote)
    target.text = quote[:300]
    if at >= 0:
        target.span_start, target.span_end = at, at + len(quote)


@transaction.atomic
def delete_target(actor: User | None, target: Target) -> None:
    if target.reported_values.exists():
        raise PlanError("该目标已有成员单位填报的数值，不能删除；如有误请直接修改。")
    audit.record(
        actor,
        "target.delete",
        target.task,
        region=target.task.plan.region,
        before={"target": target.pk, **audit.snapshot(target, TARGET_FIELDS)},
    )
    target.delete()


# ---- undoing a publication, removing a draft, recognising a document already imported --------------


@transaction.atomic
def unpublish_plan(actor: User | None, plan: Plan, reason: str) -> Plan:
    """Back to draft, with the reason in the audit trail; refused once an approved report rests on it."""
    reason = reason.strip()
    if not reason:
        raise PlanError("请写明撤回发布的理由。")
    if not plan.is_published:
        raise PlanError("该方案尚未发布。")
    approved = plan.cycles.filter(reports__status="approved").values_list("period", flat=True).distinct()
    if approved:
        periods = "、".join(str(p) for p in approved[:3])
        raise PlanError(
            f"该方案已有审核通过的报送（{periods}），不能撤回发布：撤回会使已锁定的数据失去依据。"
            "如方案有误，请“导入修订版”发布新版本。"
        )
    before = audit.snapshot(plan, ["status"])
    plan.status, plan.published_at = PlanStatus.DRAFT, None
    plan.save(update_fields=["status", "published_at"])
    audit.record(
        actor,
        "plan.unpublish",
        plan,
        region=plan.region,
        before=before,
        after=audit.snapshot(plan, ["status"]),
        note=reason,
    )
    return plan


@transaction.atomic
def delete_draft_plan(actor: User | None, plan: Plan) -> None:
    """A draft nobody reports on goes away with its tasks and files; the audit trail keeps its title."""
    if plan.is_published:
        raise PlanError("已发布的方案不能删除；请先撤回发布。")
    if plan.cycles.exists():
        raise PlanError("该方案已开启过报送周期，不能删除。")
    if plan.children.exists():
        raise PlanError("有下级方案以该方案为上级方案，不能删除。")
    audit.record(
        actor,
        "plan.delete",
        plan,
        region=plan.region,
        before={"title": plan.title, "tasks": plan.tasks.count()},
    )
    files = [document.file for document in plan.documents.all() if document.file]
    try:
        plan.delete()
    except ProtectedError as error:
        raise PlanError("该方案的数据已被其他记录引用，不能删除。") from error
    transaction.on_commit(partial(_delete_files, files))


def _delete_files(files: list[FieldFile]) -> None:
    for file in files:
        file.delete(save=False)


def plan_with_document(region: Region, data: bytes) -> Plan | None:
    """The region's plan that already holds exactly this file (same SHA-256), if any."""
    digest = hashlib.sha256(data).hexdigest()
    return Plan.objects.filter(region=region, documents__sha256=digest).order_by("-pk").first()

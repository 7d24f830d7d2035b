"""Every write of the funding register: one transaction and one audit event each (docs/funding.md).

The rules a line's amounts keep are in ``arithmetic.line_problems``; a broken rule is a ``FundingError``
with a Chinese message and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from kesu.core import audit, dbstats
from kesu.funding import counting
from kesu.funding.arithmetic import Breakdown, PerCapita, line_problems
from kesu.funding.models import (
    FundingError,
    FundingLine,
    LineStatus,
    Nature,
    PerformanceTarget,
)
from kesu.regions.signals import rewrite_prefix

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job
    from kesu.plans.models import Task
    from kesu.regions.models import Region, Unit

LINE_FIELDS = (
    "name",
    "nature",
    "project_type",
    "is_special",
    "budget",
    "received",
    "spent",
    "spent_activities",
    "spent_venue_building",
    "spent_exhibits",
    "spent_other",
    "note",
)
AMOUNT_FIELDS = (
    "budget",
    "received",
    "spent",
    "spent_activities",
    "spent_venue_building",
    "spent_exhibits",
    "spent_other",
)
# The verb of each step, by the state the line moves into.
STEP_VERBS: dict[str, str] = {
    LineStatus.APPROVED: "funding_line.approve",
    LineStatus.EXECUTING: "funding_line.execute",
    LineStatus.EVALUATED: "funding_line.evaluate",
    LineStatus.PUBLISHED: "funding_line.publish",
}
VERBS: dict[str, str] = {
    "funding_line.create": "新增科普经费项目",
    "funding_line.update": "修改科普经费项目",
    "funding_line.targets": "修改绩效目标",
    "funding_line.approve": "记录经费批复",
    "funding_line.execute": "经费项目开始执行",
    "funding_line.evaluate": "提交绩效自评",
    "funding_line.publish": "公开经费项目",
    "funding_line.import": "导入科普经费项目",
}


def check_amounts(fields: dict[str, Any]) -> None:
    """Raise the first broken rule (the form shows it beside its field); a 科普专项 line is always 专项."""
    problems = line_problems({key: fields.get(key) for key in AMOUNT_FIELDS}, fields.get("note") or "")
    if problems:
        key, message = problems[0]
        raise FundingError(message, key)
    if fields.get("nature") == Nature.SPECIAL:
        fields["is_special"] = True


def _check_tasks(actor: User | None, tasks: Sequence[Task]) -> None:
    from kesu.plans.models import Task

    if actor is None or not tasks:
        return
    visible = set(
        Task.objects.visible_to(actor).filter(pk__in=[t.pk for t in tasks]).values_list("pk", flat=True)
    )
    if len(visible) != len({t.pk for t in tasks}):
        raise FundingError("只能关联您可以查看的规划任务", "tasks")


def _check_unique(unit: Unit, year: int, name: str, exclude: int | None = None) -> None:
    same = FundingLine.objects.filter(unit=unit, year=year, name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise FundingError(f"{unit.name} {year} 年已有名为“{name}”的经费项目", "name")


@transaction.atomic
def create_line(
    actor: User | None, unit: Unit, year: int, *, tasks: Sequence[Task] = (), **fields: Any
) -> FundingLine:
    check_amounts(fields)
    _check_tasks(actor, tasks)
    _check_unique(unit, year, fields.get("name", ""))
    line = FundingLine(
        unit=unit,
        year=year,
        region_path=unit.region.path,
        created_by=actor if actor and actor.is_authenticated else None,
    )
    for key, value in fields.items():
        setattr(line, key, value)
    line.full_clean(exclude=["tasks", "created_by"])
    line.save()
    line.tasks.set(tasks)
    audit.record(actor, "funding_line.create", line, region=unit.region, after=_snapshot(line))
    return line


@transaction.atomic
def update_line(
    actor: User | None, line: FundingLine, *, tasks: Sequence[Task] | None = None, **fields: Any
) -> FundingLine:
    line = FundingLine.objects.select_for_update().get(pk=line.pk)
    if not line.is_editable:
        raise FundingError(
            f"该项目状态为“{line.get_status_display()}”（已提交绩效自评），金额和内容不能再修改"
        )
    before = _snapshot(line)
    merged = {key: getattr(line, key) for key in LINE_FIELDS} | fields
    check_amounts(merged)
    _check_tasks(actor, tasks or ())
    _check_unique(line.unit, line.year, merged["name"], exclude=line.pk)
    for key in LINE_FIELDS:
        setattr(line, key, merged[key])
    line.full_clean(exclude=["tasks", "created_by"])
    line.save()
    if tasks is not None:
        line.tasks.set(tasks)
    audit.record(
        actor, "funding_line.update", line, region=line.unit.region, before=before, after=_snapshot(line)
    )
    return line


@transaction.atomic
def advance_line(actor: User | None, line: FundingLine, expected: str) -> FundingLine:
    """Move the line one step on. ``expected`` is the state the user saw: a stale page moves nothing."""
    line = FundingLine.objects.select_for_update().select_related("unit__region").get(pk=line.pk)
    target = line.next_status
    if target is None or line.status != expected:
        raise FundingError(f"该项目当前状态为“{line.get_status_display()}”，页面已过期，请刷新后再操作")
    _check_step(line, target)
    before = {"status": line.status}
    line.status = target
    if target == LineStatus.EVALUATED:
        line.self_score = _score_of(line)
    line.save(update_fields=["status", "self_score", "updated_at"])
    after = {
        "status": line.status,
        "self_score": str(line.self_score) if line.self_score is not None else None,
    }
    audit.record(actor, STEP_VERBS[target], line, region=line.unit.region, before=before, after=after)
    return line


def _check_step(line: FundingLine, target: str) -> None:
    if target == LineStatus.APPROVED and line.budget <= 0:
        raise FundingError("预算数为 0，不能记录批复：请先填写批复的预算数")
    if target == LineStatus.EVALUATED:
        missing = [t.indicator for t in line.performance_targets.all() if not t.actual.strip()]
        if missing:
            raise FundingError(f"绩效自评前请填写每项绩效目标的实际完成值：{'、'.join(missing[:5])}")
        check_amounts({key: getattr(line, key) for key in LINE_FIELDS})


def _score_of(line: FundingLine) -> Decimal | None:
    """The self-evaluation score: the sum of the targets' scores, when any target was scored."""
    scores = [t.score for t in line.performance_targets.all() if t.score is not None]
    return sum(scores, Decimal(0)) if scores else None


@dataclass
class TargetRow:
    indicator: str
    target: str
    actual: str = ""
    points: Decimal | None = None
    score: Decimal | None = None


@transaction.atomic
def save_targets(actor: User | None, line: FundingLine, rows: Sequence[TargetRow]) -> list[PerformanceTarget]:
    """Replace the line's 绩效目标 with ``rows`` (in that order)."""
    line = FundingLine.objects.select_for_update().select_related("unit__region").get(pk=line.pk)
    if not line.is_editable:
        raise FundingError(f"该项目状态为“{line.get_status_display()}”（已提交绩效自评），绩效目标不能再修改")
    for row in rows:
        if row.points is not None and row.score is not None and row.score > row.points:
            raise FundingError(f"“{row.indicator}”的得分（{row.score}）不能高于分值（{row.points}）")
        if (row.points is not None and row.points < 0) or (row.score is not None and row.score < 0):
            raise FundingError(f"“{row.indicator}”的分值和得分不能为负数")
    before = [_target_snapshot(t) for t in line.performance_targets.all()]
    line.performance_targets.all().delete()
    created = PerformanceTarget.objects.bulk_create(
        PerformanceTarget(line=line, order=index, **vars(row)) for index, row in enumerate(rows)
    )
    after = [_target_snapshot(t) for t in created]
    audit.record(
        actor,
        "funding_line.targets",
        line,
        region=line.unit.region,
        before={"targets": before},
        after={"targets": after},
    )
    return created


def _snapshot(line: FundingLine) -> dict[str, Any]:
    values = audit.snapshot(line, fields=["unit", "year", *LINE_FIELDS, "status"])
    values["tasks"] = sorted(line.tasks.values_list("pk", flat=True)) if line.pk else []
    return values


def _target_snapshot(target: PerformanceTarget) -> dict[str, Any]:
    return audit.snapshot(target, fields=["indicator", "target", "actual", "points", "score"])


# ---- import ---------------------------------------------------------------------------------------


IMPORT_JOB = "funding.import"


def start_import(actor: User, region: Region, data: bytes, filename: str) -> Job:
    """A large funding-line file, held for a background job that checks and stores it (``job_kinds``)."""
    from kesu.core import uploads

    return uploads.start_import(
        actor, IMPORT_JOB, f"导入科普经费项目：{filename}", region=region, data=data, filename=filename
    )


@dataclass
class ImportRow:
    unit: Unit
    year: int
    fields: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def import_lines(
    actor: User | None, region: Region, rows: Sequence[ImportRow], *, filename: str
) -> tuple[int, int]:
    """Store checked rows all at once: a new (unit, year, name) is added, an existing one updated.
    Queries grow with batches of 500, not with rows; one audit event for the file."""
    keys = [(row.unit.pk, row.year, row.fields["name"]) for row in rows]
    existing = _existing(keys)
    lines = [
        FundingLine(
            unit=row.unit,
            year=row.year,
            region_path=row.unit.region.path,
            created_by=_user(actor),
            **row.fields,
        )
        for row in rows
    ]
    FundingLine.objects.bulk_create(
        lines,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["unit", "year", "name"],
        update_fields=[key for key in LINE_FIELDS if key != "name"] + ["region_path", "updated_at"],
    )
    created, updated = len(set(keys) - existing), len(set(keys) & existing)
    audit.record(
        actor,
        "funding_line.import",
        None,
        region=region,
        target_repr=f"科普经费项目导入：{filename}"[:200],
        after={"file": filename, "created": created, "updated": updated},
    )
    dbstats.analyse_after_commit(len(rows), FundingLine)
    return created, updated


def _existing(keys: Iterable[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
    wanted = list(keys)
    found: set[tuple[int, int, str]] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        units = {k[0] for k in chunk}
        names = {k[2] for k in chunk}
        found |= set(
            FundingLine.objects.filter(unit_id__in=units, name__in=names).values_list(
                "unit_id", "year", "name"
            )
        )
    return found & set(wanted)


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


# ---- region paths kept in step -------------------------------------------------------------------
# A line carries its unit's region path (``FundingLine.region_path``). These run inside the write
# that moved something (``regions.actions.move_region`` / ``load_divisions``, a unit saved under another
# region), which records its own audit event; they only copy the new path onto the lines.


def on_tree_changed(sender: object, moved: tuple[str, str] | None = None, **kwargs: object) -> None:
    """One subtree moved: the lines under its old path take the new one (``rewrite_prefix``). Regions
    reloaded or renumbered: every line whose path no longer matches its unit's region's."""
    if moved is not None:
        rewrite_prefix(FundingLine.objects.all(), "region_path", *moved)
        return
    FundingLine.objects.sync_region_paths()


def on_unit_saved(sender: object, instance: Unit, **kwargs: object) -> None:
    """A unit saved (perhaps under another region): its lines follow it. A new unit has no lines."""
    fields: Any = kwargs.get("update_fields")  # a save of other fields only leaves the region alone
    if kwargs.get("created") or kwargs.get("raw") or (fields is not None and "region" not in fields):
        return
    path = instance.region.path
    FundingLine.objects.filter(unit_id=instance.pk).exclude(region_path=path).update(region_path=path)


# ---- indicators -----------------------------------------------------------------------------------


def refresh_counts(actor: User | None, region: Region, year: int) -> int:
    """Write ``funding_total`` (Σ执行数, 万元, also by 资金性质) and ``funding_per_capita`` (本级财政科普经费
    到位数 ÷ 常住人口) for ``region``'s subtree; an unchanged value is left alone. Returns values written."""
    from kesu.indicators.actions import values_batch

    result, per_head, people = counting.figures(region, year)
    if not result.total.lines:
        return 0
    with values_batch():  # one roll-up of the stored figures for all the values below
        return _write_figures(actor, region, year, result, per_head, people)


def _write_figures(
    actor: User | None,
    region: Region,
    year: int,
    result: Breakdown,
    per_head: PerCapita,
    people: counting.Population,
) -> int:
    from kesu.funding.arithmetic import NATURE_LABELS

    words = "各项目执行数之和（万元）"
    written = _write(
        actor, counting.TOTAL_INDICATOR, region, year, {}, counting.wan(result.total.spent), words
    )
    for nature, totals in result.by_nature.items():
        if totals.lines:
            labels = {"资金性质": NATURE_LABELS[nature]}
            written += _write(
                actor, counting.TOTAL_INDICATOR, region, year, labels, counting.wan(totals.spent), words
            )
    if per_head.value is not None and people.count:
        words = f"{per_head.formula}，{people.words}"
        written += _write(
            actor,
            counting.PER_CAPITA_INDICATOR,
            region,
            year,
            {},
            float(per_head.value),
            words,
            numerator=float(per_head.amount),
            denominator=float(people.count),
        )
    return written


def _write(
    actor: User | None,
    code: str,
    region: Region,
    year: int,
    disaggregation: dict[str, str],
    value: float,
    words: str,
    **ratio: float,
) -> int:
    from kesu.indicators.actions import record_registry_value

    return record_registry_value(
        actor,
        code,
        region,
        str(year),
        value,
        disaggregation=disaggregation,
        provenance=f"{counting.PROVENANCE_PREFIX}{words}",
        **ratio,
    )


def refresh_year(year: int) -> int:
    """``kesu refresh_registry_counts``: every region holding a funding line in ``year`` and every region above."""
    from kesu.indicators.actions import values_batch

    with values_batch():  # one roll-up per indicator × province for the whole year, not one per value
        return sum(refresh_counts(None, region, year) for region in counting.regions_with_lines(year))

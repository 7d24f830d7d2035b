"""What a corrected document would change, read against the office's hand corrections.

The office corrects what the parser got wrong after an import (a title, units, a target's number or
unit, the headline goal). Each corrected field remembers what the document said then
(``Task.corrections``, ``Target.corrections``, ``Plan.corrections``: field → the document's value).
A re-import reads every field one of four ways:

- the office never touched it: it follows the new document;
- the office corrected it and the new document says what the old one said: the correction stays;
- the new document now says what the office wrote: nothing to keep, the correction is forgotten;
- the new document says something else again: a conflict — the office's value stays unless the
  office chooses the document's, field by field, on the preview.

``diff_reimport`` only reads; ``actions.reimport_plan`` writes what it planned.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from kesu import docparse
from kesu.docparse import revision
from kesu.plans.models import Plan, Responsibility, Role, Target, Task
from kesu.regions import actions as region_actions
from kesu.regions.models import Region, Unit, UnitGroup

TASK_FIELDS = ("title", "text")
ROLE_FIELDS = {
    Role.LEAD: "lead_units",
    Role.PARTICIPATING: "participating_units",
    Role.RESPONSIBLE: "responsible_units",
}
# What the office may correct on a target; its source text and span always follow the document.
CORRECTABLE_TARGET_FIELDS = ("indicator", "value", "unit", "comparator", "year", "per_year")
FIELD_LABELS = {
    "title": "任务名称",
    "text": "主要内容",
    Role.LEAD: "牵头单位",
    Role.PARTICIPATING: "参与单位",
    Role.RESPONSIBLE: "责任单位",
    "indicator": "指标",
    "value": "目标值",
    "unit": "计量单位",
    "comparator": "比较",
    "year": "完成年份",
    "per_year": "每年",
    "goal_value": "总体目标",
    "goal_comparator": "总体目标的比较",
    "goal_year": "总体目标年份",
}
COMPARATOR_LABELS = {">=": "不少于", ">": "超过", "=": "等于", "<=": "不超过", "<": "低于"}

Same = Callable[[Any, Any], bool]


def _equal(a: Any, b: Any) -> bool:
    return bool(a == b)


def note_correction(
    corrections: dict[str, Any], name: str, before: Any, after: Any, same: Same = _equal
) -> None:
    """Called by the action that edits a field: the first change from the document's value stores that
    value; changing it back to the document's value forgets the correction."""
    if name in corrections:
        if same(corrections[name], after):
            del corrections[name]
    elif not same(before, after):
        corrections[name] = before


UnitKey = tuple[str, Any]


def unit_key(found: Unit | UnitGroup | None, mention: str) -> UnitKey:
    """What a name stands for: 市教体局 and 市教育体育局 are one unit, so writing one for the other
    is no correction."""
    if isinstance(found, Unit):
        return ("unit", found.pk)
    if isinstance(found, UnitGroup):
        return ("group", found.pk)
    return ("name", mention.strip())


def resolver(region: Region) -> Callable[[str], Unit | UnitGroup | None]:
    """Name → unit or group, each distinct name looked up once (a section's units repeat per task)."""
    return cache(partial(region_actions.resolve_unit_name, region))


def same_units(resolve: Callable[[str], Unit | UnitGroup | None]) -> Same:
    def same(a: list[str], b: list[str]) -> bool:
        return {unit_key(resolve(m), m) for m in a} == {unit_key(resolve(m), m) for m in b}

    return same


def shown(name: str, value: Any) -> str:
    """A field's value as the preview shows it."""
    if isinstance(value, list):
        return "、".join(value) or "（无）"
    if isinstance(value, bool) or name == "per_year":
        return "是" if value else "否"
    if value is None or value == "":
        return "（无）"
    if isinstance(value, float):
        return f"{value:g}"
    if name in ("comparator", "goal_comparator"):
        return COMPARATOR_LABELS.get(value, value)
    return str(value)


# A unit named twice on a task (市教育局 and its alias 市教体局, or lead and again participating) keeps
# one row: the strongest role, then the first mention.
_ROLE_RANK = {Role.LEAD: 0, Role.RESPONSIBLE: 1, Role.PARTICIPATING: 2}


def _unit_key(row: Responsibility) -> tuple[int, str, int] | None:
    if row.unit_id is not None:
        return (row.task_id, "unit", row.unit_id)
    if row.group_id is not None:
        return (row.task_id, "group", row.group_id)
    return None


def responsibility(task: Task, role: str, mention: str, order: int, found: object) -> Responsibility:
    """The unsaved row for a unit name as written, linked to the unit or group it resolved to."""
    return Responsibility(
        task=task,
        role=role,
        mention=mention[:100],
        order=order,
        unit=found if isinstance(found, Unit) else None,
        group=found if isinstance(found, UnitGroup) else None,
    )


def without_duplicate_units(rows: list[Responsibility]) -> list[Responsibility]:
    """The rows to keep: one per (task, unit or group); unresolved names are all kept."""
    kept: list[Responsibility] = []
    seen: set[tuple[int, str, int]] = set()
    for row in sorted(rows, key=lambda r: (_ROLE_RANK.get(Role(r.role), 9), r.order)):
        key = _unit_key(row)
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        kept.append(row)
    kept_ids = {id(row) for row in kept}
    return [row for row in rows if id(row) in kept_ids]


@dataclass
class FieldCheck:
    """A field the office corrected by hand, read against the new document."""

    key: str  # "task:<external id>:<field>" or "target:<pk>:<field>": the preview's choice is posted by it
    task: str
    label: str
    office: str
    document: str
    conflict: bool  # the document changed it too: the office chooses (default: keep the office's)


@dataclass
class TaskPlan:
    """One task of the new document: the row it updates and which corrected fields stay by default."""

    parsed: docparse.Task
    task: Task | None
    keep: set[str] = field(default_factory=set)  # FieldCheck keys whose office value stays by default
    targets: list[Target | None] = field(default_factory=list)  # the row each parsed target updates
    drop_targets: list[Target] = field(default_factory=list)  # gone from the document, nothing attached
    orphan_targets: list[Target] = field(default_factory=list)  # gone from the document, reported on: kept
    units: dict[str, list[str]] = field(default_factory=dict)  # role → the document's names, one per unit


@dataclass
class ReimportDiff:
    """What a corrected version would change, shown to the office before it applies."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    header_changes: list[str] = field(default_factory=list)
    conflicts: list[FieldCheck] = field(default_factory=list)
    kept: list[FieldCheck] = field(default_factory=list)  # corrected, the document unchanged there: stay
    agreed: list[str] = field(default_factory=list)  # corrections the new document now makes itself
    orphan_targets: list[str] = field(default_factory=list)
    tasks: list[TaskPlan] = field(default_factory=list)
    taken: list[FieldCheck] = field(default_factory=list)  # conflicts the office chose the document for
    header_keep: set[str] = field(default_factory=set)  # the plan's corrected goal fields that stay
    # the names looked up while reading, reused when writing (one lookup per distinct name)
    resolve: Callable[[str], Unit | UnitGroup | None] | None = field(default=None, repr=False)

    @property
    def kept_count(self) -> int:
        return len(self.kept) + len(self.conflicts) - len(self.taken)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.header_changes or self.conflicts)

    @property
    def fingerprint(self) -> str:
        """The preview as the office saw it: confirming applies it only if the plan still reads the same."""
        shown_checks = [(c.key, c.office, c.document, c.conflict) for c in self.conflicts + self.kept]
        body = [
            self.added,
            self.removed,
            self.changed,
            self.header_changes,
            shown_checks,
            self.orphan_targets,
        ]
        return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()[:32]


def diff_reimport(plan: Plan, draft: docparse.PlanDraft) -> ReimportDiff:
    resolve = resolver(plan.region)
    diff = ReimportDiff(resolve=resolve)
    existing = {
        t.external_id: t
        for t in plan.tasks.prefetch_related("responsibilities__unit", "targets__reported_values")
    }
    continues = revision.continued([_as_written(t) for t in existing.values()], draft.tasks)
    for parsed in draft.tasks:
        task = existing.pop(continues.get(parsed.id, parsed.id), None)
        task_plan = TaskPlan(parsed=parsed, task=task)
        diff.tasks.append(task_plan)
        if task is None:
            task_plan.targets = [None] * len(parsed.targets)
            diff.added.append(parsed.title)
            continue
        changes = _moved(task, parsed) + _read_task(diff, task_plan, task, parsed, resolve)
        if changes or not task.is_active:
            diff.changed.append((task.title, changes if task.is_active else ["恢复", *changes]))
        else:
            diff.unchanged += 1
    diff.removed = [t.title for t in existing.values() if t.is_active]
    if draft.title[:200] != plan.title:
        diff.header_changes.append(f"标题：{plan.title} → {draft.title}")
    said = goal_said(draft)
    for name in GOAL_FIELDS:
        verdict = _read_field(
            diff,
            diff.header_keep,
            f"plan:{name}",
            "总体目标",
            name,
            getattr(plan, name),
            said[name],
            plan.corrections,
        )
        if verdict == "follow" and said[name] != getattr(plan, name):
            diff.header_changes.append(
                f"{FIELD_LABELS[name]}：{shown(name, getattr(plan, name))} → {shown(name, said[name])}"
            )
    return diff


def _as_written(task: Task) -> revision.Earlier:
    """The task as the earlier document wrote it (the document's words where the office corrected)."""
    said = {name: task.corrections.get(name, getattr(task, name)) for name in TASK_FIELDS}
    return revision.Earlier(task.external_id, said["title"], said["text"], task.is_active)


def _moved(task: Task, parsed: docparse.Task) -> list[str]:
    """What the preview says of a task the revision renumbered (its id changed with its place)."""
    if task.external_id == parsed.id or task.number == parsed.number[:20]:
        return []
    return [f"序号 {task.number or '（无）'} → {parsed.number[:20] or '（无）'}"]


GOAL_FIELDS = ("goal_value", "goal_comparator", "goal_year")


def goal_said(draft: docparse.PlanDraft) -> dict[str, Any]:
    """The headline goal as the document states it (the fields the office may correct on the plan page)."""
    goal = draft.goal
    return {
        "goal_value": goal.value if goal else None,
        "goal_comparator": goal.comparator if goal else "",
        "goal_year": goal.year if goal else None,
    }


def _read_task(
    diff: ReimportDiff,
    plan: TaskPlan,
    task: Task,
    parsed: docparse.Task,
    resolve: Callable[[str], Unit | UnitGroup | None],
) -> list[str]:
    """Plan one task's fields; the labels of what the document changes by default."""
    changes: list[str] = []
    rows = list(task.responsibilities.all())
    current: dict[str, Any] = {"title": task.title, "text": task.text}
    document: dict[str, Any] = {"title": parsed.title[:300], "text": parsed.text}
    plan.units = document_units(task, parsed, resolve)
    for role in ROLE_FIELDS:
        current[role] = [r.mention for r in rows if r.role == role]
        document[role] = plan.units[role]
    units = same_units(resolve)

    def same_as(name: str) -> Same:
        return units if name in ROLE_FIELDS else _equal

    for name in (*TASK_FIELDS, *ROLE_FIELDS):
        verdict = _read_field(
            diff,
            plan.keep,
            f"task:{parsed.id}:{name}",
            task.title,
            name,
            current[name],
            document[name],
            task.corrections,
            same_as(name),
        )
        if verdict == "follow" and not same_as(name)(current[name], document[name]):
            changes.append(_change_label(name, document[name]))
    changes += _read_targets(diff, plan, task, parsed)
    return changes


def _change_label(name: str, document: Any) -> str:
    # A new heading is shown in full: it is how the office checks the task it continues.
    return f"任务名称改为“{document}”" if name == "title" else FIELD_LABELS[name]


def document_units(
    task: Task, parsed: docparse.Task, resolve: Callable[[str], Unit | UnitGroup | None]
) -> dict[str, list[str]]:
    """The names the document gives each role, as an import writes them: a unit named twice once."""
    rows = [
        responsibility(task, role, mention, order, resolve(mention))
        for role, key in ROLE_FIELDS.items()
        for order, mention in enumerate(dict.fromkeys(getattr(parsed, key)))
    ]
    kept = without_duplicate_units(rows)
    return {role: [row.mention for row in kept if row.role == role] for role in ROLE_FIELDS}


def _read_field(
    diff: ReimportDiff,
    keep: set[str],
    key: str,
    where: str,
    name: str,
    office: Any,
    document: Any,
    corrections: dict[str, Any],
    same: Same = _equal,
    label: str = "",
) -> str:
    """follow (the document's value applies), keep (the correction stays) or conflict."""
    if name not in corrections:
        return "follow"
    label = label or FIELD_LABELS[name]
    if same(office, document):
        diff.agreed.append(f"{where}：{label}")
        return "follow"
    check = FieldCheck(key, where, label, shown(name, office), shown(name, document), False)
    keep.add(key)
    if same(corrections[name], document):
        diff.kept.append(check)
        return "keep"
    check.conflict = True
    diff.conflicts.append(check)
    return "conflict"


def _said(target: Target) -> dict[str, Any]:
    """What the document said for a target: its values, with the document's wherever the office corrected."""
    return {**{name: getattr(target, name) for name in CORRECTABLE_TARGET_FIELDS}, **target.corrections}


def _pair_targets(rows: list[Target], parsed: list[docparse.Target]) -> list[Target | None]:
    """The existing row each parsed target continues: the same indicator, value and unit as the document
    said before, else the same indicator, else the same measure (unit) in order. A row kept means its
    reported values, indicator link and counting rules stay."""
    free = list(rows)
    paired: list[Target | None] = [None] * len(parsed)
    tests: list[Callable[[dict[str, Any], docparse.Target], bool]] = [
        lambda s, p: (s["indicator"], s["value"], s["unit"]) == (p.indicator[:200], p.value, p.unit[:10]),
        lambda s, p: s["indicator"] == p.indicator[:200],
        lambda s, p: s["unit"] == p.unit[:10],
    ]
    for test in tests:
        for index, new in enumerate(parsed):
            if paired[index] is not None:
                continue
            match = next((row for row in free if test(_said(row), new)), None)
            if match is not None:
                paired[index] = match
                free.remove(match)
    return paired


def _read_targets(diff: ReimportDiff, plan: TaskPlan, task: Task, parsed: docparse.Task) -> list[str]:
    rows = [t for t in task.targets.all() if not t.added_by_office]
    plan.targets = _pair_targets(rows, parsed.targets)
    changes: set[str] = set()
    for row, new in zip(plan.targets, parsed.targets, strict=True):
        if row is None:
            changes.add("新增目标")
            continue
        document = {
            "indicator": new.indicator[:200],
            "value": new.value,
            "unit": new.unit[:10],
            "comparator": new.comparator,
            "year": new.year,
            "per_year": new.per_year,
        }
        for name in CORRECTABLE_TARGET_FIELDS:
            label = f"目标“{_said(row)['indicator']}”的{FIELD_LABELS[name]}"
            verdict = _read_field(
                diff,
                plan.keep,
                f"target:{row.pk}:{name}",
                task.title,
                name,
                getattr(row, name),
                document[name],
                row.corrections,
                label=label,
            )
            if verdict == "follow" and getattr(row, name) != document[name]:
                changes.add("目标")
    paired = {row.pk for row in plan.targets if row is not None}
    for row in rows:
        if row.pk in paired:
            continue
        if row.reported_values.all():
            plan.orphan_targets.append(row)
            diff.orphan_targets.append(f"{task.title}：{row}")
        else:
            plan.drop_targets.append(row)
            changes.add("删除目标")
    return sorted(changes)

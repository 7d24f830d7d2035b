"""The plan draft handed to the importer: dataclasses, and their contract JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .meta import Goal, Period
from .targets import Target


@dataclass
class Task:
    id: str
    number: str
    path: str
    part: str
    section: str
    title: str
    text: str
    span: tuple[int, int]  # in PlanDraft.text
    headings: list[str]  # titles of the enclosing parts/sections, outermost first
    part_kind: str
    key_groups: list[str]
    lead_units: list[str] = field(default_factory=list)
    participating_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "path": self.path,
            "part": self.part,
            "section": self.section,
            "title": self.title,
            "text": self.text,
            "span": list(self.span),
            "headings": list(self.headings),
            "part_kind": self.part_kind,
            "key_groups": list(self.key_groups),
            "lead_units": list(self.lead_units),
            "participating_units": list(self.participating_units),
            "responsible_units": list(self.responsible_units),
            "targets": [target_json(t) for t in self.targets],
        }


def target_json(t: Target) -> dict[str, Any]:
    return {
        "indicator": t.indicator,
        "value": t.value,
        "unit": t.unit,
        "comparator": t.comparator,
        "year": t.year,
        "per_year": t.per_year,
        "text": t.text,
        "span": list(t.span),
    }


@dataclass
class Section:
    """A node of the heading tree: kind is 'part' (一、), 'section' (（一）) or 'item' (1. / ——)."""

    number: str
    kind: str
    title: str
    span: tuple[int, int]  # heading through the end of its content, in PlanDraft.text
    children: list[Section] = field(default_factory=list)
    task: Task | None = None
    general: bool = False  # 总体要求 / 指导思想 / 基本原则 / 目标: not tasks

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind,
            "title": self.title,
            "span": list(self.span),
            "general": self.general,
            "task_id": self.task.id if self.task else None,
            "children": [c.to_json_dict() for c in self.children],
        }


@dataclass
class PlanDraft:
    text: str  # the extracted text every span points into
    title: str
    region: str | None
    doc_number: str | None
    period: Period | None
    goal: Goal | None
    tasks: list[Task]
    sections: list[Section]
    reporting_deadlines: list[str]
    warnings: list[str]
    uncertain_spans: list[tuple[int, int]] = field(default_factory=list)  # OCR was unsure: check these

    def to_json_dict(self) -> dict[str, Any]:
        goal = None
        if self.goal is not None:
            goal = {
                "indicator": self.goal.indicator,
                "value": self.goal.value,
                "unit": self.goal.unit,
                "comparator": self.goal.comparator,
                "year": self.goal.year,
                "text": self.goal.text,
                "span": list(self.goal.span),
            }
        return {
            "title": self.title,
            "region": self.region,
            "doc_number": self.doc_number,
            "period": {"start": self.period.start, "end": self.period.end} if self.period else None,
            "goal": goal,
            "tasks": [t.to_json_dict() for t in self.tasks],
            "reporting_deadlines": list(self.reporting_deadlines),
            "warnings": list(self.warnings),
            "uncertain_spans": [list(span) for span in self.uncertain_spans],
            "text_length": len(self.text),
            "sections": [s.to_json_dict() for s in self.sections],
        }

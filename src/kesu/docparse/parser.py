"""Plan text → PlanDraft: the heading tree, tasks with their units and targets, and the plan's facts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from . import meta
from .clean import CleanText, clean
from .errors import NoSectionsError
from .groups import key_groups, part_kind
from .model import PlanDraft, Section, Task
from .outline import ITEM, Node, OutlineBuilder, find_marker, walk
from .targets import Target, find_targets
from .units import Responsibility, inline_clauses, standalone_clause

# Headings of the general requirements: their content is context, not tasks.
_GENERAL_PART = re.compile(r"总体要求|指导思想|基本原则|总体思路")
_GOAL_ONLY = re.compile(r"目标")
_NOT_ONLY_GOAL = re.compile(r"任务|措施|行动|工程|举措|重点")
_GENERAL_NODE = re.compile(
    r"^(?:总体要求|指导思想|基本原则|总体思路|(?:主要|总体|工作|发展|具体|预期)?目标(?:任务)?)$"
)
_END_OF_BODY = re.compile(r"^(?:附件\s*\d*\s*[：:]?|附表\s*\d*\s*[：:]|抄送\s*[：:]|抄报\s*[：:])")
_TITLE_END = re.compile(r"[。：:！？]")
_SCORER_PUNCT = re.compile(r"[\s\u3000，。、；：:,.;“”\"'‘’（）()《》【】\-—·]")


@dataclass
class _PendingClause:
    node: Node
    clause: Responsibility
    parenthesised: bool


@dataclass
class _Parsed:
    clean: CleanText
    builder: OutlineBuilder
    preamble: list[tuple[int, int]] = field(default_factory=list)
    pending: list[_PendingClause] = field(default_factory=list)
    clauses: dict[int, Responsibility] = field(default_factory=dict)  # id(node) → own clause
    clause_spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    stopped_at_annex: bool = False


def parse_plan_text(text: str) -> PlanDraft:
    """Parse the extracted text of a plan. Spans in the result point into ``text``."""
    parsed = _outline(clean(text))
    if not parsed.builder.roots:
        raise NoSectionsError(
            "未识别到方案的章节结构（如“一、”“（一）”“1.”编号的标题），无法拆分任务，请检查文件内容。"
        )
    _attach_clauses(parsed)
    ct = parsed.clean
    header = [ct.text[s:e] for s, e in parsed.preamble]
    plan_title = meta.title(header)
    preamble_text = "\n".join(header)
    period = meta.period(plan_title, preamble_text)
    warnings = list(ct.notes)
    general = _general_nodes(parsed.builder.roots)
    default_year = period.start if period and period.start == period.end else None
    tasks: list[Task] = []
    sections = [_section(parsed, node, general, default_year, tasks) for node in parsed.builder.roots]
    goal = _goal(parsed, general, period.end if period else None)
    if goal is None:
        warnings.append("未找到核心目标“公民具备科学素质的比例”。")
    if not tasks:
        warnings.append("识别到章节，但没有可拆分的任务条目。")
    if parsed.stopped_at_annex:
        warnings.append("附件部分未解析为任务。")
    for task in tasks:
        has_units = task.lead_units or task.participating_units or task.responsible_units
        if not has_units and task.part_kind != "other":
            warnings.append(f"任务“{task.title}”未写明责任单位。")
    return PlanDraft(
        text=text,
        title=plan_title,
        region=meta.region(plan_title, header),
        doc_number=meta.doc_number(header[:15]),
        period=period,
        goal=goal,
        tasks=tasks,
        sections=sections,
        reporting_deadlines=meta.reporting_deadlines(ct.text),
        warnings=warnings,
    )


# --- the outline ------------------------------------------------------------------------------


def _outline(ct: CleanText) -> _Parsed:
    parsed = _Parsed(clean=ct, builder=OutlineBuilder())
    builder = parsed.builder
    for start, end in ct.paragraphs:
        paragraph = ct.text[start:end]
        if builder.roots and _END_OF_BODY.match(paragraph):
            parsed.stopped_at_annex = paragraph.startswith(("附件", "附表"))
            break
        marker = find_marker(paragraph)
        if marker is not None and builder.accepts(marker):
            builder.open(marker, (start, end)).title = ""
            continue
        current = builder.current
        if current is None:
            parsed.preamble.append((start, end))
            continue
        standalone = standalone_clause(paragraph)
        if standalone is not None:
            parsed.pending.append(_PendingClause(current, standalone[0], standalone[1]))
            parsed.clause_spans.setdefault(id(current), []).append((start, end))
            continue
        builder.add_body((start, end))
    for node in walk(builder.roots):
        node.title = _title(ct.text, node)
    return parsed


def _title(text: str, node: Node) -> str:
    start, end = node.heading
    heading = text[start:end]
    marker = find_marker(heading)
    heading = heading[marker.length :] if marker else heading
    for (c_start, c_end), _ in reversed(inline_clauses(heading)):
        heading = heading[:c_start] + heading[c_end:]
    heading = heading.strip()
    m = _TITLE_END.search(heading)
    return (heading[: m.start()] if m else heading).strip()


def _attach_clauses(parsed: _Parsed) -> None:
    """Inline clauses belong to their node; stand-alone ones to the item before or its whole group."""
    text = parsed.clean.text
    per_item_style = False
    for node in walk(parsed.builder.roots):
        own = Responsibility()
        for start, end in [node.heading, *node.body]:
            for _, clause in inline_clauses(text[start:end]):
                own.merge(clause)
        if not own.is_empty():
            parsed.clauses[id(node)] = own
            per_item_style = per_item_style or (node.kind == ITEM and not node.children)
    # Labelled lines after several items of one group are per item; after the last item only, they
    # close the whole group (牵头单位/参与单位 under a section).
    items_with_lines: dict[int, set[int]] = {}
    for pending in parsed.pending:
        if pending.node.kind == ITEM and pending.node.parent is not None:
            items_with_lines.setdefault(id(pending.node.parent), set()).add(id(pending.node))
    per_item_lines = any(len(items) >= 2 for items in items_with_lines.values())
    for pending in parsed.pending:
        scope = pending.node
        item_clause = per_item_lines or (pending.parenthesised and per_item_style)
        if not item_clause and scope.kind == ITEM and scope.parent is not None:
            scope = scope.parent  # the 牵头/参与 lines closing a group of items
        parsed.clauses.setdefault(id(scope), Responsibility()).merge(pending.clause)


# --- general requirements, sections and tasks ---------------------------------------------------


def _general_nodes(roots: list[Node]) -> set[int]:
    general: set[int] = set()
    for node in walk(roots):
        title = node.title
        is_general = bool(_GENERAL_NODE.match(_SCORER_PUNCT.sub("", title)))
        if node.parent is None:
            is_general = (
                is_general
                or bool(_GENERAL_PART.search(title))
                or (bool(_GOAL_ONLY.search(title)) and not _NOT_ONLY_GOAL.search(title))
            )
        if is_general or (node.parent is not None and id(node.parent) in general):
            general.add(id(node))
    return general


def _section(
    parsed: _Parsed, node: Node, general: set[int], default_year: int | None, tasks: list[Task]
) -> Section:
    ct = parsed.clean
    section = Section(
        number=node.label,
        kind=node.kind,
        title=node.title,
        span=ct.to_source(node.heading[0], node.end),
        general=id(node) in general,
    )
    if not node.children and id(node) not in general and _has_content(ct.text, node):
        section.task = _task(parsed, node, default_year)
        tasks.append(section.task)
    section.children = [_section(parsed, child, general, default_year, tasks) for child in node.children]
    return section


def _has_content(text: str, node: Node) -> bool:
    heading = text[node.heading[0] : node.heading[1]]
    return bool(node.body) or len(heading) > len(node.title) + 4 or len(node.title) > 12


def _task(parsed: _Parsed, node: Node, default_year: int | None) -> Task:
    ct = parsed.clean
    chain = [*node.ancestors(), node]
    units = Responsibility()
    for link in chain:
        own = parsed.clauses.get(id(link))
        if own is not None:
            units = units.overridden_by(own)
    paragraphs = [node.heading, *node.body]
    heading_text = ct.text[node.heading[0] : node.heading[1]]
    marker = find_marker(heading_text)
    skip = marker.length if marker else 0
    body = [ct.text[node.heading[0] + skip : node.heading[1]].strip()]
    body += [ct.text[s:e] for s, e in node.body]
    targets: list[Target] = []
    for start, end in paragraphs:
        for target in find_targets(ct.text[start:end], start, default_year):
            targets.append(replace(target, span=ct.to_source(*target.span)))
    headings = [link.title for link in chain[:-1]]
    path = ".".join(_path_label(link) for link in chain)
    part = chain[0].label if chain[0] is not node or len(chain) == 1 else ""
    section = next((link.label for link in chain[1:] if link.style == "paren_cn"), "")
    task = Task(
        id=f"{path}-{hashlib.sha1(_SCORER_PUNCT.sub('', node.title).encode()).hexdigest()[:8]}",
        number=_path_label(node),
        path=path,
        part=part,
        section=section,
        title=node.title,
        text="\n".join(body),
        span=ct.to_source(node.heading[0], node.end),
        headings=headings,
        part_kind=part_kind(headings + [node.title]),
        key_groups=[],
        lead_units=units.lead,
        participating_units=units.participating,
        responsible_units=units.responsible,
        targets=targets,
    )
    task.key_groups = key_groups(task)
    return task


def _path_label(node: Node) -> str:
    if node.label:
        return node.label
    siblings = node.parent.children if node.parent else [node]
    return str(siblings.index(node) + 1)


def _goal(parsed: _Parsed, general: set[int], plan_end: int | None) -> meta.Goal | None:
    """Look in the general requirements first, then the preamble, then anywhere."""
    ct = parsed.clean
    text = ct.text
    areas = [(n.heading[0], n.end) for n in parsed.builder.roots if id(n) in general]
    if parsed.preamble:
        areas.append((parsed.preamble[0][0], parsed.preamble[-1][1]))
    areas.append((0, len(text)))
    for start, end in areas:
        goal = meta.find_goal(text, start, end, plan_end)
        if goal is not None:
            return replace(goal, span=ct.to_source(*goal.span))
    return None

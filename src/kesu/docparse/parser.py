"""Plan text → PlanDraft: the heading tree, tasks with their units and targets, and the plan's facts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from . import meta, tables
from .clean import CleanText, clean
from .errors import NoSectionsError
from .groups import key_groups, part_kind
from .model import PlanDraft, Section, Task
from .outline import ITEM, SECTION, Node, OutlineBuilder, find_marker, walk
from .targets import Target, find_targets
from .units import (
    Responsibility,
    inline_clauses,
    looks_like_clause,
    parse_clause,
    split_units,
    standalone_clause,
    trailing_clause,
)

# Headings of the general requirements: their content is context, not tasks.
_GENERAL_PART = re.compile(r"总体要求|指导思想|基本原则|总体思路")
_GOAL_ONLY = re.compile(r"目标")
_NOT_ONLY_GOAL = re.compile(r"任务|措施|行动|工程|举措|重点")
_GENERAL_NODE = re.compile(
    r"^(?:总体要求|指导思想|基本原则|总体思路|(?:主要|总体|工作|发展|具体|预期)?目标(?:任务)?)$"
)
_END_OF_BODY = re.compile(r"^(?:附件\s*\d*\s*[：:]?|附表\s*\d*\s*[：:]|抄送\s*[：:]|抄报\s*[：:])")
_TITLE_END = re.compile(r"[。：:！？]")
_ROW_YEAR = re.compile(r"(20\d\d)\s*年")
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
    notes: list[str] = field(default_factory=list)  # what was skipped or doubted, for the warnings
    table_units: dict[int, Responsibility] = field(default_factory=dict)  # id(row node) → its unit cells
    row_year: dict[int, int] = field(default_factory=dict)  # id(row node) → year of its 完成时限 cell
    row_start: dict[int, int] = field(default_factory=dict)  # id(row node) → where its table row starts
    annex_roots: list[Node] = field(
        default_factory=list
    )  # task tables in the annex, used if the body has none


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
    annex_read = False
    if parsed.annex_roots and not tasks:
        general |= _general_nodes(parsed.annex_roots)
        sections += [_section(parsed, node, general, default_year, tasks) for node in parsed.annex_roots]
        annex_read = True
        parsed.notes.append("正文没有任务条目，已按附件中的任务分工表读取任务。")
    elif parsed.annex_roots:
        parsed.notes.append("附件中的任务分工表未重复读取为任务（正文已列出任务）。")
    goal = _goal(parsed, general, period.end if period else None)
    warnings += parsed.notes
    if goal is None:
        warnings.append("未找到核心目标“公民具备科学素质的比例”。")
    if not tasks:
        warnings.append("识别到章节，但没有可拆分的任务条目。")
    if parsed.stopped_at_annex and not annex_read and not parsed.annex_roots:
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
    paragraphs = ct.paragraphs
    index = 0
    while index < len(paragraphs):
        start, end = paragraphs[index]
        paragraph = ct.text[start:end]
        if "\t" in paragraph:  # a table: rows up to the next paragraph that is not one
            block = _table_block(ct, index)
            _read_table(parsed, paragraphs[index:block], builder.current, in_annex=False)
            index = block
            continue
        index += 1
        if builder.roots and _END_OF_BODY.match(paragraph):
            parsed.stopped_at_annex = paragraph.startswith(("附件", "附表"))
            _annex_tables(parsed, index)
            break
        marker = find_marker(paragraph)
        if marker is not None and builder.accepts(marker):
            builder.open(marker, (start, end)).title = ""
            continue
        if marker is not None and marker.number is not None and builder.roots:
            parsed.notes.append(f"“{paragraph[:30]}”的编号与前文不连续，已并入上一条的内容。")
        current = builder.current
        if current is None:
            parsed.preamble.append((start, end))
            continue
        standalone = standalone_clause(paragraph)
        if standalone is not None:
            parsed.pending.append(_PendingClause(current, standalone[0], standalone[1]))
            parsed.clause_spans.setdefault(id(current), []).append((start, end))
            continue
        if looks_like_clause(paragraph):
            parsed.notes.append(f"未能读出“{paragraph[:30]}”中的单位，已作为任务内容保留，请核对。")
        builder.add_body((start, end))
    for node in walk(builder.roots + parsed.annex_roots):
        node.title = _title(ct.text, node)
    return parsed


def _table_block(ct: CleanText, index: int) -> int:
    end = index
    while end < len(ct.paragraphs) and "\t" in ct.text[ct.paragraphs[end][0] : ct.paragraphs[end][1]]:
        end += 1
    return end


def _annex_tables(parsed: _Parsed, index: int) -> None:
    ct = parsed.clean
    while index < len(ct.paragraphs):
        start, end = ct.paragraphs[index]
        if "\t" in ct.text[start:end]:
            block = _table_block(ct, index)
            _read_table(parsed, ct.paragraphs[index:block], None, in_annex=True)
            index = block
        else:
            index += 1


def _read_table(parsed: _Parsed, rows: list[tuple[int, int]], anchor: Node | None, *, in_annex: bool) -> None:
    """Rows of a 任务分工表 become item nodes under the current heading (or under a section row
    merged across the table); other tables are left out, with a warning."""
    text = parsed.clean.text
    table = tables.read_table(text, rows)
    if not table.is_task_table:
        if not in_annex:
            parsed.notes.append(
                f"表格（{tables.header_text(text, table)[:40]}）不是任务分工表，未作为任务读取。"
            )
        return
    roots = parsed.annex_roots if in_annex else parsed.builder.roots
    columns = table.columns
    section: Node | None = None
    for row in table.rows[table.header + 1 :]:
        cells = [row.text(text, k) for k in range(len(row.cells))]
        full = tables.filled(row)
        if not full or tables.is_repeated_header(cells, table):
            continue
        parent = section or anchor
        if _is_section_row(cells, full, columns):
            heading = _section_cell(full, columns)
            marker = find_marker(cells[full[0]])
            section = Node(
                "table_section",
                SECTION,
                marker.number if marker else None,
                marker.label if marker else "",
                row.cells[heading],
                parent=anchor,
                end=row.line[1],
            )
            (anchor.children if anchor else roots).append(section)
        else:
            node = _row_node(parsed, row, cells, columns, parent)
            if node is None:
                filled_text = "、".join(cells[k] for k in full)[:30]
                parsed.notes.append(f"任务分工表中“{filled_text}”一行没有任务名称，未作为任务读取。")
                continue
            (parent.children if parent else roots).append(node)
        for link in [section, anchor]:
            if link is not None:
                link.end = max(link.end, row.line[1])
        if not in_annex:
            parsed.builder.extend(row.line[1])


_CN_NUMBER_CELL = re.compile(
    r"^(?:第?[一二三四五六七八九十]{1,3}[、.]?|[（(][一二三四五六七八九十]{1,3}[）)])$"
)


def _is_section_row(cells: list[str], full: list[int], columns: dict[str, int]) -> bool:
    """One filled cell (merged across the table): a heading over the rows below, unless it is a
    task without units in the task column. So is a row numbered 一/（一） with no unit cells."""
    number = columns.get(tables.NUMBER)
    if number is not None and number < len(cells) and _CN_NUMBER_CELL.match(cells[number]):
        unit_columns = {columns[r] for r in tables.UNIT_COLUMNS if r in columns}
        return not any(k in unit_columns for k in full)
    if len(full) != 1:
        return False
    marker = find_marker(cells[full[0]])
    if marker is not None and marker.kind != ITEM:
        return True
    return full[0] not in {columns.get(tables.TASK), columns.get(tables.CONTENT)}


def _section_cell(full: list[int], columns: dict[str, int]) -> int:
    """The cell naming a section row: the merged cell, or the title beside a 一/（一） number."""
    named = [k for k in full if k != columns.get(tables.NUMBER)]
    return named[0] if named else full[0]


def _row_node(
    parsed: _Parsed, row: tables.TableRow, cells: list[str], columns: dict[str, int], parent: Node | None
) -> Node | None:
    def has(column: int | None) -> bool:
        return column is not None and column < len(cells) and bool(cells[column])

    task_column, content_column = columns.get(tables.TASK), columns.get(tables.CONTENT)
    if not has(task_column):
        task_column, content_column = content_column, None  # no 任务 cell: the content names the task
    if task_column is None or not has(task_column):
        return None
    number_text = row.text(parsed.clean.text, columns.get(tables.NUMBER)).strip("．.、 ")
    number = int(number_text) if number_text.isascii() and number_text.isdigit() else None
    node = Node(
        "table_row",
        ITEM,
        number,
        number_text if number is not None else "",
        row.cells[task_column],
        parent=parent,
        end=row.line[1],
    )
    if content_column is not None and has(content_column):
        node.body.append(row.cells[content_column])
    units = Responsibility()
    for role in tables.UNIT_COLUMNS:
        value = row.text(parsed.clean.text, columns.get(role))
        if not value:
            continue
        clause = parse_clause(value)
        named_roles = [r for r, names in clause.roles().items() if names] if clause else []
        if clause is not None and len(named_roles) > 1:
            units.merge(clause)  # 市科协牵头，市教育局配合 written in one cell
        elif clause is not None:
            units.add(role, clause.roles()[named_roles[0]])
        else:
            units.add(role, split_units(value))
    parsed.row_start[id(node)] = row.line[0]
    if not units.is_empty():
        parsed.table_units[id(node)] = units
    year = _ROW_YEAR.findall(row.text(parsed.clean.text, columns.get(tables.DEADLINE)))
    if year:
        parsed.row_year[id(node)] = int(year[-1])
    return node


def _title(text: str, node: Node) -> str:
    start, end = node.heading
    heading = text[start:end]
    marker = find_marker(heading)
    heading = heading[marker.length :] if marker else heading
    for (c_start, c_end), _ in reversed(inline_clauses(heading)):
        heading = heading[:c_start] + heading[c_end:]
    trailing = trailing_clause(heading)
    if trailing is not None:
        heading = heading[: trailing[0]]
    heading = heading.strip()
    m = _TITLE_END.search(heading)
    return (heading[: m.start()] if m else heading).strip()


def _attach_clauses(parsed: _Parsed) -> None:
    """Inline clauses belong to their node; stand-alone ones to the item before or its whole group."""
    text = parsed.clean.text
    per_item_style = False
    for node in walk(parsed.builder.roots + parsed.annex_roots):
        own = Responsibility()
        for start, end in [node.heading, *node.body]:
            for _, clause in inline_clauses(text[start:end]):
                own.merge(clause)
            trailing = trailing_clause(text[start:end])
            if trailing is not None:
                own.merge(trailing[1])
        if not own.is_empty():
            per_item_style = per_item_style or (node.kind == ITEM and not node.children)
        cells = parsed.table_units.get(id(node))
        if cells is not None:
            own = cells.overridden_by(own)
        if not own.is_empty():
            parsed.clauses[id(node)] = own
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
    if not node.children and id(node) not in general:
        if node.kind == ITEM or _has_content(ct.text, node):
            section.task = _task(parsed, node, default_year)
            tasks.append(section.task)
        else:
            heading = ct.text[node.heading[0] : node.heading[1]].strip()
            parsed.notes.append(f"标题“{heading[:40]}”下没有内容，未作为任务。")
    section.children = [_section(parsed, child, general, default_year, tasks) for child in node.children]
    return section


def _has_content(text: str, node: Node) -> bool:
    heading = text[node.heading[0] : node.heading[1]]
    return (
        bool(node.body)
        or len(heading) > len(node.title) + 4
        or len(node.title) > 12
        or bool(find_targets(heading, 0, None))
    )


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
    year = parsed.row_year.get(id(node), default_year)  # a table row's 完成时限
    for start, end in paragraphs:
        for target in find_targets(ct.text[start:end], start, year):
            # a bare "全年不少于60场次" under a one-line item counts what the item names
            indicator = target.indicator or node.title
            targets.append(replace(target, indicator=indicator, span=ct.to_source(*target.span)))
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
        span=ct.to_source(parsed.row_start.get(id(node), node.heading[0]), node.end),
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

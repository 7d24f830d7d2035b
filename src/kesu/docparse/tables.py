"""Tables in a plan: a 任务分工表 gives one task per row; other tables (contacts, budgets) are not tasks.

Readers write a table one row per line with the cells separated by tabs (docx: a cell spanning
columns is followed by empty cells, a cell merged down repeats the text above). The columns are
recognised by their header words, not their position: 序号, 重点任务/工作任务, 主要内容/工作措施,
牵头单位, 参与/配合单位, 责任单位, 完成时限. A row with one filled cell (merged across the table)
is a section heading for the rows below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NUMBER, TASK, CONTENT, LEAD, PARTICIPATING, RESPONSIBLE, DEADLINE, NOTE = (
    "number",
    "task",
    "content",
    "lead",
    "participating",
    "responsible",
    "deadline",
    "note",
)
UNIT_COLUMNS = (LEAD, PARTICIPATING, RESPONSIBLE)

# First match wins: 牵头单位 before 责任单位, 任务 words before 内容 words.
_HEADER_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (NUMBER, re.compile(r"^(?:序号|编号|序|号)$")),
    (LEAD, re.compile(r"牵头|主责|主办")),
    (PARTICIPATING, re.compile(r"参与|配合|协办|协助|参加|协同|协作")),
    (RESPONSIBLE, re.compile(r"责任|实施主体|实施单位|承办")),
    (DEADLINE, re.compile(r"时限|时间|时序|进度|期限|完成年")),
    (NOTE, re.compile(r"^备注$")),
    (
        TASK,
        re.compile(r"^(?:重点|主要|工作|具体|年度)?(?:任务|事项|项目|工作)(?:名称)?$|^任务名称$|^重点工作$"),
    ),
    (CONTENT, re.compile(r"内容|措施|举措|目标|要求|要点|工作任务|具体任务")),
]
_HEADER_NOISE = re.compile(r"[\s\u3000（）()、/]")
# Header words of tables that are not task tables even with a 责任单位 column: budgets, contact lists.
_OTHER_KIND = re.compile(r"金额|经费|预算|资金|万元|电话|手机|邮箱|姓名|职务|联系人")


@dataclass
class TableRow:
    line: tuple[int, int]  # the row's span in the text
    cells: list[tuple[int, int]]  # each cell's span, spaces trimmed (empty cells have start == end)

    def text(self, text: str, column: int | None) -> str:
        if column is None or column >= len(self.cells):
            return ""
        start, end = self.cells[column]
        return text[start:end]


@dataclass
class Table:
    rows: list[TableRow]
    columns: dict[str, int] = field(default_factory=dict)  # role → column index; empty if not a task table
    header: int = -1  # index of the header row in ``rows``
    other_kind: bool = False  # a budget or a contact list

    @property
    def is_task_table(self) -> bool:
        has_task = TASK in self.columns or CONTENT in self.columns
        return not self.other_kind and has_task and any(role in self.columns for role in UNIT_COLUMNS)


def is_table_row(line: str) -> bool:
    """A line with a tab that separates two cells (a leading indent alone is no table)."""
    return "\t" in line.strip(" \u3000\t")


def looks_like_table(lines: list[str]) -> bool:
    """Tabbed lines are a table when a header row names its columns (序号, 牵头单位, 联系电话…); a
    list typed as ``1.<tab>加强组织领导`` is prose."""
    for line in [line for line in lines if line.strip()][:3]:
        cells = line.split("\t")
        if len(_header_columns(cells)) >= 2 or any(
            _OTHER_KIND.search(_HEADER_NOISE.sub("", c)) for c in cells if len(c.strip()) <= 12
        ):
            return True
    return False


def table_line_flags(lines: list[str]) -> list[bool]:
    """Which lines belong to a table: runs of lines with tabs holding at least two real rows under a
    header row."""
    flags = [False] * len(lines)
    i = 0
    while i < len(lines):
        if "\t" not in lines[i] or not lines[i].strip():
            i += 1
            continue
        j = i
        while j < len(lines) and ("\t" in lines[j] or not lines[j].strip()):
            j += 1
        while j > i and not lines[j - 1].strip():  # blank lines after the table are not in it
            j -= 1
        if sum(1 for line in lines[i:j] if is_table_row(line)) >= 2 and looks_like_table(lines[i:j]):
            for k in range(i, j):
                flags[k] = True
        i = max(j, i + 1)
    return flags


def read_table(text: str, lines: list[tuple[int, int]]) -> Table:
    """A table from its row spans; ``columns`` is filled when a header row names its columns."""
    rows = [TableRow(line=(s, e), cells=_cells(text, s, e)) for s, e in lines]
    table = Table(rows=rows)
    for index, row in enumerate(rows[:3]):  # a title row may come before the header
        cells = [row.text(text, k) for k in range(len(row.cells))]
        columns = _header_columns(cells)
        other = any(_OTHER_KIND.search(_HEADER_NOISE.sub("", c)) for c in cells if len(c) <= 12)
        candidate = Table(rows=rows, columns=columns, header=index, other_kind=other)
        if candidate.is_task_table:
            return _with_sub_header(text, candidate)
        if (len(columns) >= 2 or other) and table.header < 0:
            table.header = index  # the header of another kind of table, named in the warning
    return table


def _with_sub_header(text: str, table: Table) -> Table:
    """A header on two rows (责任单位 over 牵头单位 | 配合单位): the second row names its columns."""
    if table.header + 1 >= len(table.rows):
        return table
    row = table.rows[table.header + 1]
    sub = _header_columns([row.text(text, k) for k in range(len(row.cells))])
    if len(sub) < 2 or not any(role in sub for role in UNIT_COLUMNS):
        return table
    columns = {role: k for role, k in table.columns.items() if k not in sub.values() and role not in sub}
    columns.update(sub)
    return Table(rows=table.rows, columns=columns, header=table.header + 1)


def header_text(text: str, table: Table) -> str:
    row = table.rows[max(table.header, 0)]
    return "、".join(t for t in (row.text(text, k) for k in range(len(row.cells))) if t)


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cells: list[tuple[int, int]] = []
    pos = start
    for piece in text[start:end].split("\t"):
        left = len(piece) - len(piece.lstrip(" \u3000"))
        right = len(piece.rstrip(" \u3000"))
        cells.append((pos + left, pos + max(left, right)))
        pos += len(piece) + 1
    return cells


def _header_columns(cells: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        word = _HEADER_NOISE.sub("", cell)
        if not word or len(word) > 12:
            continue
        for role, pattern in _HEADER_WORDS:
            if pattern.search(word):
                if role == TASK and TASK in columns and CONTENT not in columns:
                    role = CONTENT  # 工作任务 | 工作内容: the second task-like column is the content
                columns.setdefault(role, index)
                break
    return columns


def filled(row: TableRow) -> list[int]:
    return [k for k, (s, e) in enumerate(row.cells) if e > s]


def is_repeated_header(cells: list[str], table: Table) -> bool:
    """The header printed again (a new page, a second table of the same kind)."""
    columns = _header_columns(cells)
    return len(columns) >= 2 and all(table.columns.get(role) == k for role, k in columns.items())

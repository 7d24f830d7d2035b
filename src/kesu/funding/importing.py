"""Reading a funding-line upload (xlsx or CSV) and the ``kesu import_registry funding`` importer.

``check`` reads the whole file with ``kesu.tables`` and returns the rows to store, or every problem
with its row and column in Chinese (then nothing is stored). Amounts may come in 元 or, under a
header saying 万元, in 万元 (the 科普统计 form's unit); they are stored in 元.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kesu import tables
from kesu.core.registry_imports import ImportResult, RowError
from kesu.funding import actions
from kesu.funding.arithmetic import AMOUNT_LABELS, line_problems
from kesu.funding.models import EDITABLE_STATUSES, FundingLine, Nature, ProjectType, creatable_units
from kesu.regions.models import Region, Unit, UnitAlias

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.jobs import Progress

# 60 MB is refused before a row is read; a city's year is a few hundred lines, a province's a few tens of
# thousands. Above ``IN_REQUEST_ROWS`` rows the page hands the file to a background job (``job_kinds``):
# 10,000 rows took 35 s to check and store on a loaded host, too long for a request.
LIMITS = tables.Limits(max_bytes=20 * tables.MB, max_rows=50_000, max_columns=40)
IN_REQUEST_ROWS = 2_000
PROGRESS_EVERY = 2_000  # rows between two progress reports of a background import

COLUMNS = {
    "unit": ("单位", "单位名称", "预算单位", "填报单位"),
    "year": ("年度", "预算年度", "年份"),
    "name": ("项目名称", "经费项目", "项目"),
    "nature": ("资金性质", "资金来源", "经费来源"),
}
OPTIONAL = {
    "region": ("区划代码", "单位区划代码"),
    "project_type": ("项目类型",),
    "is_special": ("是否科普专项", "科普专项"),
    "note": ("执行说明", "说明", "备注"),
}
# Each amount: its headers in 元, then in 万元 (multiplied by 10,000 on the way in).
AMOUNTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    key: (
        (f"{label}（元）", f"{label}(元)", label, *(("预算金额（元）",) if key == "budget" else ())),
        (f"{label}（万元）", f"{label}(万元)"),
    )
    for key, label in AMOUNT_LABELS.items()
}
TEMPLATE_HEADERS = [
    "单位",
    "年度",
    "项目名称",
    "资金性质",
    "项目类型",
    "是否科普专项",
    "预算数（元）",
    "到位数（元）",
    "执行数（元）",
    "科普活动支出（元）",
    "场馆基建支出（元）",
    "展品、设施支出（元）",
    "其他支出（元）",
    "执行说明",
    "区划代码",
]
TEMPLATE_EXAMPLE = [
    "市科协",
    "2025",
    "全国科普日专题活动",
    "科普专项",
    "常年性项目",
    "是",
    "200000",
    "200000",
    "185000",
    "150000",
    "",
    "20000",
    "15000",
    "",
    "410400",
]

NATURES: dict[str, str] = {str(label): value for value, label in Nature.choices} | {
    "专项": Nature.SPECIAL,
    "科普专项经费": Nature.SPECIAL,
    "捐赠": Nature.DONATION,
    "转移支付": Nature.TRANSFER,
    "财政": Nature.APPROPRIATION,
}
PROJECT_TYPES: dict[str, str] = {str(label): value for value, label in ProjectType.choices} | {
    "常年": ProjectType.RECURRING,
    "延续": ProjectType.CONTINUING,
    "一次性": ProjectType.ONE_OFF,
    "": ProjectType.RECURRING,
}
YES, NO = {"是", "Y", "y", "1", "√", "true"}, {"否", "N", "n", "0", "", "false"}


@dataclass
class Checked:
    rows: list[actions.ImportRow] = field(default_factory=list)
    errors: tables.RowErrors = field(default_factory=tables.RowErrors)


def amount_columns(table: tables.Table) -> dict[str, tuple[int, Decimal]]:
    """Amount key → (column, factor to 元); 预算数 must be there in one unit or the other."""
    found: dict[str, tuple[int, Decimal]] = {}
    for key, (in_yuan, in_wan) in AMOUNTS.items():
        column = table.column(in_yuan)
        if column is not None:
            found[key] = (column, Decimal(1))
        elif (column := table.column(in_wan)) is not None:
            found[key] = (column, Decimal(10_000))
    if "budget" not in found:
        tables.map_header(table.headers, {"budget": ("预算数（元）",)})  # names the missing column
    return found


class Units:
    """Finds a row's unit by name or alias among the units the importer may write for."""

    def __init__(self, region: Region, actor: User | None) -> None:
        allowed = creatable_units(actor) if actor is not None else Unit.objects.all()
        units = list(allowed.filter(region__path__startswith=region.path).select_related("region"))
        self.by_name: dict[str, list[Unit]] = {}
        for unit in units:
            self.by_name.setdefault(unit.name, []).append(unit)
        ids = {unit.pk: unit for unit in units}
        aliases = UnitAlias.objects.filter(unit_id__in=list(ids)).values_list("alias", "unit_id")
        for alias, unit_id in aliases:
            if ids[unit_id] not in self.by_name.get(alias, []):
                self.by_name.setdefault(alias, []).append(ids[unit_id])

    def find(self, name: str, code: str) -> Unit | str:
        """The unit, or why not (Chinese)."""
        found = self.by_name.get(name, [])
        if code:
            full = code.ljust(12, "0")
            found = [unit for unit in found if unit.region.code == full]
        if len(found) == 1:
            return found[0]
        if not found:
            return f"“{name}”不是您可以填报的单位（请核对单位名称{'和区划代码' if code else ''}）"
        return f"有 {len(found)} 个名为“{name}”的单位，请在“区划代码”列写明所属区划"


class RowReader:
    def __init__(self, table: tables.Table, columns: dict[str, int], amounts: dict[str, tuple[int, Decimal]]):
        self.table, self.columns, self.amounts = table, columns, amounts
        self.errors = tables.RowErrors()
        self.line, self.row = 0, [""]

    def at(self, index: int) -> RowReader:
        self.row, self.line = self.table.rows[index], self.table.lines[index]
        return self

    def text(self, key: str) -> str:
        return self.row[self.columns[key]].strip() if key in self.columns else ""

    def fail(self, key: str, message: str) -> None:
        index = self.columns.get(key, self.amounts.get(key, (None,))[0])
        header = self.table.headers[index] if index is not None else ""
        self.errors.add(self.line, header, f"{header}：{message}" if header else message)

    def raw_amount(self, key: str) -> str:
        return self.row[self.amounts[key][0]].strip() if key in self.amounts else ""

    def amount(self, key: str) -> Decimal | None:
        if key not in self.amounts:
            return None
        column, factor = self.amounts[key]
        raw = self.row[column].strip()
        try:
            number = tables.parse_number(raw)
            return None if number is None else (Decimal(str(number)) * factor).quantize(Decimal("0.01"))
        except (ValueError, InvalidOperation):
            self.fail(key, f"“{raw}”不是金额")
            return None


def goes_to_background(data: bytes, filename: str) -> bool:
    """Whether the file has more than ``IN_REQUEST_ROWS`` data rows, read only that far. A file that
    cannot be read, breaks a limit seen before its rows (size, unpacked size, declared sheet size) or
    lacks a required column raises ``tables.TableError`` here, in the request: a bad file is refused
    at once with its reason, and never reaches a job."""
    for number, cells in tables.iter_rows(data, filename, LIMITS):
        if number == 1:
            check_header([tables.cell_text(cell) for cell in cells])
        elif number > IN_REQUEST_ROWS + 1:  # row 1 is the header
            return True
    return False


def check_header(headers: list[str]) -> None:
    """Raise ``tables.TableError`` naming every required column the header lacks (预算数 in 元 or 万元)."""
    tables.map_header(headers, COLUMNS, OPTIONAL)
    in_yuan, in_wan = AMOUNTS["budget"]
    if tables.find_column(headers, in_yuan) is None and tables.find_column(headers, in_wan) is None:
        tables.map_header(headers, {"budget": in_yuan})


def check(
    data: bytes, filename: str, region: Region, actor: User | None, progress: Progress | None = None
) -> Checked:
    """Every row checked; ``progress`` (a background job's) hears how far, every ``PROGRESS_EVERY`` rows."""
    table = tables.read_table(data, filename, LIMITS)
    columns = tables.map_header(table.headers, COLUMNS, OPTIONAL)
    reader = RowReader(table, columns, amount_columns(table))
    units, rows = Units(region, actor), []
    lines: dict[tuple[int, int, str], int] = {}
    written: dict[
        tuple[str, ...], int
    ] = {}  # as typed, so a repeat is named even when its first row is wrong
    for index in range(len(table.rows)):
        if progress is not None and index and index % PROGRESS_EVERY == 0:
            progress(10 + index * 50 // len(table.rows), f"已检查 {index} / {len(table.rows)} 行")
        reader.at(index)
        typed = tuple(reader.text(key) for key in ("unit", "region", "year", "name"))
        if typed in written:
            reader.fail("name", f"“{typed[3]}”与第 {written[typed]} 行重复（同一单位同一年度）")
            continue
        written[typed] = reader.line
        row = _row(reader, units)
        if row is None:
            continue
        key = (row.unit.pk, row.year, row.fields["name"])
        if key in lines:  # the same unit written two ways (name and alias)
            reader.fail("name", f"“{row.fields['name']}”与第 {lines[key]} 行重复（同一单位同一年度）")
            continue
        lines[key] = reader.line
        rows.append(row)
    _check_locked(rows, lines, reader)
    return Checked(rows if not reader.errors else [], reader.errors)


def _row(reader: RowReader, units: Units) -> actions.ImportRow | None:
    failed = len(reader.errors)
    unit = units.find(reader.text("unit"), reader.text("region")) if reader.text("unit") else "不能为空"
    if isinstance(unit, str):
        reader.fail("unit", unit)
    year = reader.text("year")
    if not (year.isdigit() and 2000 <= int(year) <= 2100):
        reader.fail("year", f"“{year}”不是年度，应写作 2025")
    name = reader.text("name")
    if not name or len(name) > 200:
        reader.fail("name", "不能为空，且不超过 200 字")
    fields = _fields(reader, name)
    if len(reader.errors) > failed or isinstance(unit, str):
        return None
    return actions.ImportRow(unit=unit, year=int(year), fields=fields)


def _fields(reader: RowReader, name: str) -> dict[str, Any]:
    nature = NATURES.get(reader.text("nature"))
    if nature is None:
        reader.fail(
            "nature", f"“{reader.text('nature')}”无效，应为 {'、'.join(str(n.label) for n in Nature)} 之一"
        )
    project_type = PROJECT_TYPES.get(reader.text("project_type"))
    if project_type is None:
        reader.fail(
            "project_type", f"“{reader.text('project_type')}”无效，应为常年性项目、延续性项目或一次性项目"
        )
    flag = reader.text("is_special")
    if flag not in YES | NO:
        reader.fail("is_special", f"“{flag}”应写“是”或“否”")
    amounts = {key: reader.amount(key) for key in AMOUNT_LABELS}
    if amounts["budget"] is None and "budget" in reader.amounts and not reader.raw_amount("budget"):
        reader.fail("budget", "不能为空")  # a budget that is not a number was named above
    note = reader.text("note")
    for key, message in line_problems(amounts, note):
        reader.fail(key, message)
    return {
        "name": name,
        "nature": nature,
        "project_type": project_type,
        "is_special": flag in YES or nature == Nature.SPECIAL,
        **{
            key: amounts[key] if amounts[key] is not None else Decimal(0)
            for key in ("budget", "received", "spent")
        },
        **{key: amounts[key] for key in AMOUNT_LABELS if key not in ("budget", "received", "spent")},
        "note": note,
    }


def _check_locked(
    rows: list[actions.ImportRow], lines: dict[tuple[int, int, str], int], reader: RowReader
) -> None:
    """A line already self-evaluated or published keeps its figures: the file may not overwrite them."""
    if not rows:
        return
    units = {row.unit.pk for row in rows}
    years = {row.year for row in rows}
    locked = [
        line
        for line in FundingLine.objects.filter(unit_id__in=units, year__in=years)
        .exclude(status__in=EDITABLE_STATUSES)
        .select_related("unit")
        if (line.unit_id, line.year, line.name) in lines
    ]
    for line in locked[:100]:
        reader.errors.add(
            lines.get((line.unit_id, line.year, line.name), 0),
            "项目名称",
            f"项目名称：{line.unit.name} {line.year} 年“{line.name}”状态为“{line.get_status_display()}”，不能通过导入修改",
        )


# ---- the generic registry import (``kesu import_registry funding FILE --region CODE``) -----------


def run_import(actor: Any, region: Region, data: bytes, filename: str, *, dry_run: bool) -> ImportResult:
    """Check the file and, when nothing is wrong and not ``dry_run``, store it all; else store nothing."""
    try:
        checked = check(data, filename, region, actor)
    except tables.TableError as error:
        return ImportResult(errors=[RowError(0, "", error.message)])
    if checked.errors:
        return ImportResult(errors=[RowError(e.row, e.column, e.message) for e in checked.errors.errors])
    if dry_run:
        keys = {(row.unit.pk, row.year, row.fields["name"]) for row in checked.rows}
        known = actions._existing(keys)
        return ImportResult(created=len(keys - known), updated=len(keys & known))
    created, updated = actions.import_lines(actor, region, checked.rows, filename=filename)
    return ImportResult(created=created, updated=updated)

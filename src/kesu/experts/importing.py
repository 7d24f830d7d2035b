"""Reading an experts file (xlsx or CSV): one row per expert, optionally with one appointment.

Every row is checked before anything is stored, and every problem is named with its row and column
in Chinese; the file is stored all or nothing by ``actions.import_experts``. The same person (same
name and phone) found again is updated, not doubled. ``run`` is the importer ``kesu import_registry
experts`` calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kesu import tables
from kesu.core import registry_imports
from kesu.experts import actions
from kesu.experts.models import (
    GROUPS,
    SPECIALTIES,
    AppointmentStatus,
    Discipline,
    Level,
    Rank,
    Sex,
    Title,
)
from kesu.regions.models import Region, Unit, UnitAlias

if TYPE_CHECKING:
    from kesu.accounts.models import User

MB = 1024 * 1024
LIMITS = tables.Limits(max_bytes=20 * MB, max_unpacked_bytes=80 * MB, max_rows=20_000, max_columns=40)

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "sex": ("性别",),
    "phone": ("手机", "手机号", "手机号码", "联系电话"),
    "rank": ("职称",),
    "discipline": ("学科",),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "birth_year": ("出生年", "出生年份"),
    "employer": ("工作单位",),
    "position": ("职务",),
    "fields": ("领域",),
    "region": ("所在区划代码", "区划代码"),
    "recommending_unit": ("推荐单位",),
    "specialties": ("科普专长",),
    "groups": ("服务人群",),
    "title": ("称号",),
    "level": ("级别",),
    "batch": ("批次",),
    "start": ("聘期开始",),
    "end": ("聘期结束",),
    "document_no": ("聘任文号", "文号"),
    "status": ("状态", "聘任状态"),
}
TEMPLATE_HEADERS = [aliases[0] for aliases in (*HEADERS.values(), *OPTIONAL.values())]
TEMPLATE_EXAMPLE = [
    "张明",
    "男",
    "13812345678",
    "副高",
    "医",
    "1975",
    "市第一人民医院",
    "主任医师",
    "卫生健康、传染病",
    "",
    "市卫生健康委",
    "讲座、媒体、应急",
    "老年人、青少年",
    "首席科普专家",
    "市级",
    "第三批",
    "2024-01-01",
    "2028-12-31",
    "平科协〔2024〕3号",
    "在聘",
]
DEFAULT_TERM_YEARS = {Title.CHIEF: 5, Title.POOL: 3, Title.EMERGENCY: 3}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _by_label(choices: Any) -> dict[str, str]:
    return {str(label): value for value, label in choices}


SEXES = _by_label(Sex.choices)
RANKS = _by_label(Rank.choices) | {
    "正高级": Rank.FULL,
    "副高级": Rank.ASSOCIATE,
    "中级职称": Rank.INTERMEDIATE,
}
DISCIPLINES = _by_label(Discipline.choices)
TITLES = _by_label(Title.choices) | {
    "首席": Title.CHIEF,
    "专家库": Title.POOL,
    "科普专家库": Title.POOL,
    "应急库": Title.EMERGENCY,
    "应急科普专家库": Title.EMERGENCY,
}
LEVELS = _by_label(Level.choices) | {
    "国家": Level.NATIONAL,
    "省": Level.PROVINCE,
    "市": Level.CITY,
    "县": Level.COUNTY,
}
STATUSES = {"拟聘公示": "proposed", "在聘": "serving", "续聘": "renewed", "解聘": "dismissed", "": "serving"}


@dataclass
class Checked:
    rows: list[actions.ImportRow] = field(default_factory=list)
    errors: tables.RowErrors = field(default_factory=tables.RowErrors)


def parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    text = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text) else text
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _tags(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[、，,;；|/ ]+", text) if t.strip()]


class _Lookups:
    """Regions and units named in the file, loaded once for all rows."""

    def __init__(self, region: Region, table: tables.Table, columns: dict[str, int]) -> None:
        self.root = region
        codes = {_code(row[columns["region"]]) for row in table.rows} if "region" in columns else set()
        self.regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
        near = Unit.objects.filter(region__path__startswith=region.path)
        self.units: dict[str, Unit] = {}
        for unit in near.select_related("region").order_by("-region__level"):
            self.units.setdefault(unit.name, unit)
        for alias in UnitAlias.objects.filter(unit__in=near).select_related("unit"):
            self.units.setdefault(alias.alias, alias.unit)


def _code(text: str) -> str:
    text = text.strip().removesuffix(".0")
    return text.ljust(12, "0") if text.isdigit() and len(text) in (2, 4, 6, 9) else text


def check(data: bytes, filename: str, region: Region) -> Checked:
    """Every row checked; a file that cannot be read or breaks a limit raises ``tables.TableError``."""
    table = tables.read_table(data, filename, LIMITS)
    columns = tables.map_header(table.headers, HEADERS, OPTIONAL)
    lookups = _Lookups(region, table, columns)
    checked = Checked()
    seen: dict[tuple[str, str], int] = {}
    for line, cells in zip(table.lines, table.rows, strict=True):
        row = tables.SheetRow(line, cells, columns, table.headers, checked.errors, HEADERS | OPTIONAL)
        key = (row.get("name"), re.sub(r"[\s-]", "", row.get("phone")))
        if all(key) and key in seen:
            row.fail("phone", f"与第 {seen[key]} 行重复（同名同手机号）")
            continue
        seen.setdefault(key, line)
        parsed = _read(row, lookups)
        if parsed is not None:
            checked.rows.append(parsed)
    _refuse_others(checked, region, columns, table.headers)
    return checked


def _refuse_others(checked: Checked, region: Region, columns: dict[str, int], headers: list[str]) -> None:
    """A person another office registered (same name and phone, outside this region) is theirs to change."""
    from kesu.experts.models import Expert

    keys = {actions.match_key(row.fields["name"], row.phone): row for row in checked.rows}
    theirs = Expert.objects.filter(match_key__in=list(keys)).exclude(region__path__startswith=region.path)
    header = headers[columns["phone"]]
    for key in theirs.values_list("match_key", flat=True):
        row = keys[key]
        checked.errors.add(
            row.line, header, f"{header}：同名同手机号的专家已由其他区划登记，不能在{region.name}导入"
        )
        checked.rows.remove(row)


def _read(row: tables.SheetRow, lookups: _Lookups) -> actions.ImportRow | None:
    name = row.get("name")
    if not name:
        row.fail("name", "不能为空")
    elif len(name) > 50:
        row.fail("name", "不能超过 50 个字")
    phone = None
    try:
        phone = actions.phone_of(row.get("phone"))
    except actions.ExpertError as error:
        row.fail("phone", error.message)
    fields: dict[str, Any] = {
        "name": name,
        "sex": row.choice("sex", SEXES),
        "rank": row.choice("rank", RANKS),
        "discipline": row.choice("discipline", DISCIPLINES),
        "birth_year": _birth_year(row),
        "employer": row.get("employer")[:200],
        "position": row.get("position")[:100],
        "fields": _tags(row.get("fields")),
        "specialties": _known_tags(row, "specialties", SPECIALTIES),
        "groups": _known_tags(row, "groups", GROUPS),
        "recommending_unit": _unit(row, lookups),
    }
    where = _region(row, lookups)
    appointment = _appointment(row)
    if not row.ok or phone is None or where is None:
        return None
    return actions.ImportRow(row.line, where, phone, fields, appointment)


def _birth_year(row: tables.SheetRow) -> int | None:
    text = row.get("birth_year")
    if not text:
        return None
    if not text.isdigit() or not 1920 <= int(text) <= 2010:
        row.fail("birth_year", f"“{text}”不是合理的出生年份（如 1975）")
        return None
    return int(text)


def _known_tags(row: tables.SheetRow, key: str, known: tuple[str, ...]) -> list[str]:
    tags = _tags(row.get(key))
    unknown = [t for t in tags if t not in known]
    if unknown:
        row.fail(key, f"“{'、'.join(unknown)}”无效，可填 {'、'.join(known)}")
    return [t for t in tags if t in known]


def _unit(row: tables.SheetRow, lookups: _Lookups) -> Unit | None:
    text = row.get("recommending_unit")
    if not text:
        return None
    unit = lookups.units.get(text)
    if unit is None:
        row.fail("recommending_unit", f"单位“{text}”不存在，请先在“单位”中添加或加为别名")
    return unit


def _region(row: tables.SheetRow, lookups: _Lookups) -> Region | None:
    text = row.get("region")
    if not text:
        return lookups.root
    found = lookups.regions.get(_code(text))
    if found is None:
        row.fail("region", f"区划代码“{text}”不存在")
        return None
    if not found.path.startswith(lookups.root.path):
        row.fail("region", f"区划“{found.name}”不在{lookups.root.name}范围内")
        return None
    return found


def _appointment(row: tables.SheetRow) -> dict[str, Any] | None:
    if not row.get("title"):
        return None
    title = row.choice("title", TITLES)
    level = row.choice("level", LEVELS)
    start = _date(row, "start", required=True)
    end = _date(row, "end", required=False)
    status = row.choice("status", STATUSES, required=False) or AppointmentStatus.SERVING
    if start and not end and title:
        end = actions.term_end(start, DEFAULT_TERM_YEARS[Title(title)])
    if start and end and end < start:
        row.fail("end", "聘期结束日期早于开始日期")
    if not row.ok or not (title and level and start and end):
        return None
    return {
        "title": title,
        "level": level,
        "batch": row.get("batch")[:50],
        "start": start,
        "end": end,
        "document_no": row.get("document_no")[:100],
        "status": status,
    }


def _date(row: tables.SheetRow, key: str, *, required: bool) -> date | None:
    text = row.get(key)
    if not text:
        if required:
            row.fail(key, "填写了称号时不能为空")
        return None
    try:
        return parse_date(text)
    except ValueError:
        row.fail(key, f"“{text}”不是日期，请写成 2024-01-01")
        return None


def run(
    actor: User | None, region: Region, data: bytes, filename: str, *, dry_run: bool
) -> registry_imports.ImportResult:
    """The importer behind ``kesu import_registry experts``: all rows or none, the JSON contract's result."""
    try:
        checked = check(data, filename, region)
    except tables.TableError as error:
        return registry_imports.ImportResult(errors=[registry_imports.RowError(0, "", error.message)])
    if checked.errors:
        return registry_imports.ImportResult(
            errors=[registry_imports.RowError(e.row, e.column, e.message) for e in checked.errors.errors]
        )
    if dry_run:
        keys = {actions.match_key(r.fields["name"], r.phone) for r in checked.rows}
        from kesu.experts.models import Expert

        known = Expert.objects.filter(match_key__in=keys).count()
        return registry_imports.ImportResult(created=len(keys) - known, updated=known)
    created, updated = actions.import_experts(actor, region, checked.rows, filename=filename)
    return registry_imports.ImportResult(created=created, updated=updated)

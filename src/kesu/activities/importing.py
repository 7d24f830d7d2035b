"""Reading an activities file (xlsx or CSV): one row per activity, all rows or none.

Every row is checked with the same rules as the form (``actions.problems_of``), every problem named
with its row and column in Chinese; ``actions.import_activities`` stores the file in bulk with one
audit event. ``run`` is the importer behind ``kesu import_registry activities FILE --region CODE``.
Photos are not imported (a file has none): imported rows are 已开展 and get their photos on the page
before they are submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from kesu import tables
from kesu.activities import actions
from kesu.activities.models import KEY_GROUPS, Activity, ActivityKind, Campaign, CountMethod, Mode
from kesu.core import registry_imports
from kesu.regions.models import Region, Unit, UnitAlias

if TYPE_CHECKING:
    from kesu.accounts.models import User

MB = 1024 * 1024
# A city's year is 10^3–10^4 rows (registries.md §5): 20,000 rows and 10 MB hold that with room; a
# larger file is refused before a row is read, with the limit named.
LIMITS = tables.Limits(max_bytes=10 * MB, max_unpacked_bytes=60 * MB, max_rows=20_000, max_columns=40)

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("活动名称", "名称"),
    "unit": ("主办单位",),
    "kind": ("活动形式", "形式", "活动类型"),
    "starts_at": ("开始时间", "开始日期"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "ends_at": ("结束时间", "结束日期"),
    "region": ("活动地区代码", "区划代码", "活动地区"),
    "address": ("活动地点", "地点"),
    "mode": ("线上/线下", "活动方式"),
    "online_url": ("线上链接",),
    "online_views": ("线上观看人次",),
    "key_groups": ("重点人群",),
    "attendance": ("参与人次", "参与人次（线下）"),
    "count_method": ("人次统计方式",),
    "campaign": ("主题活动",),
    "undertakers": ("承办单位",),
    "co_organisers": ("协办单位",),
    "science_workers": ("参与科技人员", "参与科技人员（人）"),
    "other_participants": ("参与专家、志愿者", "其他参与人员"),
    "materials": ("发放资料", "发放资料（份）"),
    "cost": ("活动经费", "活动经费（元）"),
    "news_url": ("新闻报道链接",),
    "summary": ("活动简介",),
}
TEMPLATE_HEADERS = [aliases[0] for aliases in (*HEADERS.values(), *OPTIONAL.values())]
TEMPLATE_EXAMPLE = [
    "社区健康科普讲座",
    "市卫生健康委",
    "讲座",
    "2025-09-20 09:00",
    "2025-09-20 11:00",
    "410402",
    "新华区光明路社区活动室",
    "线下",
    "",
    "",
    "老年人、青少年",
    "120",
    "签到",
    "",
    "",
    "市科协",
    "3",
    "张明",
    "200",
    "1500",
    "",
    "（示例行，导入前请删除）",
]


def _by_label(choices: Any) -> dict[str, str]:
    return {str(label): value for value, label in choices}


KINDS = _by_label(ActivityKind.choices) | {
    "科普讲座": "lecture",
    "报告会": "lecture",
    "科普展览": "exhibition",
}
MODES = _by_label(Mode.choices) | {"": Mode.OFFLINE, "线上+线下": Mode.BOTH}
METHODS = _by_label(CountMethod.choices) | {"": CountMethod.SIGN_IN}
_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
)
SPLIT = re.compile(r"[、，,;；|/ ]+")


@dataclass
class Checked:
    rows: list[actions.ImportRow] = field(default_factory=list)
    errors: tables.RowErrors = field(default_factory=tables.RowErrors)


class _Lookups:
    """Units, regions and campaigns the file names, loaded once for all rows."""

    def __init__(self, region: Region) -> None:
        self.root = region
        near = Unit.objects.filter(region__path__startswith=region.path).select_related("region")
        self.units: dict[str, Unit] = {}
        for unit in near.order_by("-region__level"):
            self.units.setdefault(unit.name, unit)
        for alias in UnitAlias.objects.filter(unit__in=near).select_related("unit__region"):
            self.units.setdefault(alias.alias, alias.unit)
        self.regions = {r.code: r for r in Region.objects.filter(path__startswith=region.path)}
        self.region_names = {r.name: r for r in self.regions.values()}
        ancestors = [
            region.path[:end] for end in range(1, len(region.path) + 1) if region.path[end - 1] == "/"
        ]
        self.campaigns = {
            c.name: c
            for c in Campaign.objects.filter(region__path__in=ancestors + [region.path]).order_by("starts_on")
        } | {c.name: c for c in Campaign.objects.filter(region__path__startswith=region.path)}


def _code(text: str) -> str:
    text = text.strip().removesuffix(".0")
    return text.ljust(12, "0") if text.isdigit() and len(text) in (2, 4, 6, 9) else text


def parse_when(text: str, *, end: bool) -> datetime:
    """A time or a date (a date alone starts at 09:00 and ends at 17:00), in the project's time zone."""
    text = text.strip().replace("T", " ")
    for pattern in _FORMATS:
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if "%H" not in pattern:
            parsed = datetime.combine(parsed.date(), time(17 if end else 9))
        return timezone.make_aware(parsed)
    raise ValueError(text)


def check(data: bytes, filename: str, region: Region) -> Checked:
    """Every row checked; an unreadable file or a broken limit raises ``tables.TableError``."""
    table = tables.read_table(data, filename, LIMITS)
    columns = tables.map_header(table.headers, HEADERS, OPTIONAL)
    lookups = _Lookups(region)
    checked = Checked()
    for line, cells in zip(table.lines, table.rows, strict=True):
        row = tables.SheetRow(line, cells, columns, table.headers, checked.errors, HEADERS | OPTIONAL)
        parsed = _read(row, lookups)
        if parsed is not None:
            checked.rows.append(parsed)
    return checked


def _read(row: tables.SheetRow, lookups: _Lookups) -> actions.ImportRow | None:
    name = row.get("name")
    if not name:
        row.fail("name", "不能为空")
    elif len(name) > 200:
        row.fail("name", "不能超过 200 个字")
    unit = _unit(row, lookups, "unit", required=True)
    fields: dict[str, Any] = {
        "name": name,
        "kind": row.choice("kind", KINDS),
        "starts_at": _when(row, "starts_at", end=False),
        "address": row.get("address")[:200],
        "mode": row.choice("mode", MODES),
        "online_url": row.get("online_url")[:200],
        "online_views": row.whole("online_views"),
        "key_groups": _key_groups(row),
        "attendance": row.whole("attendance"),
        "count_method": row.choice("count_method", METHODS),
        "campaign": _campaign(row, lookups),
        "science_workers": row.whole("science_workers"),
        "other_participants": row.get("other_participants")[:500],
        "materials": row.whole("materials"),
        "cost": _money(row),
        "news_url": row.get("news_url")[:200],
        "summary": row.get("summary"),
    }
    start = fields["starts_at"]
    fields["ends_at"] = (
        _when(row, "ends_at", end=True)
        if row.get("ends_at")
        else (start + timedelta(hours=2) if start else None)
    )
    fields["region"] = _region(row, lookups, unit)
    organisers = actions.Organisers(
        _units(row, lookups, "undertakers"), _units(row, lookups, "co_organisers")
    )
    if not row.ok or unit is None:
        return None
    probe = Activity(unit=unit, **fields)
    for field_name, message in actions.problems_of(probe):
        row.fail(_column_of(field_name), message)
    return None if not row.ok else actions.ImportRow(row.line, unit, fields, organisers)


def _column_of(field_name: str) -> str:
    return field_name if field_name in HEADERS or field_name in OPTIONAL else "name"


def _when(row: tables.SheetRow, key: str, *, end: bool) -> datetime | None:
    text = row.get(key)
    if not text:
        row.fail(key, "不能为空")
        return None
    try:
        return parse_when(text, end=end)
    except ValueError:
        row.fail(key, f"“{text}”不是日期或时间，请写成 2025-09-20 或 2025-09-20 09:00")
        return None


def _key_groups(row: tables.SheetRow) -> list[str]:
    groups = [g for g in SPLIT.split(row.get("key_groups")) if g]
    unknown = [g for g in groups if g not in KEY_GROUPS]
    if unknown:
        row.fail("key_groups", f"“{'、'.join(unknown)}”无效，可填 {'、'.join(KEY_GROUPS)}")
    return [g for g in KEY_GROUPS if g in groups]


def _unit(row: tables.SheetRow, lookups: _Lookups, key: str, *, required: bool) -> Unit | None:
    text = row.get(key)
    if not text:
        if required:
            row.fail(key, "不能为空")
        return None
    unit = lookups.units.get(text)
    if unit is None:
        row.fail(key, f"单位“{text}”不在{lookups.root.name}的单位名单中，请先在“单位”中添加或加为别名")
    return unit


def _units(row: tables.SheetRow, lookups: _Lookups, key: str) -> list[Unit]:
    found = []
    for name in (n for n in re.split(r"[、，,;；]+", row.get(key)) if n.strip()):
        unit = lookups.units.get(name.strip())
        if unit is None:
            row.fail(key, f"单位“{name.strip()}”不在{lookups.root.name}的单位名单中")
        else:
            found.append(unit)
    return found


def _region(row: tables.SheetRow, lookups: _Lookups, unit: Unit | None) -> Region | None:
    text = row.get("region")
    if not text:
        return unit.region if unit is not None else None
    found = lookups.regions.get(_code(text)) or lookups.region_names.get(text)
    if found is None:
        row.fail("region", f"“{text}”不是{lookups.root.name}范围内的区划代码或名称")
    return found


def _campaign(row: tables.SheetRow, lookups: _Lookups) -> Campaign | None:
    text = row.get("campaign")
    if not text:
        return None
    found = lookups.campaigns.get(text)
    if found is None:
        row.fail("campaign", f"主题活动“{text}”不存在，请先由素质办创建，或留空")
    return found


def _money(row: tables.SheetRow) -> Decimal | None:
    text = row.get("cost").replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        row.fail("cost", f"“{text}”不是金额")
        return None
    if value < 0 or not value.is_finite():
        row.fail("cost", "不能为负数")
        return None
    return value.quantize(Decimal("0.01"))


def run(
    actor: User | None, region: Region, data: bytes, filename: str, *, dry_run: bool
) -> registry_imports.ImportResult:
    """The importer behind ``kesu import_registry activities``: all rows or none, the JSON contract's result."""
    try:
        checked = check(data, filename, region)
    except tables.TableError as error:
        return registry_imports.ImportResult(errors=[registry_imports.RowError(0, "", error.message)])
    if checked.errors:
        return registry_imports.ImportResult(
            errors=[registry_imports.RowError(e.row, e.column, e.message) for e in checked.errors.errors]
        )
    if dry_run:
        return registry_imports.ImportResult(created=len(checked.rows))
    return registry_imports.ImportResult(
        created=actions.import_activities(actor, region, checked.rows, filename=filename)
    )

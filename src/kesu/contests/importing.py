"""Reading a contest's results file (xlsx or CSV, the platform's per-region or per-unit export) and the
``kesu import_registry contests`` importer.

Columns are mapped from the names the platforms use: a place (区划代码 and/or 地区, or 单位) and its
counts (参赛人数, 参赛人次, optionally 满分人次/满分人数). Every problem is named with its row and
column in Chinese and then nothing is stored. A region code outside the contest's organising region, or
not in Kesu's divisions, is refused; so is a row repeated, or counts that contradict each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kesu import tables
from kesu.contests import actions
from kesu.contests.actions import FigureRow
from kesu.contests.models import Contest, ContestKind, ContestStatus
from kesu.core.registry_imports import ImportResult, RowError
from kesu.regions.models import Region, Unit, UnitAlias

if TYPE_CHECKING:
    from kesu.accounts.models import User

# A city's export is a few hundred rows (towns, units); a province's a few thousand.
LIMITS = tables.Limits(max_bytes=10 * tables.MB, max_rows=20_000, max_columns=40)

COUNTS = {
    "participants": ("参赛人数", "参与人数", "答题人数", "注册人数", "人数"),
    "attempts": ("参赛人次", "答题人次", "参与人次", "答题次数", "人次"),
}
PLACES = {
    "code": ("区划代码", "地区代码", "行政区划代码", "区划编码"),
    "region": ("地区", "地区名称", "区划名称", "县（市、区）", "县市区", "乡镇（街道）", "乡镇", "赛区"),
    "unit": ("单位", "单位名称", "参赛单位", "组织单位", "成员单位"),
}
OPTIONAL = {"full_scores": ("满分人次", "满分人数", "满分次数", "满分数")}
TEMPLATE_HEADERS = ["区划代码", "地区", "单位", "参赛人数", "参赛人次", "满分人次"]


@dataclass
class Checked:
    rows: list[FigureRow] = field(default_factory=list)
    errors: tables.RowErrors = field(default_factory=tables.RowErrors)


class Places:
    """The regions and units of the contest's organising region, found by code, name or alias."""

    def __init__(self, contest: Contest) -> None:
        self.root = contest.region
        regions = list(Region.objects.filter(path__startswith=self.root.path))
        self.by_code = {region.code: region for region in regions}
        self.by_name: dict[str, list[Region]] = {}
        for region in regions:
            self.by_name.setdefault(region.name, []).append(region)
        units = list(Unit.objects.filter(region__path__startswith=self.root.path).select_related("region"))
        self.units: dict[str, list[Unit]] = {}
        for unit in units:
            self.units.setdefault(unit.name, []).append(unit)
        ids = {unit.pk: unit for unit in units}
        for alias, unit_id in UnitAlias.objects.filter(unit_id__in=list(ids)).values_list("alias", "unit_id"):
            if ids[unit_id] not in self.units.get(alias, []):
                self.units.setdefault(alias, []).append(ids[unit_id])

    def region(self, code: str, name: str) -> Region | str:
        """The region, or why not (Chinese)."""
        if code:
            digits = code.strip()
            if not digits.isdigit() or len(digits) > 12:
                return f"区划代码“{code}”无效，应为 6、9 或 12 位数字"
            found = self.by_code.get(digits.ljust(12, "0"))
            if found is None:
                if Region.objects.filter(code=digits.ljust(12, "0")).exists():
                    return f"区划代码“{code}”不在本竞赛的组织区划（{self.root.name}）内"
                return f"区划代码“{code}”不存在（不是已载入的行政区划代码）"
            if name and name != found.name:
                return f"区划代码“{code}”是{found.name}，与地区“{name}”不符"
            return found
        matches = self.by_name.get(name, [])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            return f"地区“{name}”不在{self.root.name}的区划中，请填写区划代码"
        return f"有 {len(matches)} 个名为“{name}”的地区，请填写区划代码"

    def unit(self, name: str, region: Region | None) -> Unit | str:
        found = self.units.get(name, [])
        if region is not None:
            found = [unit for unit in found if unit.region_id == region.pk]
        if len(found) == 1:
            return found[0]
        if not found:
            return f"“{name}”不是{self.root.name}及下级的单位（请核对单位名称，或先在单位管理中添加）"
        return f"有 {len(found)} 个名为“{name}”的单位，请在“区划代码”列写明所属区划"


def _count(row: list[str], column: int, header: str, line: int, errors: tables.RowErrors) -> int | None:
    raw = row[column].strip()
    try:
        value = tables.parse_number(raw)
    except ValueError:
        value = -1.0
    if value is None:
        errors.add(line, header, f"{header}：不能为空")
        return None
    if value < 0 or not float(value).is_integer():
        errors.add(line, header, f"{header}：“{raw}”不是非负整数")
        return None
    return int(value)


def check(data: bytes, filename: str, contest: Contest) -> Checked:
    """Every row checked; the rows to store only when there is no problem at all."""
    table = tables.read_table(data, filename, LIMITS)
    columns = tables.map_header(table.headers, COUNTS, {**PLACES, **OPTIONAL})
    if not any(key in columns for key in PLACES):
        present = "、".join(h for h in table.headers if h.strip()) or "（无）"
        raise tables.TableError(
            f"文件缺少地区或单位列：应有“区划代码”“地区”或“单位”之一。现有列：{present}。"
        )
    places, checked = Places(contest), Checked()
    seen: dict[tuple[str, int], int] = {}
    for index, row in enumerate(table.rows):
        line = table.lines[index]
        figure = _row(row, line, columns, table.headers, places, checked.errors)
        if figure is None:
            continue
        key = (
            ("unit", figure.unit.pk) if figure.unit else ("region", figure.region.pk if figure.region else 0)
        )
        if key in seen:
            header = table.headers[
                columns["unit"] if figure.unit else columns.get("code", columns.get("region", 0))
            ]
            checked.errors.add(line, header, f"{header}：与第 {seen[key]} 行重复（同一地区或单位只能有一行）")
            continue
        seen[key] = line
        checked.rows.append(figure)
    if checked.errors:
        checked.rows = []
    return checked


def _text(row: list[str], columns: dict[str, int], key: str) -> str:
    return row[columns[key]].strip() if key in columns else ""


def _row(
    row: list[str],
    line: int,
    columns: dict[str, int],
    headers: list[str],
    places: Places,
    errors: tables.RowErrors,
) -> FigureRow | None:
    failed = len(errors)
    code, region_name, unit_name = (_text(row, columns, key) for key in ("code", "region", "unit"))
    region: Region | None = None
    unit: Unit | None = None
    place_header = headers[columns.get("code", columns.get("region", columns.get("unit", 0)))]
    if code or region_name:
        found = places.region(code, region_name)
        if isinstance(found, str):
            errors.add(line, place_header, f"{place_header}：{found}")
        else:
            region = found
    if unit_name:
        found_unit = places.unit(unit_name, region)
        header = headers[columns["unit"]]
        if isinstance(found_unit, str):
            errors.add(line, header, f"{header}：{found_unit}")
        else:
            unit, region = found_unit, None  # a unit's row: the region only told which unit
    elif not (code or region_name) and len(errors) == failed:
        errors.add(line, place_header, f"{place_header}：地区和单位不能都为空")
    counts = {
        key: _count(row, columns[key], headers[columns[key]], line, errors)
        for key in ("participants", "attempts")
    }
    full = (
        _count(row, columns["full_scores"], headers[columns["full_scores"]], line, errors)
        if "full_scores" in columns and row[columns["full_scores"]].strip()
        else 0
    )
    participants, attempts = counts["participants"], counts["attempts"]
    if participants is not None and attempts is not None and attempts < participants:
        header = headers[columns["attempts"]]
        errors.add(line, header, f"{header}：参赛人次（{attempts}）不应少于参赛人数（{participants}）")
    if full is not None and attempts is not None and full > attempts:
        header = headers[columns["full_scores"]]
        errors.add(line, header, f"{header}：满分人次（{full}）不应多于参赛人次（{attempts}）")
    if len(errors) > failed or participants is None or attempts is None or full is None:
        return None
    return FigureRow(line, region, unit, participants, attempts, full)


def store(actor: Any, contest: Contest, checked: Checked, filename: str, round: Any = None) -> int:
    return actions.import_results(actor, contest, checked.rows, filename=filename, round=round)


# ---- the generic registry import (``kesu import_registry contests FILE --region CODE``) ------------


def contest_for(region: Region) -> Contest | None:
    """The command has no contest argument: the region's latest joined contest whose results are not frozen."""
    return (
        Contest.objects.filter(region=region, kind=ContestKind.JOINED, frozen_at__isnull=True)
        .exclude(status=ContestStatus.DRAFT)
        .order_by("-opens_at", "-pk")
        .first()
    )


def run_import(
    actor: User | None, region: Region, data: bytes, filename: str, *, dry_run: bool
) -> ImportResult:
    contest = contest_for(region)
    if contest is None:
        message = f"{region.name}没有进行中、未结算的组织参加类竞赛，请先在“科普竞赛”中登记并开始竞赛"
        return ImportResult(errors=[RowError(0, "", message)])
    try:
        checked = check(data, filename, contest)
    except tables.TableError as error:
        return ImportResult(errors=[RowError(0, "", error.message)])
    if checked.errors:
        return ImportResult(errors=[RowError(e.row, e.column, e.message) for e in checked.errors.errors])
    if dry_run:
        return ImportResult(created=len(checked.rows))
    try:
        count = store(actor, contest, checked, filename)
    except actions.ContestError as error:
        return ImportResult(errors=[RowError(0, "", error.message)])
    return ImportResult(created=count)

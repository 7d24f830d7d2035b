"""Liaison accounts in bulk: a sheet of 单位, 姓名, 手机号 read through ``kesu.tables``, checked row by row.

Every problem of every row is collected before anything is written, so an office fixes the sheet once
and the import stores all accounts or none (``actions.create_liaisons``).
"""

from __future__ import annotations

import re
from collections import defaultdict

from kesu import tables
from kesu.accounts.actions import NewLiaison
from kesu.accounts.models import MOBILE_PATTERN, User
from kesu.regions.models import Region, Unit, UnitAlias

COLUMNS = {
    "unit": ["单位", "单位名称", "成员单位"],
    "name": ["姓名", "联络员", "联络员姓名"],
    "mobile": ["手机号", "手机", "手机号码"],
}
OPTIONAL = {"region": ["区划", "所属区划"]}
LIMITS = tables.Limits(max_bytes=5 * tables.MB, max_rows=2000, max_columns=20)


def read_liaisons(data: bytes, filename: str, manager: User, home: Region | None) -> list[NewLiaison]:
    """The accounts a sheet asks for, or a ``tables.TableError`` naming every row's problem."""
    table = tables.read_table(data, filename, LIMITS)
    columns = tables.map_header(table.headers, COLUMNS, OPTIONAL)
    units = _UnitNames(manager, home)
    errors = tables.RowErrors()
    rows: list[NewLiaison] = []
    seen: dict[str, int] = {}
    for line, cells in zip(table.lines, table.rows, strict=True):
        unit_name, name = cells[columns["unit"]], cells[columns["name"]]
        mobile = re.sub(r"[\s-]", "", cells[columns["mobile"]])
        region_name = cells[columns["region"]] if "region" in columns else ""
        unit = None
        if not unit_name:
            errors.add(line, "单位", "“单位”为空")
        else:
            unit, problem = units.find(unit_name, region_name)
            if problem:
                errors.add(line, "单位", problem)
        if not name:
            errors.add(line, "姓名", "“姓名”为空")
        if not re.fullmatch(MOBILE_PATTERN, mobile):
            errors.add(line, "手机号", f"手机号“{mobile}”不是 11 位大陆手机号码")
        elif mobile in seen:
            errors.add(line, "手机号", f"手机号 {mobile} 与第 {seen[mobile]} 行重复")
        elif User.objects.filter(username__iexact=mobile).exists():
            errors.add(line, "手机号", f"手机号 {mobile} 已有账号（用户名相同），请改用交接或编辑")
        seen.setdefault(mobile, line)
        if unit is not None and name and not errors_for(errors, line):
            rows.append(NewLiaison(unit, name, mobile))
    errors.raise_if_any()
    return rows


def errors_for(errors: tables.RowErrors, line: int) -> bool:
    return any(error.row == line for error in errors.errors)


class _UnitNames:
    """Unit names and aliases the manager may give a liaison, preferring the region it is looking at."""

    def __init__(self, manager: User, home: Region | None) -> None:
        self.home = home
        self.by_name: dict[str, list[Unit]] = defaultdict(list)
        manageable = Unit.objects.manageable_by(manager).select_related("region")
        for unit in manageable:
            self.by_name[unit.name].append(unit)
        for alias in UnitAlias.objects.filter(unit__in=manageable).select_related("unit__region"):
            if alias.unit not in self.by_name[alias.alias]:
                self.by_name[alias.alias].append(alias.unit)

    def find(self, name: str, region_name: str) -> tuple[Unit | None, str]:
        found = self.by_name.get(name, [])
        if region_name:
            found = [u for u in found if u.region.name == region_name]
        if not found:
            where = f"“{region_name}”" if region_name else "本级及下级区划"
            return None, f"{where}没有名为“{name}”的单位（请先在单位核对中添加）"
        if len(found) > 1 and self.home is not None:
            here = [u for u in found if u.region_id == self.home.pk]
            found = here or found
        if len(found) > 1:
            regions = "、".join(sorted({u.region.name for u in found}))
            return None, f"多个区划都有“{name}”（{regions}）：请加“区划”列写明所属区划"
        return found[0], ""

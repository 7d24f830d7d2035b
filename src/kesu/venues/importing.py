"""Reading an institution table (xlsx or CSV, Chinese headers) and checking every row before anything is stored.

One row per designation: an institution holding two titles is two rows with the same
统一社会信用代码, merged into one institution (a row without 体系 adds no designation). The whole
file is checked first (credit-code checksums, regions and units known and within the office's
subtree, years within one batch window, no row twice); any problem means nothing is written.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kesu import tables
from kesu.core.registry_imports import ImportResult, RowError
from kesu.regions.models import Region, Unit, UnitAlias
from kesu.venues import actions
from kesu.venues.actions import window_problem
from kesu.venues.models import (
    Category,
    DesignationLevel,
    DesignationMethod,
    DesignationSystem,
    Institution,
    credit_code_problem,
)

MAX_ROWS = 20_000
LIMITS = tables.Limits(max_bytes=20 * tables.MB, max_rows=MAX_ROWS, max_columns=60)

# key → (header as in the template, aliases...)
INSTITUTION_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "申报单位", "名称"),
    "credit_code": ("统一社会信用代码", "信用代码"),
    "region": ("所在区划", "所在区划代码", "区划代码", "区划"),
}
OPTIONAL_HEADERS: dict[str, tuple[str, ...]] = {
    "base_name": ("基地名称",),
    "unit": ("主管/推荐单位", "推荐单位", "主管单位"),
    "address": ("详细地址", "地址"),
    "contact_name": ("联系人",),
    "contact_phone": ("联系电话", "手机", "电话"),
    "category": ("类别",),
    "building_area": ("建筑面积（平方米）", "建筑面积"),
    "exhibit_area": ("展教面积（平方米）", "展教面积"),
    "latitude": ("纬度",),
    "longitude": ("经度",),
    "opening_days": ("开放日",),
    "opening_hours": ("开放时间",),
    "is_science_museum": ("科技馆",),
    "museum_meets_standard": ("科技馆达标", "达标"),
    "rural_school_museum": ("农村中学科技馆",),
    "science_courtyard": ("科技小院",),
    "published": ("对外公开",),
    "system": ("体系",),
    "level": ("级别",),
    "batch": ("批次",),
    "batch_year": ("批次年份",),
    "start_year": ("有效期起", "有效期起始年"),
    "end_year": ("有效期止", "有效期截止年"),
    "method": ("认定方式",),
    "document_no": ("认定文号", "文号"),
    "certificate_no": ("证书编号",),
}
TEMPLATE_HEADERS = [aliases[0] for aliases in (*INSTITUTION_HEADERS.values(), *OPTIONAL_HEADERS.values())]
TEMPLATE_EXAMPLE = [
    "平顶山市科技馆",
    "91350100M000100Y43",
    "410402000000",
    "平顶山市科技馆",
    "市科协",
    "平顶山市新华区中兴路 1 号",
    "王老师",
    "13812345678",
    "科技场馆类",
    "12000",
    "8000",
    "33.7453",
    "113.1927",
    "周二至周日",
    "9:00–17:00",
    "是",
    "是",
    "否",
    "否",
    "是",
    "科协",
    "市级",
    "2023年度",
    "2023",
    "2023",
    "2027",
    "申报认定",
    "平科协〔2023〕12号",
    "PDS-2023-001",
]
DESIGNATION_KEYS = (
    "system",
    "level",
    "batch",
    "batch_year",
    "start_year",
    "end_year",
    "method",
    "document_no",
    "certificate_no",
)
YES = {"是", "有", "1", "true", "y", "yes", "√"}
NO = {"否", "无", "0", "false", "n", "no", ""}
LEVELS = (
    {str(label): value for value, label in DesignationLevel.choices}
    | {str(label).removesuffix("级"): value for value, label in DesignationLevel.choices}
    | {"区级": DesignationLevel.COUNTY, "全国": DesignationLevel.NATIONAL}
)
SYSTEMS = {str(label): value for value, label in DesignationSystem.choices} | {
    "科协系统": DesignationSystem.KEXIE,
    "科技系统": DesignationSystem.KEJI,
}
METHODS = {str(label): value for value, label in DesignationMethod.choices} | {
    "申报": DesignationMethod.APPLY
}


@dataclass
class ParsedInstitution:
    row: int
    fields: dict[str, Any]
    designations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Parsed:
    institutions: list[ParsedInstitution] = field(default_factory=list)
    problems: tables.RowErrors = field(default_factory=tables.RowErrors)


def template_csv() -> bytes:
    """The downloadable template: the headers and one example row, in UTF-8 with a BOM for Excel."""
    text = ",".join(TEMPLATE_HEADERS) + "\n" + ",".join(TEMPLATE_EXAMPLE) + "\n"
    return ("\ufeff" + text).encode("utf-8")


def parse_file(
    data: bytes,
    filename: str,
    region: Region,
    *,
    manageable_paths: Iterable[str] | None = None,
    user: Any = None,
) -> Parsed:
    """Every row checked (raises ``tables.TableError`` for a file that cannot be read or breaks a limit).

    ``manageable_paths``: the subtrees whose existing institutions this import may change (None:
    any, for the command run by an administrator)."""
    table = tables.read_table(data, filename, LIMITS)
    columns = tables.map_header(table.headers, INSTITUTION_HEADERS, OPTIONAL_HEADERS)
    context = _Context.load(table, columns, region, manageable_paths, user)
    parsed = Parsed(problems=context.problems)
    by_code: dict[str, ParsedInstitution] = {}
    seen_designations: dict[tuple[str, str, int, int], int] = {}
    for line, cells in zip(table.lines, table.rows, strict=True):
        row = _Row(
            line, cells, columns, table.headers, context.problems, INSTITUTION_HEADERS | OPTIONAL_HEADERS
        )
        fields = context.institution_fields(row)
        designation = context.designation_fields(row)
        if fields is None:
            continue
        code = fields["credit_code"]
        item = by_code.get(code)
        if item is None:
            item = by_code[code] = ParsedInstitution(line, fields)
            parsed.institutions.append(item)
        elif item.fields["name"] != fields["name"]:
            row.fail(
                "credit_code",
                f"与第 {item.row} 行统一社会信用代码相同但单位名称不同（“{item.fields['name']}”）",
            )
        if designation is not None:
            key = (code, designation["system"], designation["level"], designation["start_year"])
            if key in seen_designations:
                row.fail(
                    "credit_code", f"与第 {seen_designations[key]} 行重复（同一单位、体系、级别和有效期）"
                )
                continue
            seen_designations[key] = line
            item.designations.append(designation)
    return parsed


class _Row(tables.SheetRow):
    quote_header = True  # this import's messages read “列名”问题


@dataclass
class _Context:
    region: Region
    regions: dict[str, Region]
    region_names: dict[str, list[Region]]
    units: dict[str, list[Unit]]
    categories: dict[str, Category]
    existing: dict[str, str]  # credit code → region path of an institution already registered
    manageable_paths: tuple[str, ...] | None
    problems: tables.RowErrors

    @classmethod
    def load(
        cls,
        table: tables.Table,
        columns: dict[str, int],
        region: Region,
        manageable_paths: Iterable[str] | None,
        user: Any = None,
    ) -> _Context:
        """Everything the rows refer to, in a bounded number of queries whatever the number of rows."""
        subtree = list(Region.objects.filter(path__startswith=region.path))
        regions = {r.code: r for r in subtree} | {r.code[:6]: r for r in subtree if r.code.endswith("000000")}
        names: dict[str, list[Region]] = {}
        for r in subtree:
            names.setdefault(r.name, []).append(r)
        ancestors = [code for code in region.path.strip("/").split("/") if code]
        unit_regions = Region.objects.filter(path__startswith=region.path) | Region.objects.filter(
            code__in=ancestors
        )
        units: dict[str, list[Unit]] = {}
        known = (
            Unit.objects.all() if user is None else Unit.objects.visible_to(user)
        )  # never name a unit one cannot see
        for unit in known.filter(region__in=unit_regions).select_related("region"):
            units.setdefault(unit.name, []).append(unit)
        aliases = UnitAlias.objects.filter(region__in=unit_regions, unit__in=known)
        for alias in aliases.select_related("unit__region"):
            units.setdefault(alias.alias, []).append(alias.unit)
        scheme = actions.ensure_category_schemes()
        categories = {c.name: c for c in Category.objects.filter(scheme=scheme)}
        codes = sorted({row[columns["credit_code"]].strip().upper() for row in table.rows})
        existing: dict[str, str] = {}
        for start in range(0, len(codes), 500):
            existing |= dict(
                Institution.objects.filter(credit_code__in=codes[start : start + 500]).values_list(
                    "credit_code", "region__path"
                )
            )
        paths = tuple(manageable_paths) if manageable_paths is not None else None
        return cls(region, regions, names, units, categories, existing, paths, tables.RowErrors())

    def institution_fields(self, row: _Row) -> dict[str, Any] | None:
        name, code = row.get("name"), row.get("credit_code").upper().replace(" ", "")
        if not name:
            row.fail("name", "不能为空")
        problem = credit_code_problem(code) if code else "不能为空"
        if problem:
            row.fail("credit_code", problem.removeprefix("统一社会信用代码"))
        region = self._region(row)
        paths = self.manageable_paths
        if code in self.existing and paths is not None and not self.existing[code].startswith(paths):
            row.fail("credit_code", "对应的单位已登记在其他区划，不在本级管理范围内")
        fields: dict[str, Any] = {"name": name[:200], "credit_code": code, "region": region}
        fields |= {key: row.get(key)[:limit] for key, limit in _TEXTS.items() if row.has(key)}
        if "contact_phone" in fields:
            fields["contact_phone"] = fields["contact_phone"][:30]
        for key in ("building_area", "exhibit_area", "latitude", "longitude"):
            if row.has(key):
                fields[key] = _decimal(row, key)
        for key in (
            "is_science_museum",
            "museum_meets_standard",
            "rural_school_museum",
            "science_courtyard",
            "published",
        ):
            if row.has(key):
                fields[key] = _flag(row, key)
        if row.has("unit") and region is not None:
            fields["unit"] = self._unit(row, region)
        if row.has("category"):
            fields["category"] = self._category(row)
        return fields if row.ok else None

    def _region(self, row: _Row) -> Region | None:
        text = row.get("region")
        if not text:
            row.fail("region", "不能为空")
            return None
        found = self.regions.get(text)
        if found is None and text in self.region_names:
            matches = self.region_names[text]
            if len(matches) > 1:
                row.fail("region", f"“{text}”有重名，请填写 12 位区划代码")
                return None
            found = matches[0]
        if found is None:
            row.fail("region", f"“{text}”不是{self.region.name}或其下级的区划")
        return found

    def _unit(self, row: _Row, region: Region) -> Unit | None:
        text = row.get("unit")
        if not text:
            return None
        candidates = [u for u in self.units.get(text, []) if region.path.startswith(u.region.path)]
        if not candidates:
            row.fail("unit", f"“{text}”不是{region.name}或其上级区划的单位，请先在单位名录中添加")
            return None
        return max(candidates, key=lambda unit: len(unit.region.path))  # the nearest region's unit

    def _category(self, row: _Row) -> Category | None:
        text = row.get("category")
        if not text:
            return None
        found = {_unquoted(name): c for name, c in self.categories.items()}.get(_unquoted(text))
        if found is None:
            row.fail("category", f"“{text}”不在类别表中（{'、'.join(self.categories) or '未设置类别'}）")
        return found

    def designation_fields(self, row: _Row) -> dict[str, Any] | None:
        system_text = row.get("system")
        if not system_text:
            return None
        system = SYSTEMS.get(system_text)
        if system is None:
            row.fail("system", f"“{system_text}”无效，应为 科协、科技 或 其他")
        level = LEVELS.get(row.get("level"))
        if level is None:
            row.fail("level", f"“{row.get('level')}”无效，应为 国家级、省级、市级 或 县级")
        method_text = row.get("method")
        method = METHODS.get(method_text) if method_text else DesignationMethod.APPLY
        if method is None:
            row.fail("method", f"“{method_text}”无效，应为 申报认定、直接认定、补充认定 或 重新申报")
        start, end = _year(row, "start_year"), _year(row, "end_year")
        batch_year = _year(row, "batch_year", required=False) or start
        if start is not None and end is not None:
            problem = window_problem(start, end, batch_year)
            if problem:
                row.fail("batch_year" if problem.startswith("批次年份") else "end_year", f"：{problem}")
        if not row.ok:
            return None
        return {
            "system": system,
            "level": level,
            "batch": row.get("batch")[:100] or f"{batch_year}年度",
            "batch_year": batch_year,
            "start_year": start,
            "end_year": end,
            "method": method,
            "document_no": row.get("document_no")[:100],
            "certificate_no": row.get("certificate_no")[:100],
        }


def _unquoted(text: str) -> str:
    """“三农”类, "三农"类 and 三农类 are one category."""
    return "".join(c for c in text if c not in "“”\"'‘’")


_TEXTS = {
    "base_name": 200,
    "address": 300,
    "contact_name": 50,
    "contact_phone": 30,
    "opening_days": 200,
    "opening_hours": 200,
}


def _decimal(row: _Row, key: str) -> Decimal | None:
    text = row.get(key)
    if not text:
        return None
    try:
        value = tables.parse_number(text)
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))
    except (ValueError, InvalidOperation):
        row.fail(key, f"“{text}”不是数字")
        return None


def _flag(row: _Row, key: str) -> bool:
    text = row.get(key).lower()
    if text in YES:
        return True
    if text not in NO:
        row.fail(key, f"“{text}”应为 是 或 否")
    return key == "published" and text == ""


def _year(row: _Row, key: str, *, required: bool = True) -> int | None:
    text = row.get(key).removesuffix("年")
    if not text:
        if required:
            row.fail(key, "不能为空")
        return None
    if not text.isdigit() or not 1980 <= int(text) <= 2100:
        row.fail(key, f"“{text}”不是年份")
        return None
    return int(text)


# ---- the generic registry import (``kesu import_registry bases FILE --region CODE``) -------------


def run_import(actor: Any, region: Region, data: bytes, filename: str, *, dry_run: bool) -> ImportResult:
    """Check the file and, when nothing is wrong and not ``dry_run``, store it all; else store nothing."""
    paths = None if actor is None or actor.access.is_system_admin else actor.access.office_paths
    try:
        parsed = parse_file(data, filename, region, manageable_paths=paths, user=actor)
    except tables.TableError as error:
        return ImportResult(errors=[RowError(0, "", error.message)])
    if parsed.problems:
        return ImportResult(errors=[RowError(e.row, e.column, e.message) for e in parsed.problems.errors])
    codes = {item.fields["credit_code"] for item in parsed.institutions}
    known = _known(codes)
    if dry_run:
        return ImportResult(created=len(codes - known), updated=len(codes & known))
    created, updated = actions.import_institutions(actor, region, parsed.institutions, filename=filename)
    return ImportResult(created=created, updated=updated)


def _known(codes: set[str]) -> set[str]:
    ordered, found = sorted(codes), set()
    for start in range(0, len(ordered), 500):
        found |= set(
            Institution.objects.filter(credit_code__in=ordered[start : start + 500]).values_list(
                "credit_code", flat=True
            )
        )
    return found


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "科普教育基地"
    sheet.append(TEMPLATE_HEADERS)
    sheet.append(TEMPLATE_EXAMPLE)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

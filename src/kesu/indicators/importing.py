"""Reading a tidy value table (xlsx or CSV) and checking every row before anything is stored.

Columns: 指标 (code or name), 区划代码, 期间, 数值, optionally 分子 and 分母; any other column is a
disaggregation (级别, 性别 …) whose blank cells mean the total, as Open SDG's tidy files do.
The file is read by the shared reader (`kesu.tables`), one row at a time within its limits; the
rows that pass are written by `actions.import_values` in one bulk write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kesu import tables
from kesu.accounts.access import Access
from kesu.indicators.models import Indicator
from kesu.periods import Period
from kesu.regions.models import Region

HEADERS = {
    "indicator": ("指标", "指标代码", "指标名称", "indicator"),
    "region": ("区划代码", "区划", "region_code", "region"),
    "period": ("期间", "时期", "period"),
    "value": ("数值", "值", "value"),
    "numerator": ("分子", "numerator"),
    "denominator": ("分母", "denominator"),
}
REQUIRED = ("indicator", "region", "period", "value")
IGNORED = ("区划名称", "备注", "单位", "计量单位", "region_name", "note")
MAX_ROWS = 50_000
LIMITS = tables.Limits(max_rows=MAX_ROWS, max_columns=50)


class ValueImportError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors[:3]))
        self.errors = errors


@dataclass
class ParsedImport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: tables.RowErrors = field(default_factory=tables.RowErrors)

    @property
    def errors(self) -> list[str]:
        return self.problems.messages()


Numbered = tuple[int, list[Any]]  # (row number in the file, cells)


def parse_upload(data: bytes, filename: str, access: Access) -> ParsedImport:
    """Every row of the upload checked; a file that cannot be read or breaks a limit raises ValueImportError."""
    try:
        return parse_values(tables.iter_rows(data, filename, LIMITS), access)
    except tables.TableError as error:
        raise ValueImportError([error.message]) from error


def parse_values(table: Iterable[Numbered], access: Access) -> ParsedImport:
    rows = [(number, row) for number, row in table if not tables.is_blank_row(row)]
    if not rows:
        raise ValueImportError(["文件是空的"])
    header = [str(c or "").strip() for c in rows[0][1]]
    columns, disaggregations = _columns(header)
    missing = [HEADERS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        raise ValueImportError(
            [
                f"缺少必需的列：{'、'.join(missing)}。第一行应为表头：指标、区划代码、期间、数值"
                f"（可加 分子、分母 和分组列）；现在的表头是：{'、'.join(h for h in header if h) or '空'}"
            ]
        )
    if len(rows) - 1 > MAX_ROWS:
        raise ValueImportError([f"一次最多导入 {MAX_ROWS} 行，请拆分文件"])
    catalogue = list(Indicator.objects.all())
    indicators = {i.code: i for i in catalogue} | {i.name: i for i in catalogue}
    codes = {_region_code(_cell(row, columns["region"])) for _number, row in rows[1:]}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    result = ParsedImport()
    seen: dict[tuple, int] = {}
    for number, row in rows[1:]:
        parsed = _row(number, row, columns, disaggregations, indicators, regions, access, result.problems)
        if parsed is None:
            continue
        key = (
            parsed["indicator"],
            parsed["region"].code,
            parsed["period"],
            tuple(sorted(parsed["disaggregation"].items())),
        )
        if key in seen:
            result.problems.add(number, "", f"与第 {seen[key]} 行重复（同一指标、区划、期间和分组）")
            continue
        seen[key] = number
        result.rows.append(parsed)
    return result


def _columns(header: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    columns: dict[str, int] = {}
    disaggregations: dict[str, int] = {}
    for index, name in enumerate(header):
        key = next((k for k, names in HEADERS.items() if name.lower() in names), None)
        if key is not None:
            columns.setdefault(key, index)
        elif name and name not in IGNORED:
            disaggregations[name] = index
    return columns, disaggregations


def _cell(row: list[Any], index: int) -> Any:
    value = row[index] if index < len(row) else None
    return value.strip() if isinstance(value, str) else value


def _region_code(raw: Any) -> str:
    text = str(raw or "").strip()
    if text.endswith(".0"):
        text = text[:-2]  # a code Excel stored as a number
    return text.ljust(12, "0") if text.isdigit() and len(text) in (2, 4, 6, 9) else text


def _number(raw: Any, label: str, number: int, errors: tables.RowErrors) -> tuple[bool, float | None]:
    try:
        value = tables.parse_number(raw)
    except ValueError:
        errors.add(number, label, f"{label}“{raw}”不是数字")
        return False, None
    if value is not None and value < 0 and label != "数值":
        errors.add(number, label, f"{label}不能为负数")
        return False, None
    return True, value


def _row(
    number: int,
    row: list[Any],
    columns: dict[str, int],
    disaggregations: dict[str, int],
    indicators: dict[str, Indicator],
    regions: dict[str, Region],
    access: Access,
    errors: tables.RowErrors,
) -> dict[str, Any] | None:
    before = len(errors)
    indicator = indicators.get(tables.cell_text(_cell(row, columns["indicator"])))
    if indicator is None:
        errors.add(number, "指标", f"指标“{_cell(row, columns['indicator']) or ''}”不在指标目录中")
    code = _region_code(_cell(row, columns["region"]))
    region = regions.get(code)
    if region is None:
        errors.add(number, "区划代码", f"区划代码“{code}”不存在")
    elif not access.manages_path(region.path):
        errors.add(number, "区划代码", f"{region.name}（{code}）不在您管理的区划范围内")
    period = str(_cell(row, columns["period"]) or "").removesuffix(".0")
    try:
        period = str(Period.parse(period))
    except ValueError as error:
        errors.add(number, "期间", str(error))
    ok_v, value = _number(_cell(row, columns["value"]), "数值", number, errors)
    ok_n, numerator = (
        _number(_cell(row, columns["numerator"]), "分子", number, errors)
        if "numerator" in columns
        else (True, None)
    )
    ok_d, denominator = (
        _number(_cell(row, columns["denominator"]), "分母", number, errors)
        if "denominator" in columns
        else (True, None)
    )
    if ok_v and ok_n and ok_d and value is None and (numerator is None or not denominator):
        errors.add(number, "数值", "数值为空（比率可只填分子和分母，分母不能为 0）")
    if len(errors) > before:
        return None
    assert indicator is not None and region is not None
    disaggregation = {
        name: tables.cell_text(_cell(row, index))
        for name, index in disaggregations.items()
        if _cell(row, index) not in (None, "")
    }
    return {
        "indicator": indicator.code,
        "region": region,
        "period": period,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "disaggregation": disaggregation,
    }

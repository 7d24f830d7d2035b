"""Reading a tidy value table (xlsx or CSV) and checking every row before anything is stored.

Columns: 指标 (code or name), 区划代码, 期间, 数值, optionally 分子 and 分母; any other column is a
disaggregation (级别, 性别 …) whose blank cells mean the total, as Open SDG's tidy files do.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from kesu.accounts.access import Access
from kesu.indicators.models import Indicator
from kesu.periods import Period
from kesu.regions.models import Region
from kesu.textcodec import decode_chinese_text

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


class ValueImportError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors[:3]))
        self.errors = errors


@dataclass
class ParsedImport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str) -> list[list[Any]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as error:
            raise ValueImportError(["无法打开该 Excel 文件，请确认是 .xlsx 格式且未加密"]) from error
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if name.endswith(".csv") or name.endswith(".txt"):
        return list(csv.reader(io.StringIO(_decode(data))))
    raise ValueImportError(["只支持 .xlsx 或 .csv 文件"])


def _decode(data: bytes) -> str:
    text = decode_chinese_text(data)
    if text is None:
        raise ValueImportError(["无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV"])
    return text


def parse_values(table: list[list[Any]], access: Access) -> ParsedImport:
    table = [row for row in table if any(c not in (None, "") for c in row)]
    if not table:
        raise ValueImportError(["文件是空的"])
    header = [str(c or "").strip() for c in table[0]]
    columns, disaggregations = _columns(header)
    missing = [HEADERS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        raise ValueImportError([f"缺少必需的列：{'、'.join(missing)}。第一行应为表头：指标、区划代码、期间、数值"
                            f"（可加 分子、分母 和分组列）；现在的表头是：{'、'.join(h for h in header if h) or '空'}"])
    if len(table) - 1 > MAX_ROWS:
        raise ValueImportError([f"一次最多导入 {MAX_ROWS} 行，请拆分文件"])
    indicators = {i.code: i for i in Indicator.objects.all()} | {i.name: i for i in Indicator.objects.all()}
    codes = {_region_code(_cell(row, columns["region"])) for row in table[1:]}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    result = ParsedImport()
    seen: dict[tuple, int] = {}
    for number, row in enumerate(table[1:], start=2):
        parsed = _row(number, row, columns, disaggregations, indicators, regions, access, result.errors)
        if parsed is None:
            continue
        key = (parsed["indicator"], parsed["region"].code, parsed["period"], tuple(sorted(parsed["disaggregation"].items())))
        if key in seen:
            result.errors.append(f"第 {number} 行：与第 {seen[key]} 行重复（同一指标、区划、期间和分组）")
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


def _number(raw: Any, label: str, number: int, errors: list[str]) -> tuple[bool, float | None]:
    if raw in (None, ""):
        return True, None
    if isinstance(raw, int | float):
        return True, float(raw)
    text = str(raw).replace(",", "").replace("，", "").strip().rstrip("%")
    try:
        return True, float(text)
    except ValueError:
        errors.append(f"第 {number} 行：{label}“{raw}”不是数字")
        return False, None


def _row(number: int, row: list[Any], columns: dict[str, int], disaggregations: dict[str, int],
         indicators: dict[str, Indicator], regions: dict[str, Region], access: Access,
         errors: list[str]) -> dict[str, Any] | None:
    before = len(errors)
    indicator = indicators.get(str(_cell(row, columns["indicator"]) or ""))
    if indicator is None:
        errors.append(f"第 {number} 行：指标“{_cell(row, columns['indicator']) or ''}”不在指标目录中")
    code = _region_code(_cell(row, columns["region"]))
    region = regions.get(code)
    if region is None:
        errors.append(f"第 {number} 行：区划代码“{code}”不存在")
    elif not access.manages_path(region.path):
        errors.append(f"第 {number} 行：{region.name}（{code}）不在您管理的区划范围内")
    period = str(_cell(row, columns["period"]) or "").removesuffix(".0")
    try:
        period = str(Period.parse(period))
    except ValueError as error:
        errors.append(f"第 {number} 行：{error}")
    ok_v, value = _number(_cell(row, columns["value"]), "数值", number, errors)
    ok_n, numerator = _number(_cell(row, columns["numerator"]), "分子", number, errors) if "numerator" in columns else (True, None)
    ok_d, denominator = _number(_cell(row, columns["denominator"]), "分母", number, errors) if "denominator" in columns else (True, None)
    if ok_v and ok_n and ok_d and value is None and (numerator is None or not denominator):
        errors.append(f"第 {number} 行：数值为空（比率可只填分子和分母，分母不能为 0）")
    if len(errors) > before:
        return None
    assert indicator is not None and region is not None
    disaggregation = {name: str(_cell(row, index)) for name, index in disaggregations.items()
                      if _cell(row, index) not in (None, "")}
    return {"indicator": indicator.code, "region": region, "period": period, "value": value,
            "numerator": numerator, "denominator": denominator, "disaggregation": disaggregation}

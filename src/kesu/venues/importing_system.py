"""Reading 流动科技馆 tour stops and 科普大篷车 trips from xlsx or CSV (Chinese headers), every row
checked before anything is stored.

A tour-stop row names its tour by exhibition and year (a tour of the importing region; one not yet
kept is made), the county by its 12- or 6-digit code or its name, and the dates and visitors; a
caravan row names the vehicle, date, region, place, activities and visitors. The whole file is
checked first (a county outside the region, an end before the start, a start outside the tour's
year, a negative or non-numeric count, a row twice); any problem means nothing is written, and each
is reported with its row and column. Registered as ``tour_stops`` and ``caravan_trips`` with
``kesu.core.registry_imports`` (``kesu import_registry caravan_trips FILE --region CODE``).
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kesu import tables
from kesu.core.registry_imports import ImportResult, RowError
from kesu.regions.models import Region, RegionLevel
from kesu.venues import actions_system as actions
from kesu.venues.actions_system import StopRow, TripRow
from kesu.venues.models import CaravanTrip, TourStop

MAX_ROWS = 5_000
LIMITS = tables.Limits(max_bytes=5 * tables.MB, max_rows=MAX_ROWS, max_columns=30)

# key → (header as in the template, aliases...)
STOP_HEADERS: dict[str, tuple[str, ...]] = {
    "exhibition": ("展览（展品套）", "展览", "展品套", "巡展名称"),
    "year": ("巡展年度", "年度"),
    "region": ("巡展县（市、区）", "县（市、区）", "区划代码", "区划"),
    "start_date": ("开始日期", "起始日期"),
    "end_date": ("结束日期", "截止日期"),
    "visitors": ("参观人次", "人次"),
}
STOP_OPTIONAL: dict[str, tuple[str, ...]] = {"venue": ("展出地点", "地点")}
STOP_EXAMPLE = [
    "“科技之光”流动科技馆",
    "2025",
    "410421000000",
    "宝丰县文化馆",
    "2025-05-06",
    "2025-05-20",
    "3200",
]

TRIP_HEADERS: dict[str, tuple[str, ...]] = {
    "vehicle": ("车辆", "大篷车"),
    "date": ("日期", "活动日期"),
    "region": ("所到区划", "区划代码", "区划"),
    "place": ("地点", "活动地点"),
    "visitors": ("受众人次", "人次"),
}
TRIP_OPTIONAL: dict[str, tuple[str, ...]] = {
    "activities": ("活动场次", "场次"),
    "note": ("活动内容", "内容"),
}
TRIP_EXAMPLE = [
    "平顶山市科普大篷车1号",
    "2025-06-12",
    "410423000000",
    "鲁山县第一高级中学",
    "420",
    "2",
    "科学实验秀",
]


# The template's columns, in the order of the examples above.
STOP_TEMPLATE = [
    "展览（展品套）",
    "巡展年度",
    "巡展县（市、区）",
    "展出地点",
    "开始日期",
    "结束日期",
    "参观人次",
]
TRIP_TEMPLATE = ["车辆", "日期", "所到区划", "地点", "受众人次", "活动场次", "活动内容"]


@dataclass
class Parsed:
    rows: list[Any] = field(default_factory=list)
    problems: tables.RowErrors = field(default_factory=tables.RowErrors)


class _Row(tables.SheetRow):
    """A stop or visit row; a problem reads “列名”问题, under the column header as found in the file."""

    quote_header = True

    def count(self, key: str, *, default: int | None = None) -> int:
        if not self.get(key) and default is not None:
            return default
        return self.whole(key, required=True) or 0

    def date(self, key: str) -> datetime.date | None:
        raw = self.get(key)
        if not raw:
            self.fail(key, "不能为空")
            return None
        value = parse_date(raw)
        if value is None:
            self.fail(key, f"“{raw}”不是日期，请写成 2025-05-06")
        elif not 2000 <= value.year <= 2100:
            self.fail(key, f"“{raw}”的年份不正确")
            return None
        return value


def parse_date(raw: str) -> datetime.date | None:
    """2025-05-06, 2025/5/6, 2025.5.6, 2025年5月6日, 20250506, or an xlsx date cell read as text."""
    text = raw.strip().split(" ")[0].split("T")[0]
    text = (
        text.replace("/", "-")
        .replace(".", "-")
        .replace("年", "-")
        .replace("月", "-")
        .rstrip("日")
        .rstrip("-")
    )
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match is None:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class _Regions:
    """The regions of the import's subtree a row may name: by 12-digit code, a county's 6-digit code,
    or a name that is not ambiguous; ``allowed`` says which levels the column takes."""

    def __init__(self, root: Region, levels: tuple[int, ...], what: str) -> None:
        self.root, self.levels, self.what = root, levels, what
        subtree = list(Region.objects.filter(path__startswith=root.path, level__in=levels))
        self.by_code = {r.code: r for r in subtree} | {
            r.code[:6]: r for r in subtree if r.code.endswith("000000")
        }
        self.by_name: dict[str, list[Region]] = {}
        for region in subtree:
            self.by_name.setdefault(region.name, []).append(region)

    def find(self, row: _Row, key: str) -> Region | None:
        text = row.get(key)
        if not text:
            row.fail(key, "不能为空")
            return None
        found = self.by_code.get(text)
        if found is None and text in self.by_name:
            matches = self.by_name[text]
            if len(matches) > 1:
                row.fail(key, f"“{text}”有重名，请填写 12 位区划代码")
                return None
            found = matches[0]
        if found is None:
            row.fail(key, f"“{text}”不是{self.root.name}下辖的{self.what}（请填写区划代码或名称）")
        return found


def _read(
    data: bytes,
    filename: str,
    required: Mapping[str, tuple[str, ...]],
    optional: Mapping[str, tuple[str, ...]],
    parse: Callable[[_Row], Any],
) -> Parsed:
    table = tables.read_table(data, filename, LIMITS)
    columns = tables.map_header(table.headers, required, optional)
    parsed = Parsed()
    names = {**required, **optional}
    for line, cells in zip(table.lines, table.rows, strict=True):
        row = _Row(line, cells, columns, table.headers, parsed.problems, names)
        item = parse(row)
        if item is not None and row.ok:
            parsed.rows.append(item)
    return parsed


def parse_stops(data: bytes, filename: str, region: Region) -> Parsed:
    """Every row of a tour-stop file checked (``tables.TableError`` for a file that cannot be read)."""
    counties = _Regions(region, (RegionLevel.COUNTY,), "县（市、区）")
    seen: dict[tuple[str, int, int, datetime.date], int] = {}

    def parse(row: _Row) -> StopRow | None:
        exhibition = row.text("exhibition", 200)
        year = _year(row)
        county = counties.find(row, "region")
        start, end = row.date("start_date"), row.date("end_date")
        visitors = row.count("visitors")
        venue = row.text("venue", 200, required=False)
        if start and end and end < start:
            row.fail("end_date", f"（{end:%Y-%m-%d}）早于开始日期（{start:%Y-%m-%d}）")
        if start and year and start.year != year:
            row.fail("start_date", f"（{start:%Y-%m-%d}）不在巡展年度 {year} 年内")
        if not row.ok or county is None or start is None or end is None or year is None:
            return None
        key = (exhibition, year, county.pk, start)
        if key in seen:
            row.fail("start_date", f"与第 {seen[key]} 行重复（同一巡展、县和开始日期）")
            return None
        seen[key] = row.line
        return StopRow(exhibition, year, county, start, end, visitors, venue)

    return _read(data, filename, STOP_HEADERS, STOP_OPTIONAL, parse)


def _year(row: _Row) -> int | None:
    raw = row.get("year").removesuffix("年")
    if not raw:
        row.fail("year", "不能为空")
        return None
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        row.fail("year", f"“{raw}”不是年份")
        return None
    return int(raw)


def parse_trips(data: bytes, filename: str, region: Region) -> Parsed:
    """Every row of a caravan file checked (``tables.TableError`` for a file that cannot be read)."""
    places = _Regions(region, (RegionLevel.CITY, RegionLevel.COUNTY), "市、县（市、区）")
    seen: dict[tuple[str, datetime.date, int, str], int] = {}
    limits = {"vehicle": 100, "place": 200, "note": 300}  # the model's field lengths

    def parse(row: _Row) -> TripRow | None:
        vehicle = row.text("vehicle", limits["vehicle"])
        day = row.date("date")
        where = places.find(row, "region")
        place = row.text("place", limits["place"])
        visitors = row.count("visitors")
        activities = row.count("activities", default=1)
        note = row.text("note", limits["note"], required=False)
        if not row.ok or day is None or where is None:
            return None
        key = (vehicle, day, where.pk, place)
        if key in seen:
            row.fail("date", f"与第 {seen[key]} 行重复（同一车辆、日期、区划和地点）")
            return None
        seen[key] = row.line
        return TripRow(where, vehicle, day, place, activities, visitors, note)

    return _read(data, filename, TRIP_HEADERS, TRIP_OPTIONAL, parse)


# ---- the registry import entry points (``kesu import_registry tour_stops FILE --region CODE``) ---


def _run(
    parse: Callable[[bytes, str, Region], Parsed],
    store: Callable[..., tuple[int, int]],
    count_new: Callable[[Region, list[Any]], int],
) -> Callable[..., ImportResult]:
    def run(actor: Any, region: Region, data: bytes, filename: str, *, dry_run: bool) -> ImportResult:
        """Check the file; store it all when nothing is wrong and not ``dry_run``, else store nothing."""
        if actor is not None and not actor.access.manages_path(region.path):
            return ImportResult(errors=[RowError(0, "", f"您不是{region.name}素质办，不能导入到该区划。")])
        try:
            parsed = parse(data, filename, region)
        except tables.TableError as error:
            return ImportResult(errors=[RowError(0, "", error.message)])
        if parsed.problems:
            return ImportResult(errors=[RowError(e.row, e.column, e.message) for e in parsed.problems.errors])
        if dry_run:
            new = count_new(region, parsed.rows)
            return ImportResult(created=new, updated=len(parsed.rows) - new)
        created, updated = store(actor, region, parsed.rows, filename=filename)
        return ImportResult(created=created, updated=updated)

    return run


def _new_stops(region: Region, rows: list[StopRow]) -> int:
    kept = set(
        TourStop.objects.filter(
            tour__region=region, tour__exhibition__in={r.exhibition for r in rows}
        ).values_list("tour__exhibition", "tour__year", "region_id", "start_date")
    )
    return sum(1 for r in rows if (r.exhibition, r.year, r.region.pk, r.start_date) not in kept)


def _new_trips(region: Region, rows: list[TripRow]) -> int:
    kept = set(
        CaravanTrip.objects.filter(
            region__path__startswith=region.path, vehicle__in={r.vehicle for r in rows}
        ).values_list("vehicle", "date", "region_id", "place")
    )
    return sum(1 for r in rows if (r.vehicle, r.date, r.region.pk, r.place) not in kept)


run_stop_import = _run(parse_stops, actions.import_tour_stops, _new_stops)
run_trip_import = _run(parse_trips, actions.import_caravan_trips, _new_trips)


def register() -> None:
    """Called from the venues app's ready (``ready_system``)."""
    from kesu.core.registry_imports import register_importer

    register_importer("tour_stops", "流动科技馆巡展站点", run_stop_import)
    register_importer("caravan_trips", "科普大篷车活动", run_trip_import)


# ---- templates ----------------------------------------------------------------------------------


def template_xlsx(sheet_name: str, headers: list[str], example: list[str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append(headers)
    sheet.append(example)
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stop_template() -> bytes:
    return template_xlsx("巡展站点", STOP_TEMPLATE, STOP_EXAMPLE)


def trip_template() -> bytes:
    return template_xlsx("大篷车活动", TRIP_TEMPLATE, TRIP_EXAMPLE)

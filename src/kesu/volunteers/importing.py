"""Reading the five uploads (volunteers, teams, service records, informant snapshots, grid posts).

Each ``check_*`` reads the whole file with ``kesu.tables`` and returns the rows to store, or every
problem with its row and column (then nothing is stored). The column names of the 科技志愿服务平台
and 全国志愿服务信息系统 exports are mapped as aliases, so their files import as they come.
The ``run_*`` functions are the ``kesu import_registry`` importers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kesu import tables
from kesu.core.personal import (
    id_number_error,
    id_number_hash,
    keyed_hash,
    mobile_error,
    normalise_id_number,
)
from kesu.core.registry_imports import ImportResult, RowError
from kesu.regions.models import Region
from kesu.volunteers import actions
from kesu.volunteers import hours as rules
from kesu.volunteers.models import (
    GridLevel,
    InformantSnapshot,
    Platform,
    ServiceActivity,
    Sex,
    Team,
    TeamLevel,
    Volunteer,
)

if TYPE_CHECKING:
    from kesu.accounts.models import User

LIMITS = tables.Limits(max_bytes=50 * tables.MB, max_rows=200_000, max_columns=60)

VOLUNTEER_COLUMNS = {
    "name": ("姓名", "志愿者姓名", "真实姓名"),
    "id_number": ("身份证号", "证件号码", "身份证号码", "公民身份号码"),
}
VOLUNTEER_OPTIONAL = {
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "联系方式"),
    "skills": ("服务技能", "专业特长", "技能特长", "志愿服务技能"),
    "employer": ("工作单位", "所在单位", "单位"),
    "teams": ("所属队伍", "所属组织", "所属团体", "队伍名称", "加入队伍"),
    "region": ("区划代码", "所在区划代码", "所属区划代码"),
    "platform": ("注册平台", "来源平台"),
    "platform_number": ("志愿者编号", "志愿者统一编号", "平台编号", "志愿者证号"),
    "registered_on": ("注册日期", "注册时间"),
}
TEAM_COLUMNS = {"name": ("队伍名称", "服务队名称", "组织名称"), "level": ("层级", "队伍层级")}
TEAM_OPTIONAL = {
    "parent": ("上级队伍",),
    "host": ("依托单位", "主管单位"),
    "leaders": ("队长", "负责人", "队长/副队长"),
    "founded_on": ("成立日期", "成立时间"),
    "platform_number": ("平台注册号", "组织编号"),
    "region": ("区划代码", "属地区划代码"),
}
RECORD_COLUMNS = {
    "activity": ("活动名称", "项目名称"),
    "start": ("活动开始日期", "开始日期"),
    "end": ("活动结束日期", "结束日期"),
    "id_number": ("身份证号", "证件号码", "志愿者身份证号"),
    "service_date": ("服务日期",),
}
RECORD_OPTIONAL = {
    "category": ("服务类别", "活动类别"),
    "sign_in": ("签到时间", "签到"),
    "sign_out": ("签退时间", "签退"),
    "hours": ("服务时长", "服务时长（小时）", "时长"),
}
SNAPSHOT_COLUMNS = {
    "region": ("区划代码", "地区代码"),
    "month": ("月份", "统计月份"),
    "registered": ("注册数", "注册信息员数", "累计注册数"),
    "active": ("月活数", "月活跃数", "月活信息员数"),
}
SNAPSHOT_OPTIONAL = {"shares": ("分享传播次数", "传播次数", "分享次数"), "explanation": ("说明", "备注")}
GRID_COLUMNS = {"grid": ("网格", "网格名称"), "region": ("区划代码",)}
GRID_OPTIONAL = {
    "level": ("网格层级", "层级"),
    "informant": ("科普员", "科普员姓名", "信息员姓名"),
    "phone": ("手机", "联系电话"),
    "role": ("身份", "角色"),
    "registered": ("已在科普中国注册", "是否注册", "已注册"),
}

SEX: dict[str, str] = {"男": Sex.MALE, "女": Sex.FEMALE, "": ""}
LEVEL: dict[str, str] = {str(label): value for value, label in TeamLevel.choices}
PLATFORM: dict[str, str] = {str(label): value for value, label in Platform.choices if value} | {"": ""}
YES = {"是", "已注册", "Y", "y", "1", "√"}


@dataclass
class Checked:
    rows: list[Any]
    errors: tables.RowErrors


class Reader:
    """One row's cells by field key, with the header as written for the error's column."""

    def __init__(self, table: tables.Table, columns: dict[str, int], errors: tables.RowErrors) -> None:
        self.table, self.columns, self.errors = table, columns, errors
        self.line = 0
        self.row: list[str] = []

    def at(self, index: int) -> Reader:
        self.row, self.line = self.table.rows[index], self.table.lines[index]
        return self

    def text(self, key: str) -> str:
        return self.row[self.columns[key]].strip() if key in self.columns else ""

    def header(self, key: str) -> str:
        return self.table.headers[self.columns[key]] if key in self.columns else ""

    def fail(self, key: str, message: str) -> None:
        header = self.header(key)
        self.errors.add(self.line, header, f"{header}：{message}" if header else message)

    def date(self, key: str, *, required: bool = False) -> date | None:
        raw = self.text(key)
        if not raw:
            if required:
                self.fail(key, "不能为空")
            return None
        parsed = parse_date(raw)
        if parsed is None:
            self.fail(key, f"“{raw}”不是日期，应写作 2025-03-05")
        return parsed

    def moment(self, key: str) -> datetime | None:
        raw = self.text(key)
        if not raw:
            return None
        for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"):
            try:
                return datetime.strptime(raw, pattern)
            except ValueError:
                continue
        self.fail(key, f"“{raw}”不是时间，应写作 2025-03-05 09:30")
        return None

    def count(self, key: str) -> int | None:
        raw = self.text(key)
        try:
            value = tables.parse_number(raw)
        except ValueError:
            value = -1.5
        if value is None:
            if key in ("registered", "active"):
                self.fail(key, "不能为空")
                return None
            return 0
        if value < 0 or not float(value).is_integer():
            self.fail(key, f"“{raw}”应为不小于 0 的整数")
            return None
        return int(value)


def parse_date(raw: str) -> date | None:
    text = (
        raw.strip()
        .split(" ")[0]
        .replace("/", "-")
        .replace(".", "-")
        .replace("年", "-")
        .replace("月", "-")
        .rstrip("日")
        .rstrip("-")
    )
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        parts = [int(part) for part in text.split("-")]
        return date(parts[0], parts[1], parts[2]) if len(parts) == 3 else None
    except (ValueError, IndexError):
        return None


def parse_month(raw: str) -> date | None:
    text = raw.strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "").rstrip("-")
    match = re.fullmatch(r"(\d{4})-?(\d{1,2})(?:-\d{1,2})?", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


class Regions:
    """Region codes of the import's subtree: 12 digits, or 6 (a county) / 9 (a town) padded with zeros."""

    def __init__(self, root: Region) -> None:
        self.root = root
        self.by_code = {r.code: r for r in Region.objects.filter(path__startswith=root.path)}

    def find(self, raw: str) -> Region | None:
        if not raw:
            return self.root
        code = raw.strip().ljust(12, "0") if raw.strip().isdigit() else raw
        return self.by_code.get(code)


def _read(
    data: bytes, filename: str, wanted: dict[str, tuple[str, ...]], optional: dict[str, tuple[str, ...]]
) -> tuple[tables.Table, dict[str, int]]:
    table = tables.read_table(data, filename, LIMITS)
    return table, tables.map_header(table.headers, wanted, optional)


def _region(read: Reader, regions: Regions) -> Region | None:
    found = regions.find(read.text("region"))
    if found is None:
        read.fail("region", f"区划代码“{read.text('region')}”不存在或不在{regions.root.name}范围内")
    return found


# ---- volunteers ------------------------------------------------------------------------------------------


def check_volunteers(data: bytes, filename: str, region: Region) -> Checked:
    """Streamed: each row is checked as it is read, only the checked rows are kept (no table of cells)."""
    errors = tables.RowErrors()
    regions = Regions(region)
    teams = _teams_by_name(region)
    seen: dict[str, int] = {}
    rows: list[actions.VolunteerRow] = []
    read: Reader | None = None
    present: frozenset[str] = frozenset()
    for number, cells in tables.iter_rows(data, filename, LIMITS):
        if read is None:
            headers = _header(cells)
            columns = tables.map_header(headers, VOLUNTEER_COLUMNS, VOLUNTEER_OPTIONAL)
            read, present = Reader(tables.Table(headers, [], []), columns, errors), _present(columns)
            continue
        texts = [tables.cell_text(c) for c in cells]
        if not any(texts):
            continue
        read.row, read.line = (texts + [""] * len(read.table.headers))[: len(read.table.headers)], number
        row = _volunteer_row(read, regions, teams, seen, present)
        if row is not None:
            rows.append(row)
    if read is None:
        raise tables.TableError("文件是空的，或第一行没有列名。")
    if not rows and not errors:
        raise tables.TableError("文件只有列名，没有数据行。")
    return Checked(rows, errors)


def _header(cells: list[Any]) -> list[str]:
    texts = [tables.cell_text(c) for c in cells]
    if not any(texts):
        raise tables.TableError("文件是空的，或第一行没有列名。")
    while texts and not texts[-1]:
        texts.pop()  # xlsx rows are as wide as the sheet: blank header cells at the end are no columns
    return texts


def _teams_by_name(region: Region) -> dict[str, int]:
    """Teams of the region, its subtree and the regions above (a county's volunteer may join the city's 支队)."""
    teams = Team.objects.filter(region__path__startswith=region.path) | Team.objects.filter(
        region__in=region.ancestors()
    )
    return dict(teams.values_list("name", "pk"))


def _volunteer_row(
    read: Reader, regions: Regions, teams: dict[str, int], seen: dict[str, int], present: frozenset[str]
) -> actions.VolunteerRow | None:
    before = len(read.errors)
    name, number = read.text("name"), normalise_id_number(read.text("id_number"))
    if not name:
        read.fail("name", "不能为空")
    problem = id_number_error(number)
    id_hash = ""
    if problem:
        read.fail("id_number", problem)
    else:
        id_hash = keyed_hash("id_number", number)  # what id_number_hash gives, without normalising again
        if id_hash in seen:
            read.fail("id_number", f"与第 {seen[id_hash]} 行是同一身份证号，同一人只能登记一次")
        seen.setdefault(id_hash, read.line)
    sex = read.text("sex")
    if sex not in SEX:
        read.fail("sex", f"“{sex}”应为 男 或 女")
    phone = read.text("phone")
    if phone and mobile_error(phone):
        read.fail("phone", mobile_error(phone) or "")
    platform = read.text("platform")
    if platform not in PLATFORM:
        read.fail("platform", f"“{platform}”应为 {'、'.join(k for k in PLATFORM if k)} 之一")
    team_ids = []
    for team_name in re.split(r"[、,，;；]", read.text("teams")):
        if team_name.strip():
            if team_name.strip() not in teams:
                read.fail("teams", f"没有名为“{team_name.strip()}”的队伍，请先导入或新建该队伍")
            else:
                team_ids.append(teams[team_name.strip()])
    place = _region(read, regions)
    birth, registered_on = read.date("birth_date"), read.date("registered_on")
    if len(read.errors) > before or place is None:
        return None
    return actions.VolunteerRow(
        line=read.line,
        name=name,
        id_number=number,
        id_hash=id_hash,
        region=place,
        sex=SEX[sex],
        birth_date=birth or date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        phone=phone,
        skills=read.text("skills")[:200],
        employer=read.text("employer")[:120],
        platform=PLATFORM[platform] or (Platform.KEJI if read.text("platform_number") else ""),
        platform_number=read.text("platform_number")[:60],
        registered_on=registered_on,
        team_ids=team_ids,
        present=present,
    )


def _present(columns: dict[str, int]) -> frozenset[str]:
    fields = {"name"} | {
        key for key in ("sex", "phone", "skills", "employer", "platform_number") if key in columns
    }
    fields |= {"birth_date"} if "birth_date" in columns else set()
    fields |= {"platform"} if "platform" in columns or "platform_number" in columns else set()
    fields |= {"region_id"} if "region" in columns else set()
    return frozenset(fields)


# ---- teams -------------------------------------------------------------------------------------------------


def check_teams(data: bytes, filename: str, region: Region) -> Checked:
    table, columns = _read(data, filename, TEAM_COLUMNS, TEAM_OPTIONAL)
    errors = tables.RowErrors()
    regions = Regions(region)
    known = set(_teams_by_name(region))
    in_file = {row[columns["name"]].strip() for row in table.rows}
    rows: list[actions.TeamRow] = []
    read = Reader(table, columns, errors)
    names: dict[str, int] = {}
    for index in range(len(table.rows)):
        read.at(index)
        before = len(errors)
        name, level, parent = read.text("name"), read.text("level"), read.text("parent")
        if not name:
            read.fail("name", "不能为空")
        elif name in names:
            read.fail("name", f"与第 {names[name]} 行重名")
        names.setdefault(name, read.line)
        if level not in LEVEL:
            read.fail("level", f"“{level}”应为 总队、支队、大队 或 分队")
        if parent and parent not in known | in_file:
            read.fail("parent", f"没有名为“{parent}”的队伍")
        if parent and parent == name:
            read.fail("parent", "上级队伍不能是本队")
        place = _region(read, regions)
        founded = read.date("founded_on")
        if len(errors) == before and place is not None:
            rows.append(
                actions.TeamRow(
                    read.line,
                    name[:120],
                    place,
                    LEVEL[level],
                    parent,
                    read.text("host")[:120],
                    read.text("leaders")[:120],
                    founded,
                    read.text("platform_number")[:60],
                )
            )
    return Checked(rows, errors)


# ---- service records -------------------------------------------------------------------------------------


def check_records(data: bytes, filename: str, region: Region) -> Checked:
    table, columns = _read(data, filename, RECORD_COLUMNS, RECORD_OPTIONAL)
    errors = tables.RowErrors()
    read = Reader(table, columns, errors)
    parsed = []
    for index in range(len(table.rows)):
        read.at(index)
        item = _record_cells(read)
        if item is not None:
            parsed.append(item)
    hashes = {item["hash"] for item in parsed}
    volunteers = dict(
        Volunteer.objects.filter(id_hash__in=hashes, region__path__startswith=region.path).values_list(
            "id_hash", "pk"
        )
    )
    day_totals: dict[tuple[int, date], Decimal] = {}
    rows = []
    for item in parsed:
        if item["hash"] not in volunteers:
            errors.add(
                item["line"],
                item["id_header"],
                f"{item['id_header']}：本区划没有登记此身份证号的志愿者，请先导入志愿者",
            )
            continue
        volunteer_id = volunteers[item["hash"]]
        key = (volunteer_id, item["service_date"])
        day_totals[key] = day_totals.get(key, Decimal(0)) + item["raw"]
        if day_totals[key] > rules.DAY:
            errors.add(
                item["line"],
                item["hours_header"],
                f"{item['hours_header']}：该志愿者 {item['service_date']} 当天合计超过 24 小时",
            )
            continue
        rows.append((item, volunteer_id))
    if errors:
        return Checked([], errors)
    return Checked(_record_rows(region, rows), errors)


def _record_cells(read: Reader) -> dict[str, Any] | None:
    before = len(read.errors)
    name = read.text("activity")
    if not name:
        read.fail("activity", "不能为空")
    start, end = read.date("start", required=True), read.date("end", required=True)
    day = read.date("service_date", required=True)
    if start and end and end < start:
        read.fail("end", "结束日期早于开始日期")
    elif start and end and day and not start <= day <= end:
        read.fail("service_date", f"{day} 不在活动日期（{start} 至 {end}）之内")
    problem = id_number_error(read.text("id_number"))
    if problem:
        read.fail("id_number", problem)
    sign_in, sign_out = read.moment("sign_in"), read.moment("sign_out")
    declared = None
    if read.text("hours"):
        try:
            declared = Decimal(read.text("hours").replace(",", ""))
        except InvalidOperation:
            read.fail("hours", f"“{read.text('hours')}”不是数字")
    raw = None
    if len(read.errors) == before:
        try:
            raw = rules.raw_hours(sign_in, sign_out, declared)
        except rules.HoursError as error:
            read.fail(
                "hours" if declared is not None or "hours" in read.columns else "sign_out", error.message
            )
    if len(read.errors) > before or raw is None:
        return None
    return {
        "line": read.line,
        "activity": name[:200],
        "start": start,
        "end": end,
        "category": read.text("category")[:40],
        "hash": id_number_hash(read.text("id_number")),
        "service_date": day,
        "raw": raw,
        "sign_in": sign_in,
        "sign_out": sign_out,
        "declared": declared,
        "id_header": read.header("id_number"),
        "hours_header": read.header("hours") or read.header("sign_out") or "服务时长",
    }


def _record_rows(region: Region, rows: list[tuple[dict[str, Any], int]]) -> list[actions.RecordRow]:
    """Activities are matched by (name, start date) in the region, or made (unsaved until the store)."""
    known = {(a.name, a.start_date): a for a in ServiceActivity.objects.filter(region=region)}
    result = []
    for item, volunteer_id in rows:
        key = (item["activity"], item["start"])
        if key not in known:
            known[key] = ServiceActivity(
                region=region,
                name=item["activity"],
                start_date=item["start"],
                end_date=item["end"],
                category=item["category"],
            )
        result.append(
            actions.RecordRow(
                item["line"],
                known[key],
                volunteer_id,
                item["service_date"],
                item["raw"],
                item["sign_in"],
                item["sign_out"],
                item["declared"],
            )
        )
    return result


# ---- informant snapshots ---------------------------------------------------------------------------------


def check_snapshots(data: bytes, filename: str, region: Region) -> Checked:
    table, columns = _read(data, filename, SNAPSHOT_COLUMNS, SNAPSHOT_OPTIONAL)
    errors = tables.RowErrors()
    read = Reader(table, columns, errors)
    regions = Regions(region)
    rows: list[actions.SnapshotRow] = []
    seen: dict[tuple[str, date], int] = {}
    for index in range(len(table.rows)):
        read.at(index)
        before = len(errors)
        code = read.text("region")
        place = regions.find(code) if code else None
        if place is None:
            read.fail("region", f"区划代码“{code}”不存在或不在{region.name}范围内")
        month = parse_month(read.text("month"))
        if month is None:
            read.fail("month", f"“{read.text('month')}”不是月份，应写作 2025-03")
        registered, active, shares = read.count("registered"), read.count("active"), read.count("shares")
        if place and month:
            if (place.code, month) in seen:
                read.fail("month", f"与第 {seen[(place.code, month)]} 行是同一区划同一月份")
            seen.setdefault((place.code, month), read.line)
        if registered is not None and active is not None and active > registered:
            read.fail("active", f"月活数 {active} 大于注册数 {registered}")
        if len(errors) == before and place and month and registered is not None and active is not None:
            rows.append(
                actions.SnapshotRow(
                    read.line, place, month, registered, active, shares or 0, read.text("explanation")[:300]
                )
            )
    _check_series(rows, Reader(table, columns, errors))
    return Checked(rows if not errors else [], errors)


def _check_series(rows: list[actions.SnapshotRow], read: Reader) -> None:
    """A fall without explanation, a count above the 18—69 population; growth without activity is flagged."""
    earlier = {
        (s.region_id, s.month): s
        for s in InformantSnapshot.objects.filter(region__in={r.region for r in rows})
    }
    series = {(r.region.pk, r.month): r for r in rows}
    adults: dict[tuple[int, int], float | None] = {}
    for row in sorted(rows, key=lambda r: (r.region.code, r.month)):
        previous_month = date(row.month.year - (row.month.month == 1), (row.month.month - 2) % 12 + 1, 1)
        prev = series.get((row.region.pk, previous_month)) or earlier.get((row.region.pk, previous_month))
        header = read.table.headers[read.columns["registered"]]
        if prev is not None:
            if row.registered < prev.registered and not row.explanation:
                read.errors.add(
                    row.line,
                    header,
                    f"{header}：比上月减少 {prev.registered - row.registered}，累计数下降须在“说明”列写明原因",
                )
            row.flag = rules.growth_flag(
                prev.registered, row.registered, prev.monthly_active, row.monthly_active
            )
        key = (row.region.pk, row.month.year)
        if key not in adults:
            adults[key] = _adult_population(row.region, row.month.year)
        adult = adults[key]
        if adult and row.registered > adult:
            read.errors.add(
                row.line, header, f"{header}：{row.registered} 超过该区划 18—69 岁常住人口 {adult:g}，请核对"
            )


def _adult_population(region: Region, year: int) -> float | None:
    from kesu.indicators.models import IndicatorValue

    value = (
        IndicatorValue.objects.filter(
            indicator__code="adult_population", region=region, period__lte=str(year), disaggregation_key=""
        )
        .filter(period__regex=r"^\d{4}$")
        .order_by("-period")
        .values_list("value", flat=True)
        .first()
    )
    return float(value) if value is not None else None


# ---- grid posts ----------------------------------------------------------------------------------------------


def check_grid_posts(data: bytes, filename: str, region: Region) -> Checked:
    table, columns = _read(data, filename, GRID_COLUMNS, GRID_OPTIONAL)
    errors = tables.RowErrors()
    read = Reader(table, columns, errors)
    regions = Regions(region)
    rows: list[actions.GridRow] = []
    seen: dict[tuple[int, str], int] = {}
    levels = {
        "一级": GridLevel.FIRST,
        "二级": GridLevel.SECOND,
        "1": GridLevel.FIRST,
        "2": GridLevel.SECOND,
        "": GridLevel.FIRST,
    }
    for index in range(len(table.rows)):
        read.at(index)
        before = len(errors)
        grid = read.text("grid")
        if not grid:
            read.fail("grid", "不能为空")
        place = _region(read, regions)
        level = read.text("level")
        if level not in levels:
            read.fail("level", f"“{level}”应为 一级 或 二级")
        phone = read.text("phone")
        if phone and mobile_error(phone):
            read.fail("phone", mobile_error(phone) or "")
        if place and grid:
            if (place.pk, grid) in seen:
                read.fail("grid", f"与第 {seen[(place.pk, grid)]} 行重复")
            seen.setdefault((place.pk, grid), read.line)
        if len(errors) == before and place:
            rows.append(
                actions.GridRow(
                    read.line,
                    place,
                    grid[:120],
                    levels[level],
                    read.text("informant")[:60],
                    phone,
                    read.text("role")[:40],
                    read.text("registered") in YES,
                )
            )
    return Checked(rows, errors)


# ---- the kesu import_registry importers ------------------------------------------------------------------------


Store = Callable[["User | None", Region, list[Any], str, bytes], tuple[int, int]]


def _store_volunteers(
    actor: User | None, region: Region, rows: list[Any], filename: str, data: bytes
) -> tuple[int, int]:
    run = actions.import_volunteers(actor, region, rows, filename=filename)
    return run.new_count, run.changed_count + run.unchanged_count


def _store_teams(
    actor: User | None, region: Region, rows: list[Any], filename: str, data: bytes
) -> tuple[int, int]:
    return actions.import_teams(actor, region, rows, filename=filename)


def _store_records(
    actor: User | None, region: Region, rows: list[Any], filename: str, data: bytes
) -> tuple[int, int]:
    return actions.import_records(actor, region, rows, filename=filename)


def _store_snapshots(
    actor: User | None, region: Region, rows: list[Any], filename: str, data: bytes
) -> tuple[int, int]:
    return actions.import_snapshots(actor, region, rows, filename=filename, data=data)


def _store_grids(
    actor: User | None, region: Region, rows: list[Any], filename: str, data: bytes
) -> tuple[int, int]:
    return actions.import_grid_posts(actor, region, rows, filename=filename)


KINDS: dict[str, tuple[str, Callable[[bytes, str, Region], Checked], Store]] = {
    "volunteers": ("科技志愿者", check_volunteers, _store_volunteers),
    "teams": ("科技志愿服务队", check_teams, _store_teams),
    "service_records": ("志愿服务记录", check_records, _store_records),
    "informants": ("科普中国信息员月度数据", check_snapshots, _store_snapshots),
    "grid_posts": ("网格科普员", check_grid_posts, _store_grids),
}


def check(kind: str, data: bytes, filename: str, region: Region) -> Checked:
    """The file checked; an unreadable file or a broken limit is one problem on row 1."""
    try:
        return KINDS[kind][1](data, filename, region)
    except tables.TableError as error:
        errors = tables.RowErrors()
        errors.add(1, "", error.message)
        return Checked([], errors)


def run(
    kind: str, actor: User | None, region: Region, data: bytes, filename: str, *, dry_run: bool
) -> ImportResult:
    checked = check(kind, data, filename, region)
    if checked.errors:
        return ImportResult(errors=[RowError(e.row, e.column, e.message) for e in checked.errors.errors])
    if dry_run:
        return ImportResult(created=len(checked.rows))
    created, updated = KINDS[kind][2](actor, region, checked.rows, filename, data)
    return ImportResult(created=created, updated=updated)


def importer_for(kind: str) -> Callable[..., ImportResult]:
    def importer(
        actor: User | None, region: Region, data: bytes, filename: str, *, dry_run: bool
    ) -> ImportResult:
        return run(kind, actor, region, data, filename, dry_run=dry_run)

    return importer


def register_importers() -> None:
    from kesu.core.registry_imports import register_importer

    for kind, (label, _check, _store) in KINDS.items():
        register_importer(kind, label, importer_for(kind))


# ---- templates ------------------------------------------------------------------------------------------------

TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "volunteers": (
        [
            "姓名",
            "身份证号",
            "性别",
            "手机",
            "服务技能",
            "工作单位",
            "所属队伍",
            "区划代码",
            "志愿者编号",
            "注册日期",
        ],
        [
            "张三",
            "410402199001011234",
            "男",
            "13812345678",
            "科普讲解",
            "市科技馆",
            "平顶山市科技志愿服务支队",
            "410402",
            "",
            "2025-03-01",
        ],
    ),
    "teams": (
        ["队伍名称", "层级", "上级队伍", "依托单位", "区划代码", "队长", "成立日期", "平台注册号"],
        ["平顶山市科技志愿服务支队", "支队", "", "市科协", "", "李四", "2021-03-05", ""],
    ),
    "service_records": (
        [
            "活动名称",
            "活动开始日期",
            "活动结束日期",
            "服务类别",
            "身份证号",
            "服务日期",
            "签到时间",
            "签退时间",
            "服务时长",
        ],
        [
            "科技活动周进社区",
            "2025-05-20",
            "2025-05-21",
            "科技咨询",
            "410402199001011234",
            "2025-05-20",
            "2025-05-20 09:00",
            "2025-05-20 11:30",
            "",
        ],
    ),
    "informants": (
        ["区划代码", "月份", "注册数", "月活数", "分享传播次数", "说明"],
        ["410402", "2025-03", "12000", "3100", "45000", ""],
    ),
    "grid_posts": (
        ["区划代码", "网格名称", "网格层级", "科普员姓名", "手机", "身份", "已在科普中国注册"],
        ["410402", "光明路社区", "一级", "王五", "13912345678", "网格员", "是"],
    ),
}

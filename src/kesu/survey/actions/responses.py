"""Import of paper and CAPI questionnaires, validated in full and written all at once."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from kesu import tables
from kesu.core import audit, dbstats, uploads
from kesu.core.jobs import Progress
from kesu.survey import sheets
from kesu.survey.actions._common import MAX_ERRORS, SurveyError, _fail_if
from kesu.survey.actions.questionnaire import check_profile
from kesu.survey.columns import RESPONSE_LIMITS, Columns, Memo, read_columns
from kesu.survey.models import (
    FrameUnit,
    Item,
    ItemType,
    Respondent,
    RespondentStatus,
    Source,
    Wave,
    new_codes,
)
from kesu.survey.tables import TableError

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job


RESPONSE_COLUMNS: dict[str, Sequence[str]] = {
    "id": ("受访者编号", "respondent_id"),
    "stratum": ("层", "stratum"),
    "psu": ("初级抽样单元", "PSU", "psu"),
    "sex": ("性别", "sex"),
    "age": ("年龄", "age"),
    "education": ("文化程度", "education"),
    "urban_rural": ("城乡", "urban_rural"),
    "occupation": ("职业", "occupation"),
}


def _option_of(item: Item, text: str) -> str | None:
    """An option given by its text or its letter (A, B, …)."""
    if text in item.options:
        return text
    letter = text.upper()
    if len(letter) == 1 and "A" <= letter <= "Z" and ord(letter) - 65 < len(item.options):
        return str(item.options[ord(letter) - 65])
    return None


RESPONSES_JOB = "survey_responses_import"


def start_responses_import(actor: User, wave: Wave, data: bytes, filename: str) -> Job:
    """A large questionnaire file, held for a background job (``job_kinds.import_response_file``)."""
    title = f"导入问卷：{wave.title}（{filename}）"
    return uploads.start_import(
        actor, RESPONSES_JOB, title, region=wave.region, data=data, filename=filename, wave_id=wave.pk
    )


@transaction.atomic
def import_responses(
    actor: User | None, wave: Wave, data: bytes, filename: str, progress: Progress | None = None
) -> int:
    """Completed paper or CAPI questionnaires: validated in full, then written all at once.

    The file is read and checked column by column (a province's wave is 100,000 rows × 50 items), and
    each respondent's answers are stored as one sheet of bit masks (``Respondent.sheet``), not one row
    per answer. ``progress`` (a background job's) hears when the file is read and when rows are written.
    """
    report = progress or (lambda _p, _m: None)
    table = _read_columns(data, filename)
    report(30, f"已读取 {table.n_rows} 行，正在检查")
    items = sheet_items(wave.instrument)
    wanted = dict(RESPONSE_COLUMNS) | {f"item:{i.pk}": (i.code,) for i in items}
    try:
        col = tables.map_header(table.headers, wanted)
    except TableError as error:
        raise SurveyError(error.message) from error
    checked = _check(wave, table, col, items)
    report(60, f"检查通过，正在写入 {table.n_rows} 份问卷")
    count = _write(wave, table, col, checked)
    dbstats.analyse_after_commit(count, Respondent)
    audit.record(
        actor,
        "survey.responses_import",
        wave,
        region=wave.region,
        after={"respondents": count, "file": filename},
    )
    report(95, f"已写入 {count} 份问卷")
    return count


def sheet_items(instrument: Any) -> list[Item]:
    """The items in the order of a sheet's masks (fixed: an instrument's items never change)."""
    return list(instrument.items.order_by("order", "pk"))


def _read_columns(data: bytes, filename: str) -> Columns:
    try:
        return read_columns(data, filename, RESPONSE_LIMITS)
    except TableError as error:
        raise SurveyError(error.message) from error


@dataclass
class _Checked:
    """What the checks found per row: the frame unit, the profile, the source and the sheet."""

    units: list[FrameUnit | None]
    profiles: list[dict[str, Any]]
    sources: list[str]
    sheets: list[str]  # JSON text


class _Problems:
    """Problems by row. Only the first few of each check are kept (enough for the first rows shown)."""

    def __init__(self, lines: list[int]) -> None:
        self.lines = lines
        self.kept: list[tuple[int, int, str]] = []
        self.total = 0

    def add(self, row: int, order: int, message: str, seen: int) -> None:
        self.total += 1
        if seen < MAX_ERRORS:
            self.kept.append((row, order, message))

    def raise_if_any(self) -> None:
        if self.total:
            self.kept.sort()
            _fail_if(
                [f"第 {self.lines[row]} 行：{message}" for row, _order, message in self.kept], self.total
            )


def _check(wave: Wave, table: Columns, col: dict[str, int], items: list[Item]) -> _Checked:
    problems = _Problems(table.lines)
    _check_ids(wave, table.columns[col["id"]], problems)
    units = _check_units(wave, table.columns[col["stratum"]], table.columns[col["psu"]], problems)
    profiles = _check_profiles(wave, [table.columns[col[k]] for k in PROFILE_FIELDS], problems)
    masks = [
        _check_answers(item, j, table.columns[col[f"item:{item.pk}"]], problems)
        for j, item in enumerate(items)
    ]
    problems.raise_if_any()
    source_col = table.column(("来源", "source"))
    sources = (
        [
            Source.CAPI.value if s.lower() in ("capi", "面访") else Source.PAPER.value
            for s in table.columns[source_col]
        ]
        if source_col is not None
        else [Source.PAPER.value] * table.n_rows
    )
    return _Checked(units, profiles, sources, _sheet_texts(masks, table.n_rows))


def _sheet_texts(masks: list[list[int]], n_rows: int) -> list[str]:
    """Each row's sheet as JSON text, built column-wise (each distinct mask turned into text once)."""
    texts = [list(map({m: str(m) for m in set(column)}.__getitem__, column)) for column in masks]
    return ["[" + ",".join(row) + "]" for row in zip(*texts, strict=True)] if texts else ["[]"] * n_rows


def _check_ids(wave: Wave, ids: list[str], problems: _Problems) -> None:
    existing = set(wave.respondents.exclude(external_id="").values_list("external_id", flat=True))
    counts = Counter(ids)
    if len(counts) == len(ids) and "" not in counts and existing.isdisjoint(counts):
        return  # every id given, once, and new: nothing to name
    seen = 0
    for row, rid in enumerate(ids):
        if not rid:
            problem = "受访者编号为空"
        elif counts[rid] > 1:
            problem = f"受访者编号“{rid}”在文件中出现 {counts[rid]} 次"
        elif rid in existing:
            problem = f"受访者编号“{rid}”已经导入过（重复数据）"
        else:
            continue
        problems.add(row, 0, problem, seen)
        seen += 1


def _check_units(
    wave: Wave, strata: list[str], psus: list[str], problems: _Problems
) -> list[FrameUnit | None]:
    by_key = {(u.stratum, u.psu): u for u in wave.frame.all()}
    units = [by_key.get(key) for key in zip(strata, psus, strict=True)]
    if None not in units:
        return units
    seen = 0
    for row, unit in enumerate(units):
        if unit is None:
            problems.add(row, 1, f"层“{strata[row]}”/PSU“{psus[row]}”不在抽样框中", seen)
            seen += 1
    return units


PROFILE_FIELDS = ("sex", "age", "education", "urban_rural", "occupation")
PROFILE_COLUMNS = ("sex", "age", "age_group", "education", "urban_rural", "occupation", "key_group")


def _check_profiles(wave: Wave, columns: list[list[str]], problems: _Problems) -> list[dict[str, Any]]:
    """Each row's profile by the questionnaire's own rules, checked once per distinct combination."""
    memo: dict[tuple[str, ...], dict[str, Any] | str] = {}
    profiles: list[dict[str, Any]] = []
    seen = 0
    for row, values in enumerate(zip(*columns, strict=True)):
        found = memo.get(values)
        if found is None:
            found = memo[values] = _profile(wave, values)
        if isinstance(found, str):
            problems.add(row, 2, found, seen)
            seen += 1
            profiles.append({})
        else:
            profiles.append(found)
    return profiles


def _profile(wave: Wave, values: tuple[str, ...]) -> dict[str, Any] | str:
    data = dict(zip(PROFILE_FIELDS, values, strict=True))
    try:
        float(data["age"])
    except ValueError:
        return f"“年龄”列的“{data['age']}”不是数字"
    try:
        return check_profile(wave, data)
    except SurveyError as error:
        return error.message.replace("请选择", "缺少或无法识别").replace("请填写", "缺少")


def _check_answers(item: Item, order: int, cells: list[str], problems: _Problems) -> list[int]:
    """The masks of one item's column; the text of each distinct answer is read once."""
    memo = Memo(partial(_mask_of_cell, item))
    masks = list(map(memo.__getitem__, cells))
    if -1 in memo.values():
        seen = 0
        for row, mask in enumerate(masks):
            if mask < 0:
                problems.add(row, 3 + order, f"题目 {item.code} 的回答“{cells[row]}”不是该题的选项", seen)
                seen += 1
    return masks


def _mask_of_cell(item: Item, cell: str) -> int:
    """The mask of a cell (option texts or letters joined by |), or -1 when it is no answer to this item."""
    chosen = [_option_of(item, part.strip()) for part in cell.split("|") if part.strip()]
    if None in chosen or (item.type != ItemType.MULTIPLE and len(chosen) > 1):
        return -1
    return sheets.mask_of(item.options, "|".join(c for c in chosen if c))


def _write(wave: Wave, table: Columns, col: dict[str, int], checked: _Checked) -> int:
    """All rows at once: COPY on PostgreSQL, large batched INSERTs elsewhere."""
    now = timezone.now()
    ids = [rid[:60] for rid in table.columns[col["id"]]]
    codes = new_codes(len(ids))
    if connection.vendor == "postgresql":
        return _copy(wave, now, codes, ids, checked)
    rows = zip(codes, ids, checked.sources, checked.units, checked.profiles, checked.sheets, strict=True)
    Respondent.objects.bulk_create(
        [
            Respondent(
                wave=wave,
                code=code,
                external_id=rid,
                source=source,
                status=RespondentStatus.COMPLETE,
                unit=unit,
                started_at=now,
                submitted_at=now,
                sheet=json.loads(sheet),
                **profile,
            )
            for code, rid, source, unit, profile, sheet in rows
        ],
        batch_size=2000,
    )
    return len(ids)


_COPY_COLUMNS = (
    "wave_id",
    "status",
    "started_at",
    "submitted_at",
    "code",
    "external_id",
    "source",
    "unit_id",
    *PROFILE_COLUMNS,
    "sheet",
)
# COPY's text format: a backslash, tab, newline or carriage return inside a value is escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_CHUNK = 10_000


def _copy(wave: Wave, now: Any, codes: list[str], ids: list[str], checked: _Checked) -> int:
    """The rows as COPY text, built column-wise (the same profile or unit is turned into text once)."""
    fixed = "\t".join([str(wave.pk), RespondentStatus.COMPLETE.value, now.isoformat(), now.isoformat()])
    distinct_units = {id(u): u for u in checked.units}
    distinct_profiles = {
        id(p): p for p in checked.profiles
    }  # one dict per distinct profile (_check_profiles)
    units = {key: str(u.pk) if u else "\\N" for key, u in distinct_units.items()}
    profiles = {key: "\t".join(str(p[c]) for c in PROFILE_COLUMNS) for key, p in distinct_profiles.items()}
    lines = [
        "\t".join(
            (fixed, code, rid.translate(_COPY_ESCAPES), source, units[id(unit)], profiles[id(p)], sheet)
        )
        for code, rid, source, unit, p, sheet in zip(
            codes, ids, checked.sources, checked.units, checked.profiles, checked.sheets, strict=True
        )
    ]
    statement = f"COPY {Respondent._meta.db_table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for start in range(0, len(lines), _COPY_CHUNK):
            copy.write("\n".join(lines[start : start + _COPY_CHUNK]) + "\n")
    return len(lines)


RESPONSE_TEMPLATE_NOTE = "每行一位受访者；题目列填选项文字或字母（A、B…），多选用 | 分隔，未答留空。"


def response_template_headers(wave: Wave) -> list[str]:
    return [
        "受访者编号",
        "层",
        "初级抽样单元",
        "性别",
        "年龄",
        "文化程度",
        "城乡",
        "职业",
        "来源",
        *wave.instrument.items.order_by("order").values_list("code", flat=True),
    ]

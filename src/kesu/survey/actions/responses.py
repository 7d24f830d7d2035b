"""Import of paper and CAPI questionnaires, validated in full and written all at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from kesu.core import audit, dbstats, uploads
from kesu.core.jobs import Progress, start_job
from kesu.survey.actions._common import SurveyError, _fail_if, _read
from kesu.survey.actions.questionnaire import check_profile
from kesu.survey.models import (
    Answer,
    Item,
    ItemType,
    Respondent,
    RespondentStatus,
    Source,
    Wave,
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
    path = uploads.hold(data, filename)
    title = f"导入问卷：{wave.title}（{filename}）"[:200]
    return start_job(
        actor, RESPONSES_JOB, title, region=wave.region, path=path, filename=filename, wave_id=wave.pk
    )


@transaction.atomic
def import_responses(
    actor: User | None, wave: Wave, data: bytes, filename: str, progress: Progress | None = None
) -> int:
    """Completed paper or CAPI questionnaires: validated in full, then written all at once.

    ``progress`` (a background job's) hears when the file is read and when the rows are written.
    """
    table = _read(data, filename)
    if progress:
        progress(30, f"已读取 {len(table.rows)} 行，正在检查")
    items = list(wave.instrument.items.order_by("order"))
    wanted = dict(RESPONSE_COLUMNS) | {f"item:{i.pk}": (i.code,) for i in items}
    try:
        col = table.require(wanted)
    except TableError as error:
        raise SurveyError(error.message) from error
    source_col = table.column(("来源", "source"))
    units = {(u.stratum, u.psu): u for u in wave.frame.all()}
    existing = set(wave.respondents.exclude(external_id="").values_list("external_id", flat=True))
    ids = Counter(row[col["id"]] for row in table.rows)
    errors: list[str] = []
    respondents: list[Respondent] = []
    answers: list[list[tuple[Item, str]]] = []
    now = timezone.now()
    for index, row in enumerate(table.rows):
        line, rid = table.lines[index], row[col["id"]]
        problems = []
        if not rid:
            problems.append("受访者编号为空")
        elif ids[rid] > 1:
            problems.append(f"受访者编号“{rid}”在文件中出现 {ids[rid]} 次")
        elif rid in existing:
            problems.append(f"受访者编号“{rid}”已经导入过（重复数据）")
        unit = units.get((row[col["stratum"]], row[col["psu"]]))
        if unit is None:
            problems.append(f"层“{row[col['stratum']]}”/PSU“{row[col['psu']]}”不在抽样框中")
        profile: dict[str, Any] = {}
        try:
            float(row[col["age"]])
        except ValueError:
            problems.append(f"“年龄”列的“{row[col['age']]}”不是数字")
        else:
            try:
                profile = check_profile(
                    wave, {k: row[col[k]] for k in ("sex", "age", "education", "urban_rural", "occupation")}
                )
            except SurveyError as error:
                problems.append(error.message.replace("请选择", "缺少或无法识别").replace("请填写", "缺少"))
        row_answers = []
        for item in items:
            cell = row[col[f"item:{item.pk}"]]
            chosen = [_option_of(item, part.strip()) for part in cell.split("|") if part.strip()]
            if None in chosen or (item.type != ItemType.MULTIPLE and len(chosen) > 1):
                problems.append(f"题目 {item.code} 的回答“{cell}”不是该题的选项")
            else:
                row_answers.append((item, "|".join(o for o in item.options if o in chosen)))
        source = (
            Source.CAPI
            if source_col is not None and row[source_col].lower() in ("capi", "面访")
            else Source.PAPER
        )
        errors += [f"第 {line} 行：{p}" for p in problems]
        respondents.append(
            Respondent(
                wave=wave,
                external_id=rid[:60],
                source=source,
                unit=unit,
                status=RespondentStatus.COMPLETE,
                started_at=now,
                submitted_at=now,
                **profile,
            )
        )
        answers.append(row_answers)
    _fail_if(errors)
    if progress:
        progress(60, f"检查通过，正在写入 {len(respondents)} 份问卷")
    created = Respondent.objects.bulk_create(respondents)
    Answer.objects.bulk_create(
        [
            Answer(respondent=r, item=item, choice=choice)
            for r, row_answers in zip(created, answers, strict=True)
            for item, choice in row_answers
        ],
        batch_size=5000,
    )
    dbstats.analyse_after_commit(len(created) + sum(map(len, answers)), Respondent, Answer)
    audit.record(
        actor,
        "survey.responses_import",
        wave,
        region=wave.region,
        after={"respondents": len(created), "file": filename},
    )
    return len(created)


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

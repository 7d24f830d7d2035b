"""Item banks: importing, versioning and exporting the questionnaires' items."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from kesu.core import audit
from kesu.core.demo import DATA_DIR
from kesu.regions.models import Region
from kesu.survey.actions._common import SurveyError, _fail_if, _read
from kesu.survey.models import (
    Dimension,
    Instrument,
    Item,
    ItemType,
)
from kesu.survey.tables import Table, TableError

if TYPE_CHECKING:
    from kesu.accounts.models import User


STARTER_BANK = Path(DATA_DIR) / "reference" / "items_public.csv"

ITEM_COLUMNS: dict[str, Sequence[str]] = {
    "code": ("题号", "id", "code"),
    "dimension": ("维度", "dimension"),
    "type": ("题型", "type"),
    "stem": ("题干", "stem"),
    "options": ("选项", "options"),
    "answer": ("答案", "answer"),
}
ITEM_TYPES = {
    "tf": ItemType.TRUE_FALSE,
    "判断": ItemType.TRUE_FALSE,
    "判断题": ItemType.TRUE_FALSE,
    "single": ItemType.SINGLE,
    "choice": ItemType.SINGLE,
    "单选": ItemType.SINGLE,
    "单选题": ItemType.SINGLE,
    "multiple": ItemType.MULTIPLE,
    "multi": ItemType.MULTIPLE,
    "多选": ItemType.MULTIPLE,
    "多选题": ItemType.MULTIPLE,
}
EXPORT_HEADERS = ["题号", "维度", "题型", "题干", "选项", "答案", "来源"]


def parse_items(table: Table) -> list[Item]:
    """Validate every row of an item bank; all problems are reported together."""
    try:
        col = table.require(ITEM_COLUMNS)
    except TableError as error:
        raise SurveyError(error.message) from error
    source_col = table.column(("来源", "source"))
    items: list[Item] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, row in enumerate(table.rows):
        line = table.lines[index]
        code, dimension = row[col["code"]], row[col["dimension"]]
        kind = ITEM_TYPES.get(row[col["type"]].lower())
        options = [o.strip() for o in row[col["options"]].split("|") if o.strip()]
        answer = [a.strip() for a in row[col["answer"]].split("|") if a.strip()]
        problems = _item_problems(code, dimension, kind, row[col["stem"]], options, answer, seen)
        errors += [f"第 {line} 行：{p}" for p in problems]
        seen.add(code)
        if not problems and kind is not None:
            items.append(
                Item(
                    code=code[:30],
                    order=index + 1,
                    dimension=dimension,
                    type=kind,
                    stem=row[col["stem"]],
                    options=options,
                    answer=answer,
                    source=row[source_col][:300] if source_col is not None else "",
                )
            )
    _fail_if(errors)
    return items


def _item_problems(
    code: str,
    dimension: str,
    kind: str | None,
    stem: str,
    options: list[str],
    answer: list[str],
    seen: set[str],
) -> list[str]:
    problems = []
    if not code:
        problems.append("题号为空")
    elif code in seen:
        problems.append(f"题号“{code}”重复")
    if dimension not in Dimension.values:
        problems.append(f"维度“{dimension}”不是 {'、'.join(Dimension.values)} 之一")
    if kind is None:
        problems.append("题型应为 判断题(tf)、单选题(single) 或 多选题(multiple)")
    if not stem:
        problems.append("题干为空")
    if len(options) < 2:
        problems.append("至少要有 2 个选项（用 | 分隔）")
    wrong = [a for a in answer if a not in options]
    if not answer or wrong:
        problems.append(f"答案“{'|'.join(answer)}”不在选项中" if answer else "答案为空")
    elif kind in (ItemType.TRUE_FALSE, ItemType.SINGLE) and len(answer) != 1:
        problems.append("判断题和单选题只能有一个答案")
    return problems


@transaction.atomic
def import_instrument(
    actor: User | None, region: Region, name: str, data: bytes, filename: str
) -> Instrument:
    """A new instrument, or a new version of the region's instrument of the same name."""
    items = parse_items(_read(data, filename))
    last = Instrument.objects.filter(region=region, name=name).order_by("-version").first()
    instrument = Instrument.objects.create(
        region=region,
        name=name[:120],
        version=(last.version + 1) if last else 1,
        note=f"导入自 {filename}"[:300],
        created_by=actor,
    )
    for item in items:
        item.instrument = instrument
    Item.objects.bulk_create(items)
    audit.record(
        actor,
        "survey.instrument_import",
        instrument,
        region=region,
        after={"items": len(items), "version": instrument.version, "file": filename},
    )
    return instrument


def import_starter_bank(actor: User | None, region: Region) -> Instrument:
    return import_instrument(
        actor, region, "科学素质测试题（入门题库）", STARTER_BANK.read_bytes(), STARTER_BANK.name
    )


@transaction.atomic
def new_version(actor: User | None, instrument: Instrument) -> Instrument:
    last = (
        Instrument.objects.filter(region=instrument.region, name=instrument.name).order_by("-version").first()
    )
    copy = Instrument.objects.create(
        region=instrument.region,
        name=instrument.name,
        version=(last.version if last else instrument.version) + 1,
        note=f"复制自第 {instrument.version} 版",
        created_by=actor,
    )
    Item.objects.bulk_create(
        [
            Item(
                instrument=copy,
                code=i.code,
                order=i.order,
                dimension=i.dimension,
                type=i.type,
                stem=i.stem,
                options=i.options,
                answer=i.answer,
                source=i.source,
            )
            for i in instrument.items.all()
        ]
    )
    audit.record(actor, "survey.instrument_version", copy, region=copy.region, after={"from": instrument.pk})
    return copy


def instrument_rows(instrument: Instrument) -> list[list[str]]:
    """Rows in the import's own shape, so an exported bank can be edited and imported again."""
    return [
        [i.code, i.dimension, i.type, i.stem, "|".join(i.options), i.answer_text, i.source]
        for i in instrument.items.all()
    ]

"""The item bank of an own contest: import, export, copy from the survey, edit, lock, and the draw.

Every write is one transaction with one audit event and bumps ``Contest.bank_version``, so the cached
draw summary of ``draw_for_attempt`` knows it is stale. The bank is read-only once the contest leaves
草稿 (题库锁定 and after): an attempt's drawn items must not change under it. The rows are checked by
the pure ``kesu.quiz.items``; the rule against the bank by ``kesu.quiz.draw``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from kesu import tables
from kesu.contests.models import Contest, ContestItem, ContestStatus, ItemStatus
from kesu.core import audit
from kesu.quiz import draw as quizdraw
from kesu.quiz import items as quizitems

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.survey.models import Instrument

MB = 1024 * 1024
# A city bank holds hundreds to a few thousand items; 5,000 rows and 5 MB leave room.
LIMITS = tables.Limits(max_bytes=5 * MB, max_unpacked_bytes=40 * MB, max_rows=5_000, max_columns=30)
OPTION_COLUMNS = {letter: (f"选项{letter}", letter, f"选项 {letter}") for letter in quizitems.LETTERS}
HEADERS: dict[str, tuple[str, ...]] = {
    "type": ("题型",),
    "stem": ("题干", "题目"),
    "answer": ("答案", "正确答案", "参考答案"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "code": ("题号", "编号"),
    **{f"option_{k}": v for k, v in OPTION_COLUMNS.items()},
    "options": ("选项",),  # all options in one cell, separated by |
    "explanation": ("解析", "答案解析"),
    "topics": ("主题", "主题标签", "知识点"),
    "difficulty": ("难度",),
}
COLUMN_NAMES = {
    "code": "题号",
    "type": "题型",
    "stem": "题干",
    "options": "选项",
    "answer": "答案",
    "explanation": "解析",
    "topics": "主题",
    "difficulty": "难度",
}
EXPORT_LETTERS = quizitems.LETTERS[:6]
TEMPLATE_HEADERS = [
    "题号",
    "题型",
    "题干",
    *(f"选项{c}" for c in EXPORT_LETTERS),
    "答案",
    "解析",
    "主题",
    "难度",
]
TEMPLATE_EXAMPLES = [
    ["P001", "判断", "光年是长度单位。", "", "", "", "", "", "", "正确", "光年是光在一年中走过的距离。", "前沿科技", "1"],
    ["P002", "单选", "发现煤气泄漏时，首先应当？", "打开排风扇", "关闭阀门并开窗通风", "拨打电话", "", "", "", "B",
     "开关电器会产生电火花，可能引起爆炸。", "安全生产", "2"],
    ["P003", "多选", "下列属于可回收物的是？", "废纸", "塑料瓶", "果皮", "易拉罐", "", "", "ABD",
     "果皮属于厨余垃圾。", "生态环境", "2"],
]  # fmt: skip
# The public key is random per contest: a test database that reuses a primary key cannot hit an old entry.
CACHE_KEY = "contests:bank:{contest}:{key}:{version}"
CACHE_SECONDS = 6 * 3600
_local: dict[str, list[quizdraw.Candidate]] = {}  # per process: the bank is locked while the contest runs


VERBS: dict[str, str] = {
    "contest.bank_import": "导入竞赛题库",
    "contest.bank_copy": "从调查题库复制竞赛题目",
    "contest.item_edit": "修改竞赛题目",
    "contest.item_status": "启用或停用竞赛题目",
    "contest.bank_lock": "锁定竞赛题库",
    "contest.rules": "修改竞赛答题规则",
}


class BankError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Checked:
    rows: list[quizitems.ItemRow] = field(default_factory=list)
    errors: tables.RowErrors = field(default_factory=tables.RowErrors)


def is_locked(contest: Contest) -> bool:
    return contest.status != ContestStatus.DRAFT


def refuse_if_locked(contest: Contest) -> None:
    if is_locked(contest):
        raise BankError(f"竞赛已是“{contest.get_status_display()}”状态，题库已锁定，不能再修改")


# ---- import --------------------------------------------------------------------------------------


def check_file(contest: Contest, data: bytes, filename: str) -> Checked:
    """Every row checked; duplicates (same code, or same stem and options) named with both row numbers,
    in the file or against the bank. An unreadable file raises ``tables.TableError``."""
    table = tables.read_table(data, filename, LIMITS)
    columns = tables.map_header(table.headers, HEADERS, OPTIONAL)
    checked = Checked()
    existing = _existing(contest)
    codes: dict[str, int] = {}
    keys: dict[str, int] = {}
    for line, cells in zip(table.lines, table.rows, strict=True):
        values = {key: cells[index].strip() for key, index in columns.items()}
        item, problems = quizitems.check_item(values, _options(values))
        for column, message in problems.items:
            name = COLUMN_NAMES.get(column, column)
            checked.errors.add(line, name, f"{name}：{message}")
        if item is None:
            continue
        if _duplicate(item, line, codes, keys, existing, checked.errors):
            continue
        checked.rows.append(item)
    _number(contest, checked.rows)
    return checked


def _options(values: dict[str, str]) -> list[str]:
    if "options" in values and not any(values.get(f"option_{c}") for c in quizitems.LETTERS):
        return values["options"].split("|") if values["options"] else []
    return [values.get(f"option_{c}", "") for c in quizitems.LETTERS]


def _existing(contest: Contest) -> tuple[set[str], dict[str, str]]:
    rows = contest.items.values_list("code", "stem", "options")
    return {code for code, _, _ in rows}, {quizitems.duplicate_key(s, o): code for code, s, o in rows}


def _duplicate(
    item: quizitems.ItemRow,
    line: int,
    codes: dict[str, int],
    keys: dict[str, int],
    existing: tuple[set[str], dict[str, str]],
    errors: tables.RowErrors,
) -> bool:
    found = False
    if item.code:
        if item.code in codes:
            errors.add(line, "题号", f"题号：“{item.code}”与第 {codes[item.code]} 行重复")
            found = True
        elif item.code in existing[0]:
            errors.add(line, "题号", f"题号：“{item.code}”在题库中已有")
            found = True
        codes.setdefault(item.code, line)
    key = item.key()
    if key in keys:
        errors.add(line, "题干", f"题干：与第 {keys[key]} 行是同一道题（题干和选项相同）")
        found = True
    elif key in existing[1]:
        errors.add(line, "题干", f"题干：与题库中的 {existing[1][key]} 是同一道题（题干和选项相同）")
        found = True
    keys.setdefault(key, line)
    return found


def _number(contest: Contest, rows: list[quizitems.ItemRow]) -> None:
    """Rows without a code get the next free "T0001" style codes."""
    taken = set(contest.items.values_list("code", flat=True)) | {r.code for r in rows if r.code}
    counter = 0
    for row in rows:
        while not row.code:
            counter += 1
            code = f"T{counter:04d}"
            if code not in taken:
                row.code = code
                taken.add(code)


@transaction.atomic
def import_items(
    actor: User | None, contest: Contest, rows: list[quizitems.ItemRow], *, filename: str
) -> int:
    """All checked rows in bulk, one event for the file."""
    contest = _locked_row(contest)
    refuse_if_locked(contest)
    codes, keys = _existing(contest)
    clash = [row.code for row in rows if row.code in codes or row.key() in keys]
    if clash:  # another import stored these between the check and now
        raise BankError(f"题库在检查后已有变化（{'、'.join(clash[:5])} 已在题库中），请重新上传")
    created = ContestItem.objects.bulk_create([_item(contest, row) for row in rows], batch_size=500)
    _bump(contest)
    audit.record(
        actor,
        "contest.bank_import",
        contest,
        region=contest.region,
        after={"file": filename, "items": len(created), "bank_version": contest.bank_version},
    )
    return len(created)


def _item(contest: Contest, row: quizitems.ItemRow) -> ContestItem:
    return ContestItem(
        contest=contest,
        code=row.code,
        type=row.type,
        stem=row.stem,
        options=row.options,
        answer=row.answer,
        explanation=row.explanation,
        topics=row.topics,
        difficulty=row.difficulty,
    )


def _locked_row(contest: Contest) -> Contest:
    # The contest row is the bank's lock: two imports, or an import and 题库锁定, take turns.
    return Contest.objects.select_for_update().get(pk=contest.pk)


def _bump(contest: Contest) -> None:
    Contest.objects.filter(pk=contest.pk).update(bank_version=F("bank_version") + 1)
    contest.refresh_from_db(fields=["bank_version"])


# ---- export and template -------------------------------------------------------------------------


def export_rows(contest: Contest) -> list[list[Any]]:
    """The bank in the import's own shape, so an exported bank can be edited and imported again."""
    rows = []
    for item in contest.items.order_by("code"):
        options = [quizitems.option_text(o) for o in item.options] if item.type != "judge" else []
        options = (options + [""] * len(EXPORT_LETTERS))[: len(EXPORT_LETTERS)]
        rows.append(
            [
                item.code,
                item.get_type_display(),
                item.stem,
                *options,
                quizitems.answer_text(item.type, item.answer),
                item.explanation,
                "、".join(item.topics),
                item.difficulty,
            ]
        )
    return rows


# ---- one item ------------------------------------------------------------------------------------


@transaction.atomic
def update_item(actor: User | None, item: ContestItem, row: quizitems.ItemRow) -> ContestItem:
    """An edited item: its version goes up, and so does the bank's."""
    contest = _locked_row(item.contest)
    refuse_if_locked(contest)
    fields = ["type", "stem", "options", "answer", "explanation", "topics", "difficulty"]
    clash = contest.items.exclude(pk=item.pk).filter(stem=row.stem).values_list("code", "stem", "options")
    for code, stem, options in clash:
        if quizitems.duplicate_key(stem, options) == row.key():
            raise BankError(f"与题库中的 {code} 是同一道题（题干和选项相同）")
    before = audit.snapshot(item, fields)
    for name in fields:
        setattr(item, name, getattr(row, name))
    item.version += 1
    item.save(update_fields=[*fields, "version"])
    _bump(contest)
    audit.record(
        actor,
        "contest.item_edit",
        item,
        region=contest.region,
        before=before,
        after={**audit.snapshot(item, fields), "version": item.version},
    )
    return item


@transaction.atomic
def set_item_status(actor: User | None, item: ContestItem, status: str) -> ContestItem:
    """停用 keeps the item (past attempts point at it) but takes it out of draws; 启用 puts it back."""
    contest = _locked_row(item.contest)
    refuse_if_locked(contest)
    if status not in ItemStatus.values:
        raise BankError("状态无效")
    before = item.status
    item.status = status
    item.save(update_fields=["status"])
    _bump(contest)
    audit.record(
        actor,
        "contest.item_status",
        item,
        region=contest.region,
        before={"status": before},
        after={"status": status},
    )
    return item


# ---- copy from the survey's item bank ------------------------------------------------------------


@dataclass
class Copied:
    copied: int
    skipped: list[str]  # survey item codes already in the bank (copied before, or the same stem and options)


@transaction.atomic
def copy_from_survey(
    actor: User | None, contest: Contest, instrument: Instrument, topics: list[str]
) -> Copied:
    """The survey instrument's items as contest items: 判断题 (tf) → 判断, options and the answer texts
    → letters. Items already in the bank are skipped, so copying twice adds nothing."""
    contest = _locked_row(contest)
    refuse_if_locked(contest)
    codes, keys = _existing(contest)
    already = set(contest.items.exclude(survey_item=None).values_list("survey_item_id", flat=True))
    built, skipped = [], []
    for source in instrument.items.all():
        item = survey_item_as_contest_item(contest, source, topics)
        key = quizitems.duplicate_key(item.stem, item.options)
        if source.pk in already or key in keys:
            skipped.append(source.code)
            continue
        item.code = _free_code(f"S{source.code}"[:30], codes)
        codes.add(item.code)
        keys[key] = item.code
        built.append(item)
    ContestItem.objects.bulk_create(built)
    _bump(contest)
    audit.record(
        actor,
        "contest.bank_copy",
        contest,
        region=contest.region,
        after={"instrument": instrument.pk, "copied": len(built), "skipped": len(skipped)},
    )
    return Copied(len(built), skipped)


def survey_item_as_contest_item(contest: Contest, source: Any, topics: list[str]) -> ContestItem:
    """The survey stores options as texts and the answer as the right option's text ("对", "皮肤")."""
    if source.type == "tf":
        right = bool(source.answer) and (
            source.answer[0] in quizitems.TRUE_WORDS or source.answer[0] == source.options[0]
        )
        kind, options, answer = "judge", list(quizitems.JUDGE_OPTIONS), ["A" if right else "B"]
    else:
        kind = "single" if source.type == "single" else "multi"
        options = quizitems.shown_options(kind, list(source.options)[: quizitems.MAX_OPTIONS])
        answer = sorted(
            quizitems.LETTERS[i]
            for i, text in enumerate(source.options[: quizitems.MAX_OPTIONS])
            if text in source.answer
        )
        if kind == "multi" and len(answer) < 2:
            kind = "single"  # a survey 多选 with one right option is a 单选 in a contest
    return ContestItem(
        contest=contest,
        code=source.code,
        type=kind,
        stem=source.stem,
        options=options,
        answer=answer,
        explanation="",
        topics=list(topics),
        survey_item=source,
    )


def _free_code(code: str, taken: set[str]) -> str:
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code[:26]}-{n}"
    return candidate


# ---- lock ----------------------------------------------------------------------------------------


@transaction.atomic
def lock_bank(actor: User | None, contest: Contest) -> Contest:
    """草稿 → 题库锁定, only when the draw rule can be drawn from the active items."""
    contest = _locked_row(contest)
    if contest.status != ContestStatus.DRAFT:
        raise BankError(f"竞赛当前是“{contest.get_status_display()}”，只有草稿状态可以锁定题库")
    problems = rule_problems(contest)
    if problems:
        raise BankError("题库不能锁定：" + "；".join(problems))
    contest.status = ContestStatus.BANK_LOCKED
    contest.save(update_fields=["status", "updated_at"])
    audit.record(
        actor,
        "contest.bank_lock",
        contest,
        region=contest.region,
        before={"status": ContestStatus.DRAFT},
        after={"status": contest.status, "bank_version": contest.bank_version},
    )
    return contest


# ---- reading the bank: summary, rule check, the draw --------------------------------------------


def candidates(contest: Contest) -> list[quizdraw.Candidate]:
    """The active items as the draw sees them, cached per contest and bank version (one query on a miss)."""
    key = CACHE_KEY.format(contest=contest.pk, key=contest.public_key, version=contest.bank_version)
    found = _local.get(key)
    if found is None:
        found = cache.get(key)
        if found is None:
            found = [
                quizdraw.Candidate(pk, kind, tuple(topics or ()))
                for pk, kind, topics in ContestItem.objects.filter(
                    contest_id=contest.pk, status=ItemStatus.ACTIVE
                ).values_list("pk", "type", "topics")
            ]
            cache.set(key, found, CACHE_SECONDS)
        if len(_local) > 64:
            _local.clear()
        _local[key] = found
    return found


def rule_problems(contest: Contest, rule: quizdraw.Rule | None = None) -> list[str]:
    return quizdraw.check(rule or quizdraw.parse_rule(contest.draw_rule), candidates(contest))


def summary(contest: Contest) -> quizdraw.Summary:
    return quizdraw.summarise(candidates(contest))


def draw_for_attempt(contest: Contest, rng: random.Random) -> list[ContestItem]:
    """One attempt's items in the order shown. The candidates come from the cache; the items are one query.
    Raises ``quiz.draw.DrawError`` (Chinese message) when the bank cannot give the rule."""
    ids = quizdraw.draw(quizdraw.parse_rule(contest.draw_rule), candidates(contest), rng)
    found = ContestItem.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


# ---- the own contest's rules ---------------------------------------------------------------------

RULE_FIELDS = [
    "draw_rule",
    "points_per_item",
    "seconds_per_item",
    "seconds_per_attempt",
    "attempts_per_day",
    "score_mode",
    "tie_break",
    "min_age",
    "max_age",
    "registration_fields",
    "certificate_threshold",
    "leaderboard_size",
]


def rules_editable(contest: Contest) -> bool:
    return contest.status in (ContestStatus.DRAFT, ContestStatus.BANK_LOCKED)


@transaction.atomic
def save_rules(actor: User | None, contest: Contest, values: dict[str, Any]) -> Contest:
    """The rules, while the contest has not started; the draw rule checked against the bank once more."""
    contest = _locked_row(contest)
    if not rules_editable(contest):
        raise BankError(f"竞赛已是“{contest.get_status_display()}”状态，答题规则不能再修改")
    problems = rule_problems(contest, quizdraw.parse_rule(values["draw_rule"]))
    if problems:
        raise BankError("；".join(problems))
    before = audit.snapshot(contest, RULE_FIELDS)
    for name in RULE_FIELDS:
        setattr(contest, name, values[name])
    contest.save(update_fields=[*RULE_FIELDS, "updated_at"])
    audit.record(
        actor,
        "contest.rules",
        contest,
        region=contest.region,
        before=before,
        after=audit.snapshot(contest, RULE_FIELDS),
    )
    return contest

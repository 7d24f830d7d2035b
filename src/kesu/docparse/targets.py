"""Numeric targets in task text: ``到2025年，市级科普教育基地总数达到150个以上``.

A target is a number with a counting unit (人, 人次, 个, 家, 场, 场次, 期, 次, 名, 件, 支, 所, 项, 篇, 部, 座, %), read with its
comparator (达到/以上/不少于/至少 → >=; 超过/力争超过 → >), its deadline year (到2025年,
“十四五”期间 → the period's end year) or a per-year marker (每年, 每学年, a clause opening with 年).
Numbers that are names are skipped: anything inside “…” or 《…》, numbers without a unit
(十四五, 330工程), 文号 and dates (no counting unit follows them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numerals import MAGNITUDE, cn_to_int, five_year_plan_end
from .outline import find_marker

UNITS = (
    "人次",
    "人",
    "个",
    "家",
    "场次",
    "场",
    "期",
    "次",
    "名",
    "件",
    "支",
    "所",
    "项",
    "篇",
    "部",
    "座",
    "%",
)
_UNIT_ALTERNATION = "|".join(UNITS)

_UNIT_GUARD = {
    "人": "民口大群员才",
    "个": "月百工小季",
    "家": "庭长族乡属居",
    "场": "所馆地景",
    "期": "间限刊",
    "次": "日年",
    "名": "列义称单",
    "件": "事套",
    "支": "持付出撑援",
    "所": "有在属以得",
    "项": "目",
    "部": "门分署委长",
    "座": "谈",
}
_TARGET = re.compile(
    r"(?<![\d.A-Za-z第])(?P<num>\d+(?:\.\d+)?)(?P<mag>[万千百亿]?)(?P<approx>余|多)?"
    rf"(?P<unit>{_UNIT_ALTERNATION})"
)
# 千名, 两万人: a Chinese quantity without digits; 千家万户-like idioms are refused below.
_CN_TARGET = re.compile(
    r"(?<![\d.一二两三四五六七八九十百千万第每几数])(?P<num>[一二两三四五六七八九十]?[千万])(?P<approx>余|多)?"
    r"(?P<unit>名|人次|人)(?![^，。；]{0,2}[千万])"
)
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》|\"[^\"]*\"|「[^」]*」")
_SENTENCE_END = "。！？；;\n"
_CLAUSE_END = "，,。！？；;：:\n"

_COMPARATORS_BEFORE = [
    ("力争超过", ">"),
    ("不超过", "<="),
    ("不高于", "<="),
    ("不少于", ">="),
    ("不低于", ">="),
    ("至少", ">="),
    ("超过", ">"),
    ("高于", ">"),
    ("多于", ">"),
    ("低于", "<"),
    ("少于", "<"),
    ("控制在", "<="),
    ("达到", ">="),
    ("提高到", ">="),
    ("提升到", ">="),
    ("增加到", ">="),
    ("达", ">="),
]
_AFTER_RAISES = ("以上",)
_AFTER_CAPS = ("以下", "以内")
_YEAR = re.compile(r"(?<![\d—\-－~～至])(?:到|至|截至|截止到?|于|在)?(20\d\d)年(?![\d月度]|工作要点)")
_FIVE_YEAR = re.compile(r"“?十([一二三四五六七八九])五”?(?:规划)?(?:期间|时期|末|期末)")
_PER_YEAR = re.compile(
    r"每学年|每年度?|年均|(?:(?<=^)|(?<=[，,。；;：:]))年(?=[\u4e00-\u9fff])(?![底末内度初中])"
)
_PER_YEAR_AFTER = re.compile(r"^(?:/年|每年)")


@dataclass
class Target:
    indicator: str
    value: float
    unit: str
    comparator: str
    year: int | None
    per_year: bool
    text: str
    span: tuple[int, int]  # in the cleaned text; mapped to the source by the caller


def find_targets(paragraph: str, offset: int, default_year: int | None) -> list[Target]:
    """Targets in one paragraph; ``offset`` is the paragraph's start in the cleaned text."""
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(paragraph)]
    found: list[Target] = []
    for m in _TARGET.finditer(paragraph):
        if _inside(m.start(), quoted) or _guarded(paragraph, m.end(), m.group("unit")):
            continue
        value = float(m.group("num")) * MAGNITUDE.get(m.group("mag"), 1)
        found.append(_target(paragraph, offset, m, value, default_year))
    for m in _CN_TARGET.finditer(paragraph):
        if _inside(m.start(), quoted):
            continue
        number = cn_to_int(m.group("num"))
        if number:
            found.append(_target(paragraph, offset, m, float(number), default_year))
    found.sort(key=lambda t: t.span)
    return found


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < pos < end for start, end in spans)


def _guarded(paragraph: str, end: int, unit: str) -> bool:
    """``3个月``, ``2个百分点``, ``5家庭`` are not counts of the unit."""
    following = paragraph[end : end + 1]
    if unit == "个" and paragraph.startswith("百分点", end):
        return True
    return bool(following) and following in _UNIT_GUARD.get(unit, "")


def _target(paragraph: str, offset: int, m: re.Match[str], value: float, default_year: int | None) -> Target:
    sentence_start = _last_index(paragraph, _SENTENCE_END, m.start()) + 1
    clause_start = _last_index(paragraph, _CLAUSE_END, m.start()) + 1
    if clause_start == 0:
        marker = find_marker(paragraph)  # the quoted clause starts after the item's number: not "1.建设…"
        clause_start = marker.length if marker is not None and marker.length < m.start() else 0
    clause_end = _next_index(paragraph, _CLAUSE_END, m.end())
    before_sentence = paragraph[sentence_start : m.start()]
    before_clause = paragraph[clause_start : m.start()]
    after = paragraph[m.end() : clause_end]
    per_year = bool(_PER_YEAR.search(before_sentence)) or bool(_PER_YEAR_AFTER.match(after))
    comparator = _comparator(before_clause, after)
    year = None if per_year else _deadline(before_sentence, default_year)
    text = paragraph[clause_start:clause_end].strip()
    return Target(
        indicator=_indicator(
            before_clause, after, paragraph[sentence_start:clause_start].rstrip(_CLAUSE_END)
        ),
        value=value,
        unit=m.group("unit"),
        comparator=comparator,
        year=year,
        per_year=per_year,
        text=text,
        span=(offset + clause_start, offset + clause_end),
    )


def _last_index(text: str, chars: str, before: int) -> int:
    return max(text.rfind(c, 0, before) for c in chars)


def _next_index(text: str, chars: str, after: int) -> int:
    positions = [p for p in (text.find(c, after) for c in chars) if p >= 0]
    return min(positions) if positions else len(text)


def _comparator(before: str, after: str) -> str:
    if after.startswith(_AFTER_CAPS):
        return "<="
    tail = before[-8:]
    best: tuple[int, str] | None = None
    for word, comparator in _COMPARATORS_BEFORE:
        at = tail.rfind(word)
        if at >= 0 and (best is None or at + len(word) > best[0]):
            best = (at + len(word), comparator)
    if best is not None:
        return best[1]
    return ">="  # a plan's number is a floor unless it says otherwise (以上 included)


def _deadline(before: str, default_year: int | None) -> int | None:
    """The deadline a target states before it in its sentence, else the plan's own year."""
    best: tuple[int, int] | None = None
    for m in _YEAR.finditer(before):
        if _inside(m.start(), [(q.start(), q.end()) for q in _QUOTED.finditer(before)]):
            continue
        best = (m.start(), int(m.group(1)))
    for m in _FIVE_YEAR.finditer(before):
        end_year = five_year_plan_end("十" + m.group(1))
        if end_year and (best is None or m.start() > best[0]):
            best = (m.start(), end_year)
    return best[1] if best else default_year


# Numbering, dates and filler that open a clause are not what is counted: 3. / （二） / 一是 / 到2025年 / 全年 / 力争.
_INDICATOR_STRIP = re.compile(
    r"^(?:\d{1,2}(?:[.、．](?!\d)|[）)])|[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[）)]|[一二三四五六七八九十]{1,3}、"
    r"|[①-⑳]|——|(?:第|其)?[一二三四五六七八九十]{1,2}是|(?:到|至|截至)?20\d\d年(?:底|末)?(?:前)?"
    r"|“?十[一二三四五六七八九]五”?(?:期间|时期|末)?|每学年|每年度?|年均|全年|力争|确保|争取|累计|共计?|要|并"
    r"|年(?![度底末内初中轻龄青])(?=[\u4e00-\u9fff]))+"
)
_COMPARATOR_WORDS = sorted({w for w, _ in [("力争达到", ">="), *_COMPARATORS_BEFORE]}, key=len, reverse=True)
_TRAILING_COMPARATOR = re.compile(
    "(?:" + "|".join(_COMPARATOR_WORDS) + r"|力争|确保|争取|累计|总计|共计?|均|每年|全年|要|须|需|将|可)+$"
)


# An earlier count in the same clause (培训农技人员50人次、高素质农民500人): the phrase starts after it.
_EARLIER_COUNT = re.compile(rf"[\d.]+\s*(?:[万千百])?(?:{_UNIT_ALTERNATION})[、，,和及]?")
_TRAILING_FILLER = re.compile(r"(?:要|须|需|每学年|每年|各|均)+$")
# A bare verb before the number means the noun follows it: 建设5个市级科普示范基地.
_BARE_VERB = re.compile(r"^.{0,4}(?:建设|建成|新建|创建|形成|明确|配备|打造|培育|认定|设立)$")
_NOUN_AFTER = re.compile(r"^\s*(?:以上|左右)?([\u4e00-\u9fff“”]{2,16}?)(?:的|，|。|、|；|以上|$)")
# What a phrase must not be on its own: a comparator, a filler, a numeral.
_EMPTY_PHRASE = re.compile(
    r"^[\W\d]*$|^(?:" + "|".join(_COMPARATOR_WORDS) + r"|不|全年|每年|力争|确保|以上|以下"
    r"|[全我本各][省市县区镇乡州盟国])$"
)


def _indicator(before_clause: str, after: str = "", previous_clause: str = "") -> str:
    """What is counted: the clause before the number without numbering, dates, comparators and filler;
    else the noun after the number (达到60场次科普讲座), else the clause before (开展讲座，全年不少于60场)."""
    phrase = _phrase(before_clause)
    noun = _NOUN_AFTER.match(after)
    if noun and (noun.group(1).startswith(("并", "和", "及")) or _EMPTY_PHRASE.match(noun.group(1))):
        noun = None
    if noun and (not phrase or _BARE_VERB.match(phrase)):
        return noun.group(1)
    if phrase and not _BARE_VERB.fullmatch(phrase):
        return phrase
    # 建设科普展示，到2025年，建成1个以上: what is counted was named in a clause before
    for clause in reversed([c for c in re.split(r"[，,；;：:]", previous_clause) if c.strip()][-3:]):
        earlier = _phrase(clause)
        if earlier:
            return earlier
    return phrase


def _phrase(clause: str) -> str:
    text = _INDICATOR_STRIP.sub("", clause.strip())
    for word in _COMPARATOR_WORDS:
        at = text.rfind(word)
        if at >= 0 and at >= len(text) - len(word) - 6:
            text = text[:at]
            break
    text = _EARLIER_COUNT.split(text)[-1]
    text = _TRAILING_COMPARATOR.sub("", _TRAILING_FILLER.sub("", text.strip("，,、的 ")))
    text = _INDICATOR_STRIP.sub("", text.strip("，,、的 "))
    return "" if _EMPTY_PHRASE.match(text) else text

"""What a plan says about itself: title, issuing region, 文号, period, headline goal, report dates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numerals import five_year_plan_end
from .targets import _comparator

_DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,10}[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*\d{1,4}\s*号$")
_NOTICE_TITLE = re.compile(r"关于(?:印发|转发|下发)(?P<title>.+?)的通知")
_DRAFT_MARK = re.compile(r"[（(](?:征求意见稿|送审稿|讨论稿|草案|修改稿|代拟稿)[）)]")
_BODY_OPENING = re.compile(r"^(?:根据|为|按照|依据|依照|现将|各|\d{4}年是|近年来|当前)")
_ADMIN_UNIT = re.compile(
    r"[\u4e00-\u9fff]{1,9}?(?:特别行政区|自治区|自治州|自治县|自治旗|新区|地区|省|市|州|盟|县|旗|区)"
)
_NOT_PLACE = re.compile(r"全民|科学|关于|印发|人民|政府|办公|委员|实施|方案|规划|纲要|工作|要点|行动")
_YEAR_RANGE = re.compile(r"(20\d\d)\s*年?\s*[—–\-－~～至到]+\s*(20\d\d)")
_FIVE_YEAR_PLAN = re.compile(r"十([一二三四五六七八九])五")
_SINGLE_YEAR = re.compile(r"(20\d\d)\s*年")
_GOAL = re.compile(
    r"(?P<indicator>公民具备(?:基本)?科学素质(?:的)?(?:人口)?比例|具备(?:基本)?科学素质的公民(?:的)?比例"
    r"|公民科学素[质养](?:水平|比例|达标率))"
    r"(?P<between>[^。；%]{0,16}?)(?P<value>\d+(?:\.\d+)?)\s*%"
)
# 6月30日前, and 6月25日、12月20日前 where one 前 closes a list of dates.
_REPORT_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日(?=前|之前|以前|[、和及与]\s*\d{1,2}月\d{1,2}日)")
_REPORT_VERB = re.compile(r"报送|上报|报告|提交|报")


@dataclass
class Period:
    start: int
    end: int


@dataclass
class Goal:
    indicator: str
    value: float
    unit: str
    comparator: str
    year: int | None
    text: str
    span: tuple[int, int]


def doc_number(header: list[str]) -> str | None:
    """The plan's own 文号: a line of its own before the plan begins (references in prose don't count)."""
    for line in header:
        if _DOC_NUMBER.match(line.strip()):
            return line.strip().replace(" ", "")
    for line in header[:6]:  # "某县人民政府文件 某政发〔2022〕3号" on the letterhead
        if line.strip().startswith("关于"):
            break
        after_letterhead = line.rsplit("文件", 1)[-1].strip()
        if "文件" in line and _DOC_NUMBER.match(after_letterhead):
            return after_letterhead.replace(" ", "")
    return None


def title(header: list[str]) -> str:
    """From ``关于印发《X》的通知`` when the plan comes wrapped in a notice, else the opening lines."""
    opening: list[str] = []
    for line in header[:15]:
        if _BODY_OPENING.match(line.strip()):
            break
        opening.append(line.strip())
    notice = _NOTICE_TITLE.search("".join(opening))
    if notice:
        inner = notice.group("title")
        quoted = re.search(r"《(.+)》", inner)
        return _tidy_title(quoted.group(1) if quoted else inner)
    lines: list[str] = []
    for line in header:
        text = line.strip()
        if not text or _DOC_NUMBER.match(text) or (not lines and _ISSUER_LINE.match(text)):
            continue
        if _BODY_OPENING.match(text) or (len(text) > 40 and "。" in text) or len(lines) == 3:
            break
        lines.append(text)
    return _tidy_title("".join(lines))


# The issuer's line above a title (某省科协, 某县人民政府办公室): not part of the title.
_ISSUER_LINE = re.compile(
    r"^[\u4e00-\u9fff（）]{2,30}(?:办公室|办公厅|人民政府|委员会|科学技术协会|科协|领导小组|文件)$"
)


def _tidy_title(text: str) -> str:
    text = _DRAFT_MARK.sub("", text).strip()
    # 《…》全文 / 《…》（全文）: a title quoted as published on a website
    wrapped = re.fullmatch(r"《(?P<inner>[^《》]+)》\s*[（(]?(?:全文|原文|正文|文件全文)?[）)]?", text)
    return wrapped.group("inner").strip() if wrapped else text


def region(plan_title: str, header: list[str]) -> str | None:
    """The leading place names of the title (岳阳市云溪区), else of the issuer's line. Addressee
    lines (各省、自治区…：) name no issuer: a national document has no region."""
    for candidate in [plan_title, *header[:6]]:
        line = candidate.strip()
        if _ADDRESSEES.search(line):
            continue
        found = _leading_places(line)
        if found:
            return found
    return None


# 各省、自治区、直辖市人民政府：, 各县（市、区）: who a notice is sent to, not who issues it.
_ADDRESSEES = re.compile(r"^各|[：:]$")
_NOT_A_NAME = re.compile(r"^(?:各|全|本|我|该|有关|所属|相关|省辖|直辖|市辖|县辖|地级|县级|副省级)")
_LEVEL_AFTER_ZHOU = re.compile(r"[市省区县]")


def _leading_places(text: str) -> str | None:
    text = re.sub(r"^中共", "", text)  # 中共某某市委办公室: the party committee of the city
    pos = 0
    places: list[str] = []
    while True:
        m = _ADMIN_UNIT.match(text, pos)
        if not m or _NOT_PLACE.search(m.group()) or _NOT_A_NAME.match(m.group()):
            break
        end = m.end()
        # 郑州市, 贵州省: 州 was part of the name, the level word follows it
        if m.group().endswith("州") and _LEVEL_AFTER_ZHOU.match(text, end):
            end += 1
        places.append(text[m.start() : end])
        pos = end
    return "".join(places) or None


def period(plan_title: str, preamble: str) -> Period | None:
    """The plan's years: a range in the title, a 十X五 in it, a single year (工作要点), else the preamble's 十X五."""
    title_without_refs = re.sub(r"《[^》]*》", "", plan_title)
    m = _YEAR_RANGE.search(title_without_refs)
    if m:
        return Period(int(m.group(1)), int(m.group(2)))
    m5 = _FIVE_YEAR_PLAN.search(title_without_refs)
    if m5:
        end = five_year_plan_end("十" + m5.group(1))
        return Period(end - 4, end) if end else None
    m1 = _SINGLE_YEAR.search(title_without_refs)
    if m1:
        return Period(int(m1.group(1)), int(m1.group(1)))
    prose = re.sub(r"《[^》]*》|（[^）]*〔[^）]*）", "", preamble)
    m5 = _FIVE_YEAR_PLAN.search(prose)
    if m5:
        end = five_year_plan_end("十" + m5.group(1))
        return Period(end - 4, end) if end else None
    return None


def find_goal(text: str, start: int, end: int, plan_end: int | None) -> Goal | None:
    """The headline goal (公民具备科学素质的比例) in text[start:end]."""
    for m in _GOAL.finditer(text, start, end):
        sentence_start = max(text.rfind(c, 0, m.start()) for c in "。；\n") + 1
        if not _CITED_GOAL.search(text, sentence_start, m.start()):
            return _goal_at(text, m, sentence_start, plan_end)
    return None


# 《全民科学素质行动规划纲要》提出，到2025年…: another document's goal, quoted, is not this plan's.
_CITED_GOAL = re.compile(r"《[^》]*》[^。；]{0,12}?(?:提出|明确|规定|确定|指出)")


def _goal_at(text: str, m: re.Match[str], sentence_start: int, plan_end: int | None) -> Goal:
    sentence_end_candidates = [p for p in (text.find(c, m.end()) for c in "。；\n") if p >= 0]
    sentence_end = min(sentence_end_candidates) if sentence_end_candidates else len(text)
    before = text[sentence_start : m.start()] + m.group("indicator")
    year = _goal_year(before, text, sentence_start, plan_end)
    comparator = _comparator(m.group("between"), text[m.end() : m.end() + 4])
    clause_start = max(text.rfind(c, sentence_start, m.start()) for c in "，,") + 1
    clause_start = max(clause_start, sentence_start)
    clause_end = min(
        [p for p in (text.find(c, m.end(), sentence_end) for c in "，,") if p >= 0] or [sentence_end]
    )
    return Goal(
        indicator=m.group("indicator"),
        value=float(m.group("value")),
        unit="%",
        comparator=comparator,
        year=year,
        text=text[clause_start:clause_end].strip(),
        span=(clause_start, clause_end),
    )


def _goal_year(before: str, text: str, sentence_start: int, plan_end: int | None) -> int | None:
    years = [
        int(y) for y in re.findall(r"(?<![\d—\-－])(20\d\d)年(?![\d月])", re.sub(r"《[^》]*》", "", before))
    ]
    if years:
        return years[-1]
    m5 = re.search(r"十([一二三四五六七八九])五”?(?:末|期末|期间|时期)", before)
    if m5:
        return five_year_plan_end("十" + m5.group(1))
    # "2025年目标，…" opening the goal's paragraph
    paragraph_start = text.rfind("\n", 0, sentence_start) + 1
    m = re.search(r"(20\d\d)年(?:目标|主要目标|发展目标)", text[paragraph_start:sentence_start])
    if m:
        return int(m.group(1))
    return plan_end


def reporting_deadlines(text: str) -> list[str]:
    """Dates a plan sets for progress reports (每年6月30日前 … 12月30日前报送) as MM-DD."""
    found: list[str] = []
    for sentence in re.split(r"[。！？\n]", text):
        if not _REPORT_VERB.search(sentence) or "月" not in sentence:
            continue
        for m in _REPORT_DATE.finditer(sentence):
            month, day = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12 and 1 <= day <= 31:
                date = f"{month:02d}-{day:02d}"
                if date not in found:
                    found.append(date)
    return found

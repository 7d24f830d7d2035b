"""One row of a contest's item bank as an office types it: the type, the options and the answer key.

Pure (no Django). ``check_item`` reads the cells of one row and gives either an ``ItemRow`` ready to store or
every problem in Chinese, each tied to the column it came from, so an import can name row and column.
Answer keys come as people really type them: "A", "AC", "A,C", "A、C", "ａｃ"; for 判断 also 正确/错误,
对/错, √/×. Options are stored as shown on the phone ("A. 文本"); 判断 always has ["正确", "错误"].
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

JUDGE, SINGLE, MULTI = "judge", "single", "multi"
TYPE_ORDER = (JUDGE, SINGLE, MULTI)
TYPE_LABELS = {JUDGE: "判断题", SINGLE: "单选题", MULTI: "多选题"}
TYPES = {
    "判断": JUDGE,
    "判断题": JUDGE,
    "是非题": JUDGE,
    "judge": JUDGE,
    "tf": JUDGE,
    "单选": SINGLE,
    "单选题": SINGLE,
    "单项选择": SINGLE,
    "单项选择题": SINGLE,
    "single": SINGLE,
    "多选": MULTI,
    "多选题": MULTI,
    "多项选择": MULTI,
    "多项选择题": MULTI,
    "multi": MULTI,
    "multiple": MULTI,
}
JUDGE_OPTIONS = ["正确", "错误"]
TRUE_WORDS = {"正确", "对", "√", "✓", "✔", "是", "T", "TRUE", "Y", "A"}
FALSE_WORDS = {"错误", "错", "×", "✗", "✘", "X", "否", "F", "FALSE", "N", "B"}
LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(LETTERS)
MAX_STEM = 1000
MAX_OPTION = 300
SEPARATORS = re.compile(r"[\s,，、;；|/.。]+")
LETTER_PREFIX = re.compile(r"^[A-Ha-h][.．、:：)）]\s*")
TOPIC_SPLIT = re.compile(r"[、，,;；|/\s]+")


@dataclass
class ItemRow:
    """A bank row that passed every check, in the shape ``ContestItem`` stores."""

    code: str
    type: str
    stem: str
    options: list[str]
    answer: list[str]
    explanation: str = ""
    topics: list[str] = field(default_factory=list)
    difficulty: int = 2

    def key(self) -> str:
        return duplicate_key(self.stem, self.options)


@dataclass
class Problems:
    """Problems of one row: (column key, Chinese message)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, column: str, message: str) -> None:
        self.items.append((column, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def parse_type(text: str) -> str | None:
    return TYPES.get(text.strip().lower()) or TYPES.get(text.strip())


def parse_answer(kind: str, text: str, option_count: int) -> tuple[list[str], str]:
    """The answer letters, or an empty list and why in Chinese."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        return [], "不能为空"
    if kind == JUDGE:
        word = raw.upper()
        if word in TRUE_WORDS:
            return ["A"], ""
        if word in FALSE_WORDS:
            return ["B"], ""
        return [], f"“{text}”无效，判断题的答案填 正确/错误（或 对/错、√/×）"
    letters = "".join(SEPARATORS.split(raw)).upper()
    if not letters or any(c not in LETTERS for c in letters):
        return [], f"“{text}”无效，应填选项字母，如 A 或 AC（可用逗号、顿号分隔）"
    if len(set(letters)) != len(letters):
        return [], f"“{text}”中有重复的字母"
    beyond = [c for c in letters if LETTERS.index(c) >= option_count]
    if beyond:
        last = LETTERS[max(option_count, 1) - 1]
        return (
            [],
            f"“{text}”中的 {'、'.join(beyond)} 超出了选项范围（本题只有 A–{last} {option_count} 个选项）",
        )
    if kind == SINGLE and len(letters) != 1:
        return [], f"单选题只能有一个答案，这里填了“{text}”"
    if kind == MULTI and len(letters) < 2:
        return [], f"多选题至少要有两个正确答案，这里只填了“{text}”"
    return sorted(letters), ""


def shown_options(kind: str, texts: list[str]) -> list[str]:
    """Options as the phone shows them: "A. 文本" (a letter the office typed before the text is dropped)."""
    if kind == JUDGE:
        return list(JUDGE_OPTIONS)
    return [f"{LETTERS[i]}. {LETTER_PREFIX.sub('', t).strip()}" for i, t in enumerate(texts)]


def option_text(shown: str) -> str:
    """The text of a shown option without its letter, for exports that are imported again."""
    return LETTER_PREFIX.sub("", shown).strip()


def answer_text(kind: str, answer: list[str]) -> str:
    if kind == JUDGE:
        return "正确" if answer == ["A"] else "错误"
    return "".join(answer)


def parse_topics(text: str) -> list[str]:
    seen: list[str] = []
    for topic in TOPIC_SPLIT.split(text.strip()):
        if topic and topic not in seen:
            seen.append(topic[:30])
    return seen


def duplicate_key(stem: str, options: list[str]) -> str:
    """Same stem and options, whatever spaces, punctuation width or option letters: the same item."""

    def norm(text: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).rstrip("。.？?").lower()

    return norm(stem) + "\x1f" + "\x1f".join(norm(option_text(o)) for o in options)


def check_item(cells: dict[str, str], option_texts: list[str]) -> tuple[ItemRow | None, Problems]:
    """One bank row: ``cells`` by key (code, type, stem, answer, explanation, topics, difficulty);
    ``option_texts`` the options in order, blanks at the end already dropped."""
    problems = Problems()
    kind = parse_type(cells.get("type", ""))
    if kind is None:
        typed = cells.get("type", "")
        problems.add("type", f"“{typed}”无效，应为 判断、单选 或 多选" if typed else "不能为空")
    stem = cells.get("stem", "").strip()
    if not stem:
        problems.add("stem", "不能为空")
    elif len(stem) > MAX_STEM:
        problems.add("stem", f"不能超过 {MAX_STEM} 个字")
    options = _options(kind, option_texts, problems)
    answer: list[str] = []
    if kind is not None and options is not None:
        answer, why = parse_answer(kind, cells.get("answer", ""), len(options))
        if why:
            problems.add("answer", why)
    difficulty = _difficulty(cells.get("difficulty", ""), problems)
    code = cells.get("code", "").strip()
    if len(code) > 30:
        problems.add("code", "不能超过 30 个字符")
    if problems or kind is None or options is None:
        return None, problems
    return (
        ItemRow(
            code=code,
            type=kind,
            stem=stem,
            options=shown_options(kind, options),
            answer=answer,
            explanation=cells.get("explanation", "").strip(),
            topics=parse_topics(cells.get("topics", "")),
            difficulty=difficulty,
        ),
        problems,
    )


def _options(kind: str | None, texts: list[str], problems: Problems) -> list[str] | None:
    texts = [t.strip() for t in texts]
    while texts and not texts[-1]:
        texts.pop()
    if kind == JUDGE:
        if texts and [option_text(t) for t in texts] not in (JUDGE_OPTIONS, ["对", "错"], ["√", "×"]):
            problems.add("options", "判断题不填选项（固定为 正确/错误）")
            return None
        return list(JUDGE_OPTIONS)
    if kind is None:
        return None
    if any(not t for t in texts):
        problems.add("options", "选项中间有空白，请把选项依次填在 A、B、C… 列")
        return None
    if len(texts) < 2:
        problems.add("options", "选择题至少要有 2 个选项")
        return None
    if len(texts) > MAX_OPTIONS:
        problems.add("options", f"最多 {MAX_OPTIONS} 个选项")
        return None
    if any(len(t) > MAX_OPTION for t in texts):
        problems.add("options", f"每个选项不能超过 {MAX_OPTION} 个字")
        return None
    plain = [option_text(t) for t in texts]
    if len(set(plain)) != len(plain):
        problems.add("options", "有两个选项内容相同")
        return None
    return plain


def _difficulty(text: str, problems: Problems) -> int:
    text = text.strip()
    if not text:
        return 2
    named = {"易": 1, "较易": 2, "中": 3, "中等": 3, "较难": 4, "难": 5}
    if text in named:
        return named[text]
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    problems.add("difficulty", f"“{text}”无效，应为 1–5 或 易/较易/中等/较难/难")
    return 2

"""The 荣誉证书 (PDF) of an attempt at or above the contest's certificate threshold.

Drawn with matplotlib, already a dependency (the survey's charts), onto an A4 landscape page with
the Chinese font embedded as a TrueType subset (``pdf.fonttype`` 42), so the text is real, searchable
text and the file is about 30 KB. One certificate costs about half a second of CPU on this machine;
the LibreOffice route (docx → PDF) costs a process start of several seconds, too slow for the last
day's surge. Nothing here touches Django: the view gathers the text and caches the bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache

# Serif first: a certificate reads as a printed document. Debian's fonts-noto-cjk (scripts/setup.sh).
CERTIFICATE_FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Source Han Sans SC")
RED = "#b3261e"
GOLD = "#c8a252"
INK = "#222222"


class NoChineseFont(RuntimeError):
    """The server has no font that draws Chinese: a certificate would print empty boxes."""


@dataclass(frozen=True)
class CertificateText:
    participant: str
    region: str
    contest: str
    score: int
    full_score: int
    correct: int
    item_count: int
    organiser: str
    issued_on: date
    number: str


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@cache
def certificate_font() -> str:
    """The family of an installed Chinese font (cached per process; the font list is read once)."""
    from matplotlib import font_manager

    from kesu.survey.charts import CJK_FONTS

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in (*CERTIFICATE_FONTS, *CJK_FONTS):
        if name in installed:
            return name
    raise NoChineseFont("服务器没有中文字体（fonts-noto-cjk），无法生成证书。")


def certificate_pdf(text: CertificateText) -> bytes:
    """One A4 landscape page: title, the participant's name and result, organiser, date, number."""
    from matplotlib import patheffects, rc_context
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Rectangle

    regular = FontProperties(family=certificate_font())
    figure = Figure(figsize=(11.69, 8.27))  # A4 landscape, inches
    FigureCanvasPdf(figure)
    for inset, width, colour in ((0.025, 6, RED), (0.045, 1.5, GOLD)):
        frame = Rectangle(
            (inset, inset * 1.41), 1 - 2 * inset, 1 - 2 * inset * 1.41, transform=figure.transFigure
        )
        frame.set(fill=False, linewidth=width, edgecolor=colour)
        figure.add_artist(frame)
    # One embedded weight: subsetting a CJK font is most of the time (two weights cost 0.9 s of CPU, one 0.55 s).
    # The title reads bold by a thin stroke of its own colour (drawn as outlines); the rest stays real text.
    title = figure.text(0.5, 0.78, "荣 誉 证 书", fontproperties=regular, size=46, color=RED, ha="center")
    title.set_path_effects([patheffects.withStroke(linewidth=1.2, foreground=RED)])
    figure.text(
        0.14, 0.62, f"{text.participant}（{text.region}）：", fontproperties=regular, size=23, color=INK
    )
    lines = [
        *_wrap(f"在{text.contest}中，", 30),
        f"答对 {text.correct} 题（共 {text.item_count} 题），成绩 {text.score} 分（满分 {text.full_score} 分），",
        "特发此证，以资鼓励。",
    ]
    figure.text(
        0.17, 0.54, "\n".join(lines), fontproperties=regular, size=19, color=INK, linespacing=2.0, va="top"
    )
    figure.text(0.84, 0.22, text.organiser, fontproperties=regular, size=19, color=INK, ha="right")
    figure.text(
        0.84, 0.16, chinese_date(text.issued_on), fontproperties=regular, size=17, color=INK, ha="right"
    )
    figure.text(0.14, 0.12, f"证书编号：{text.number}", fontproperties=regular, size=11, color="#666666")
    buffer = io.BytesIO()
    # Type 42: the font is embedded as a TrueType subset (real, searchable text), not Type 3 drawings.
    with rc_context({"pdf.fonttype": 42}):
        figure.savefig(
            buffer,
            format="pdf",
            metadata={"Title": f"{text.contest} 荣誉证书", "Creator": "科素", "Producer": "科素"},
        )
    return buffer.getvalue()


def _wrap(line: str, width: int) -> list[str]:
    """Chinese has no spaces to break at: cut every ``width`` characters (a long contest name)."""
    return [line[i : i + width] for i in range(0, len(line), width)]

"""PNG charts for the Word report, drawn on the server with matplotlib (no browser, no pyplot state)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

# Fonts with Chinese glyphs, best first; Debian's fonts-noto-cjk provides the first (scripts/setup.sh).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Serif CJK SC",
)
NO_FONT_NOTE = "说明：服务器上没有找到中文字体（如 Noto Sans CJK SC），本报告省略了图表，只列出表格。安装 fonts-noto-cjk 后重新导出即可带图。"


@dataclass(frozen=True)
class Bars:
    """One domain's literacy rates (%) with their 95% CI and the national figure of each level, if any."""

    title: str
    levels: Sequence[str]
    estimates: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]
    national: Sequence[float | None]
    national_label: str = "全国公布值"


@cache
def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese, or None (then charts are left out)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def bars_png(chart: Bars, font: str) -> bytes:
    """Horizontal bars (long town names stay readable) with CI whiskers and the national figure as a marker."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    count = len(chart.levels)
    figure = Figure(figsize=(6.3, 1.3 + 0.42 * count), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(count))[::-1]  # first level on top, as in the table
    # Whiskers are clipped at 0: a tiny group's normal-approximation bound may fall below it (see the web report).
    errors = [
        [max(0.0, e - max(lo, 0.0)) for e, lo in zip(chart.estimates, chart.low, strict=True)],
        [max(0.0, hi - e) for e, hi in zip(chart.estimates, chart.high, strict=True)],
    ]
    axes.barh(
        positions,
        chart.estimates,
        xerr=errors,
        color="#3b7dd8",
        height=0.6,
        capsize=3,
        error_kw={"ecolor": "#333333", "elinewidth": 1},
        label="本地估计（95% 置信区间）",
    )
    for y, value, hi in zip(positions, chart.estimates, chart.high, strict=True):
        axes.text(max(value, hi) + 0.6, y, f"{value:.2f}%", va="center", fontsize=8, family=font)
    marked = [(y, n) for y, n in zip(positions, chart.national, strict=True) if n is not None]
    if marked:
        axes.scatter(
            [n for _y, n in marked],
            [y for y, _n in marked],
            marker="D",
            color="#d9480f",
            s=28,
            zorder=3,
            label=chart.national_label,
        )
    axes.set_yticks(positions, list(chart.levels), family=font, fontsize=9)
    top = max([*chart.high, *(n for n in chart.national if n is not None), 1.0])
    axes.set_xlim(0, min(100.0, top * 1.2 + 2))
    axes.set_xlabel("具备科学素质的比例（%）", family=font, fontsize=9)
    axes.set_title(chart.title, family=font, fontsize=11)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    # Below the axes, so it never hides a bar whatever the values are.
    figure.legend(prop={"family": font, "size": 8}, loc="outside lower center", ncols=2, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

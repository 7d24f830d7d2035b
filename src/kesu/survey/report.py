"""The report of a wave's estimates: tables per domain beside the national figures, xlsx and docx."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from kesu.survey import charts
from kesu.survey.actions import published_figures
from kesu.survey.analysis import OUTCOME_LITERATE, OUTCOME_SCORE
from kesu.survey.demographics import DOMAIN_VARIABLES, PUBLISHED_SERIES, variable_label
from kesu.survey.models import Estimate, Wave, WeightingRun
from kesu.text import printable

XLSX_HEADERS = [
    "指标",
    "分组变量",
    "组别",
    "估计值",
    "标准误",
    "95% 置信下限",
    "95% 置信上限",
    "样本量",
    "设计效应",
    "全国公布值（%）",
    "全国公布年份",
]


def outcome_label(outcome: str) -> str:
    if outcome == OUTCOME_LITERATE:
        return "具备科学素质的比例（%）"
    if outcome == OUTCOME_SCORE:
        return "平均得分"
    return f"等级占比：{outcome.split(':', 1)[1]}（%）"


def _scale(outcome: str) -> float:
    return 1.0 if outcome == OUTCOME_SCORE else 100.0


@dataclass
class Row:
    level: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    deff: float | None
    score: float | None = None
    national: float | None = None
    national_year: str = ""


@dataclass
class Domain:
    variable: str
    label: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Report:
    wave: Wave
    run: WeightingRun
    overall: Row
    mean_score: Row
    grades: list[Row]
    domains: list[Domain]
    national_latest: tuple[str, float] | None

    def chart_data(self) -> list[dict[str, Any]]:
        return [
            {
                "variable": d.variable,
                "label": d.label,
                "levels": [r.level for r in d.rows],
                "estimates": [round(r.estimate, 2) for r in d.rows],
                "low": [round(r.ci_low, 2) for r in d.rows],
                "high": [round(r.ci_high, 2) for r in d.rows],
                "national": [r.national for r in d.rows],
            }
            for d in self.domains
        ]


def _row(e: Estimate) -> Row:
    k = _scale(e.outcome)
    return Row(e.level or "全体", e.estimate * k, e.se * k, e.ci_low * k, e.ci_high * k, e.n, e.deff)


def _national() -> dict[tuple[str, str], tuple[float, str]]:
    """The latest published figure per (series, group)."""
    latest: dict[tuple[str, str], tuple[float, str]] = {}
    for row in published_figures():
        key = (row["series"], row["group"])
        if key not in latest or row["year"] > latest[key][1]:
            latest[key] = (float(row["value_percent"]), row["year"])
    return latest


def build(wave: Wave, run: WeightingRun) -> Report:
    estimates = list(run.estimates.all())
    literate = [e for e in estimates if e.outcome == OUTCOME_LITERATE]
    scores = {(e.by, e.level): e for e in estimates if e.outcome == OUTCOME_SCORE}
    national = _national()
    domains = []
    for variable in DOMAIN_VARIABLES:
        domain = Domain(variable, variable_label(variable))
        for e in (e for e in literate if e.by == variable):
            row = _row(e)
            score = scores.get((variable, e.level))
            row.score = score.estimate if score else None
            figure = national.get((PUBLISHED_SERIES.get(variable, ""), e.level))
            if figure:
                row.national, row.national_year = figure
            domain.rows.append(row)
        if domain.rows:
            domains.append(domain)
    overall = _row(next(e for e in literate if not e.by))
    country = national.get(("national", "全国"))
    if country:
        overall.national, overall.national_year = country
    grade_order = run.diagnostics.get("grade_labels", [])
    grades = sorted(
        (_grade_row(e) for e in estimates if e.outcome.startswith("grade:") and not e.by),
        key=lambda r: grade_order.index(r.level) if r.level in grade_order else 99,
    )
    return Report(
        wave,
        run,
        overall,
        _row(scores[("", "")]),
        grades,
        domains,
        (country[1], country[0]) if country else None,
    )


def _grade_row(e: Estimate) -> Row:
    row = _row(e)
    row.level = e.outcome.split(":", 1)[1]
    return row


def xlsx_rows(run: WeightingRun) -> list[list[Any]]:
    national = _national()
    rows = []
    for e in run.estimates.all():
        k = _scale(e.outcome)
        figure = (
            national.get((PUBLISHED_SERIES.get(e.by, ""), e.level)) if e.outcome == OUTCOME_LITERATE else None
        )
        if e.outcome == OUTCOME_LITERATE and not e.by:
            figure = national.get(("national", "全国"))
        rows.append(
            [
                outcome_label(e.outcome),
                variable_label(e.by) if e.by else "全体",
                e.level or "全体",
                e.estimate * k,
                e.se * k,
                e.ci_low * k,
                e.ci_high * k,
                e.n,
                e.deff,
                figure[0] if figure else None,
                figure[1] if figure else None,
            ]
        )
    return rows


def docx_bytes(report: Report) -> bytes:
    """A report the office can edit and send: method, headline, a chart and a table per domain."""
    from docx import Document
    from docx.shared import Cm, Pt

    wave, run = report.wave, report.run
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    document.add_heading(printable(f"{wave.title}结果报告"), level=0)
    if wave.is_demo:
        document.add_paragraph("演示数据：本报告的数据是合成的，仅供体验系统功能，不代表任何真实人群。")
    diag = run.diagnostics
    document.add_paragraph(
        f"调查区域：{printable(wave.region.full_name)}；期间：{wave.period}；对象：{wave.age_min}—{wave.age_max} 周岁居民；"
        f"有效样本 {report.overall.n} 人，{diag.get('n_strata', '')} 个层、{diag.get('n_psu', '')} 个初级抽样单元。"
        f"评分规则：{diag.get('rule', '')}。"
    )
    document.add_paragraph(
        "估计方法：分层整群抽样设计，各层内初级抽样单元按有放回处理，方差用 Taylor 线性化估计；分组估计在完整设计上"
        "进行（不截取子样本）。加权后标准误按 R survey 包 rake() 的方法计入校准的影响。"
    )
    o = report.overall
    national = (
        f"；全国 {report.national_latest[0]} 年为 {report.national_latest[1]:.2f}%"
        if report.national_latest
        else ""
    )
    document.add_heading("主要结果", level=1)
    document.add_paragraph(
        f"具备科学素质的比例为 {o.estimate:.2f}%（标准误 {o.se:.2f} 个百分点，95% 置信区间 {o.ci_low:.2f}%—"
        f"{o.ci_high:.2f}%，设计效应 {_fmt(o.deff)}）{national}。平均得分 {report.mean_score.estimate:.1f} 分。"
    )
    _table(
        document,
        ["等级", "占比（%）", "标准误", "95% 置信区间"],
        [
            [g.level, f"{g.estimate:.2f}", f"{g.se:.2f}", f"{g.ci_low:.2f}—{g.ci_high:.2f}"]
            for g in report.grades
        ],
    )
    font = charts.cjk_font()
    if font is None and report.domains:
        document.add_paragraph(charts.NO_FONT_NOTE)
    for domain in report.domains:
        document.add_heading(printable(f"按{domain.label}"), level=1)
        if font is not None:
            document.add_picture(io.BytesIO(charts.bars_png(domain_bars(domain), font)), width=Cm(15))
        _table(
            document,
            ["组别", "比例（%）", "标准误", "95% 置信区间", "样本量", "设计效应", "平均分", "全国（%）"],
            [
                [
                    r.level,
                    f"{r.estimate:.2f}",
                    f"{r.se:.2f}",
                    f"{r.ci_low:.2f}—{r.ci_high:.2f}",
                    str(r.n),
                    _fmt(r.deff),
                    f"{r.score:.1f}" if r.score is not None else "",
                    f"{r.national:.2f}（{r.national_year}）" if r.national is not None else "",
                ]
                for r in domain.rows
            ],
        )
    document.add_paragraph(
        "全国数据来源：中国公民科学素质抽样调查公布结果（见 csl_published.csv 所列出处）。"
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def domain_bars(domain: Domain) -> charts.Bars:
    """The chart the web report draws for one domain: rates, 95% CI whiskers and the national figures."""
    years = sorted({r.national_year for r in domain.rows if r.national is not None})
    label = f"全国公布值（{'、'.join(years)} 年）" if years else "全国公布值"
    return charts.Bars(
        f"按{domain.label}：具备科学素质的比例",
        [r.level for r in domain.rows],
        [r.estimate for r in domain.rows],
        [r.ci_low for r in domain.rows],
        [r.ci_high for r in domain.rows],
        [r.national for r in domain.rows],
        label,
    )


def _fmt(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def _table(document: Any, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = printable(text)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = printable(text)  # group labels come from uploaded files

"""The contest's 通报 (docx): participation overall, the sub-regions and the member units ranked with the
normalisation stated beside the raw counts, and the 组织奖 list (docs/contests.md).

It follows reporting's official-document habits (A4, centred title, 一、numbering) through the same
writers as the activities summary. Everything comes from ``rankings`` (``ParticipationFigure`` rows) and
the frozen ``Award`` rows, so a joined and an own contest read alike; an own contest adds its individual
standings through ``individual_section``, which takes the rows from ``standings.top_participants``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from kesu.contests.models import AwardKind, Contest
from kesu.contests.rankings import Rankings, rankings
from kesu.quiz.ranking import Standing
from kesu.reporting.documents import _bytes, _cell, _heading, _new_document, _paragraph, chinese_number

NO_POPULATION = "无人口数据"


class TopParticipant(Protocol):
    """What ``kesu.contests.standings.top_participants`` returns for an own contest (one row each)."""

    @property
    def rank(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def region_name(self) -> str: ...
    @property
    def unit_name(self) -> str: ...
    @property
    def score(self) -> int: ...
    @property
    def duration_ms(self) -> int | None: ...


def percent(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def region_rows(result: Rankings) -> list[list[str]]:
    """Each sub-region: rank on the rule's figure (or why none), the raw counts and the rates."""
    rows = []
    for s in result.regions:
        rank = str(s.rank) if s.rank is not None else f"{NO_POPULATION}（按人数第 {s.raw_rank}）"
        rows.append(
            [
                rank,
                s.place.name,
                f"{s.place.participants:,}",
                f"{s.place.attempts:,}",
                f"{s.place.population:,}" if s.place.population else NO_POPULATION,
                percent(s.rate, 3),
                ratio(s.per_participant),
                percent(s.full_rate),
                str(s.raw_rank),
            ]
        )
    return rows


REGION_HEADERS = ("名次", "地区", "参赛人数", "参赛人次", "人口", "参与率", "人均次数", "满分率", "人数名次")
UNIT_HEADERS = ("名次", "单位", "参赛人数", "参赛人次", "人均次数", "满分率")


def unit_rows(standings: Sequence[Standing]) -> list[list[str]]:
    return [
        [
            str(s.rank) if s.rank is not None else "—",
            s.place.name,
            f"{s.place.participants:,}",
            f"{s.place.attempts:,}",
            ratio(s.per_participant),
            percent(s.full_rate),
        ]
        for s in standings
    ]


def overview_text(result: Rankings) -> str:
    contest, total = result.contest, result.total
    text = (
        f"{contest.name}于{contest.opens_at:%Y年%m月%d日}至{contest.closes_at:%Y年%m月%d日}举行"
        + (f"（主办：{contest.organiser}）" if contest.organiser else "")
        + f"。{contest.region.name}共有 {total.participants:,} 人参赛，累计 {total.attempts:,} 人次"
    )
    if total.participants:
        text += f"，人均参赛 {total.attempts / total.participants:.2f} 次"
    if total.attempts:
        text += f"，满分率 {total.full_scores / total.attempts * 100:.2f}%"
    population = result.organiser_population
    if population and total.participants:
        share = total.participants / population.count * 100
        text += f"；参与率 {share:.3f}%（{population.year} 年末{result.basis_label} {population.count:,} 人）"
    return text + "。"


def _table(document: Any, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, header, bold=True)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            _cell(cell, value)


def award_lines(contest: Contest) -> list[str]:
    """The frozen awards (组织奖, then individual), each with the figures it was decided on."""
    lines = []
    order = {AwardKind.REGION: 0, AwardKind.UNIT: 1, AwardKind.INDIVIDUAL: 2}
    awards = contest.awards.select_related("region", "unit", "participant")
    for award in sorted(awards, key=lambda a: (order.get(AwardKind(a.kind), 3), a.rank)):
        metrics = award.metrics or {}
        if award.kind == AwardKind.INDIVIDUAL and award.participant is not None:
            seconds = (metrics.get("duration_ms") or 0) / 1000
            lines.append(
                f"{award.get_kind_display()}第 {award.rank} 名：{award.participant.name}"
                f"（{metrics.get('score', 0)} 分，用时 {seconds:.1f} 秒）"
            )
            continue
        place = award.region.name if award.region else award.unit.name if award.unit else ""
        lines.append(
            f"{award.get_kind_display()}第 {award.rank} 名：{place}（参赛 {metrics.get('participants', 0):,} 人、"
            f"{metrics.get('attempts', 0):,} 人次）"
        )
    return lines


def individual_section(document: Any, rows: Sequence[TopParticipant]) -> None:
    """An own contest's individual standings (tie-break: score, then time, then first entry)."""
    _table(
        document,
        ("名次", "姓名", "地区", "单位", "得分", "用时（秒）"),
        [
            [
                str(r.rank),
                r.name,
                r.region_name,
                r.unit_name,
                str(r.score),
                f"{r.duration_ms / 1000:.1f}" if r.duration_ms is not None else "—",
            ]
            for r in rows
        ]
        or [["—", "（暂无成绩）", "", "", "", ""]],
    )


def notice_docx(contest: Contest, *, top: Sequence[TopParticipant] = (), today: date | None = None) -> bytes:
    result = rankings(contest)
    document = _new_document(f"关于{contest.name}参赛情况的通报")
    number = 0

    def heading(title: str) -> None:
        nonlocal number
        number += 1
        _heading(document, f"{chinese_number(number)}、{title}", 1)

    heading("总体情况")
    _paragraph(document, overview_text(result))
    heading("各地区参赛情况")
    _paragraph(
        document,
        f"按{result.rule.metric.label}排名：{result.region_formula}。同时列出参赛人数等原始数及按人数的名次，"
        f"原始人数偏向人口多的地区。{result.population_words}。",
    )
    if result.has_unranked_regions:
        _paragraph(
            document,
            f"标“{NO_POPULATION}”的地区缺少人口数据，不参与{result.rule.metric.label}排名，仅按参赛人数列出。",
        )
    _table(
        document, REGION_HEADERS, region_rows(result) or [["—", "（暂无数据）", "", "", "", "", "", "", ""]]
    )
    heading("各成员单位参赛情况")
    _paragraph(document, f"按{result.rule.unit_metric.label}排名：{result.unit_formula}。")
    _table(document, UNIT_HEADERS, unit_rows(result.units) or [["—", "（暂无数据）", "", "", "", ""]])
    heading("组织奖与个人奖" if contest.is_own else "组织奖")
    _paragraph(document, f"评定规则：{result.rule.words(result.basis_label)}。")
    lines = award_lines(contest)
    if not contest.is_frozen:
        _paragraph(document, "竞赛尚未结算，组织奖名单待结算后确定。")
    for line in lines or (["（无）"] if contest.is_frozen else []):
        _paragraph(document, line)
    if contest.is_own:
        heading("个人成绩")
        individual_section(document, top)
    frozen = f"，成绩于 {contest.frozen_at:%Y年%m月%d日} 冻结" if contest.frozen_at else ""
    _paragraph(
        document,
        f"本通报由科素平台根据截至 {(today or date.today()):%Y年%m月%d日} 的竞赛数据生成{frozen}。",
    )
    return _bytes(document)

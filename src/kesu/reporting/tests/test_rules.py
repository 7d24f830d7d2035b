"""The pure rules: lights, rates, due dates, scoring and file sniffing, without Django."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from kesu.progress.status import Point, TargetSpec
from kesu.reporting import rules
from kesu.reporting.sniff import sniff


def test_due_dates_come_from_the_plan_else_june_30_and_december_30() -> None:
    assert rules.due_date_for(2025, 1, ["07-10", "01-15"]) == date(2025, 7, 10)
    assert rules.due_date_for(2025, 2, []) == date(2025, 12, 30)
    assert rules.due_date_for(2025, 1, ["garbage"]) == date(2025, 6, 30)


def test_a_deadline_early_in_the_year_falls_after_the_period_it_reports_on() -> None:
    assert rules.due_date_for(2025, 2, ["07-10", "01-15"]) == date(2026, 1, 15)
    assert rules.due_date_for(2025, None, ["07-10", "01-20"]) == date(2026, 1, 20)
    assert rules.due_date_for(2025, None, ["06-30", "11-30"]) == date(2025, 11, 30)
    assert rules.due_date_for(2025, 2, ["06-30", "12-30"]) == date(2025, 12, 30)


def test_a_report_is_red_when_overdue_or_returned_yellow_when_due_soon_and_grey_until_it_is_in() -> None:
    due = date(2025, 6, 30)
    assert rules.report_light("draft", due, date(2025, 7, 1), 7) == rules.Light(
        rules.RED, "逾期未报（已过截止日 1 天）"
    )
    assert rules.report_light("returned", due, date(2025, 6, 1), 7).colour == rules.RED
    assert rules.report_light("draft", due, date(2025, 6, 25), 7) == rules.Light(
        rules.YELLOW, "临近截止未报（还剩 5 天）"
    )
    assert rules.report_light("draft", due, date(2025, 6, 1), 7).colour == rules.GREY
    assert rules.report_light("submitted", due, date(2025, 7, 5), 7).colour == rules.GREEN


def test_a_task_behind_its_trajectory_is_yellow_and_far_behind_or_lagging_is_red() -> None:
    due, on = date(2025, 6, 30), date(2025, 6, 1)
    behind = rules.entry_light(rules.EntryFacts("submitted", "in_progress", 40, 55.0), due, on, 7)
    assert behind == rules.Light(rules.YELLOW, "完成 40%，按时间进度应达 55%")
    assert (
        rules.entry_light(rules.EntryFacts("submitted", "in_progress", 20, 55.0), due, on, 7).colour
        == rules.RED
    )
    assert (
        rules.entry_light(rules.EntryFacts("submitted", "lagging", 90, 55.0), due, on, 7).colour == rules.RED
    )
    assert (
        rules.entry_light(rules.EntryFacts("submitted", "done", 100, 55.0), due, on, 7).colour == rules.GREEN
    )
    # A draft's content is the unit's work in progress: until it is submitted only the due date counts.
    assert rules.entry_light(rules.EntryFacts("draft", "lagging", 0, 55.0), due, on, 7).colour == rules.GREY


def _bases(reported: float, *, baseline: float | None = 100, per_year: bool = False, period: str = "2024H2"):
    spec = TargetSpec(150, ">=", 2025, Point("2022H2", baseline) if baseline is not None else None, unit="个")
    return rules.TargetFacts("市级科普教育基地 ≥150个", spec, Point(period, reported), per_year)


def test_a_task_whose_target_value_trails_its_trajectory_is_yellow_or_red_though_its_percent_is_fine() -> (
    None
):
    due, on = date(2024, 12, 30), date(2024, 12, 1)

    def light(target: rules.TargetFacts) -> rules.Light:
        return rules.entry_light(
            rules.EntryFacts("submitted", "in_progress", 90, 80.0, (target,)), due, on, 7
        )

    # From 100 at the end of 2022 to 150 by the end of 2025: 133.3 is due by the end of 2024.
    assert light(_bases(134)).colour == rules.GREEN
    assert light(_bases(128)) == rules.Light(
        rules.YELLOW, "市级科普教育基地 ≥150个：报 128个，按进度此时应达 133个"
    )
    assert light(_bases(120)).colour == rules.RED  # less than three quarters of the way it should have come
    assert light(_bases(150)).colour == rules.GREEN  # achieved
    assert light(_bases(105, baseline=None)).colour == rules.GREEN  # no baseline yet: cannot judge


def test_a_yearly_target_is_judged_on_half_the_target_at_mid_year() -> None:
    due, on = date(2025, 6, 30), date(2025, 6, 1)
    half = rules.EntryFacts(
        "submitted", "in_progress", 60, 50.0, (_bases(60, per_year=True, period="2025H1"),)
    )
    assert rules.entry_light(half, due, on, 7).colour == rules.YELLOW  # 60 of 75 by mid-year
    whole = rules.EntryFacts(
        "submitted", "in_progress", 60, 50.0, (_bases(140, per_year=True, period="2025"),)
    )
    assert rules.entry_light(whole, date(2025, 12, 30), on, 7).colour == rules.RED  # the year ended short


def test_a_units_light_counts_its_late_tasks_and_names_one() -> None:
    submitted = rules.Light(rules.GREEN, "已报送")
    tasks = [
        ("任务甲", rules.Light(rules.RED, "牵头单位自报滞后")),
        ("任务乙", rules.Light(rules.YELLOW, "x")),
        ("任务丙", rules.Light(rules.GREEN, "进展正常")),
    ]
    assert rules.unit_light(submitted, tasks) == rules.Light(
        rules.RED, "1 项滞后、1 项预警，如“任务甲”：牵头单位自报滞后"
    )
    assert rules.unit_light(submitted, tasks[2:]).colour == rules.GREEN
    overdue = rules.Light(rules.RED, "逾期未报（已过截止日 3 天）")
    assert rules.unit_light(overdue, tasks[2:]) == overdue


def test_rates_add_up_like_dhis2() -> None:
    total = rules.Rates(4, 3, 2) + rules.Rates(6, 6, 5)
    assert (total.reporting_rate, total.on_time_rate) == (90.0, 70.0)
    assert rules.NO_RATES.reporting_rate is None


def test_scores_are_computed_from_the_data_and_ranked_with_ties() -> None:
    parts = rules.computed_components(rules.UnitYear(2, 1, 10, 10, (0.88, 1.5)), rules.Weights())
    assert (parts.timeliness, parts.completeness, parts.achievement) == (10.0, 20.0, 37.6)
    assert rules.total_score(parts, 18, 2, 1) == 86.6
    assert rules.rank([("甲", 90), ("乙", 95), ("丙", 90)]) == [(1, "乙", 95), (2, "甲", 90), (2, "丙", 90)]
    assert rules.target_ratio(132, 150, ">=") == 0.88


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


def test_a_unit_leading_no_task_has_no_achievement_and_its_other_parts_count_to_the_full_hundred() -> None:
    # 参与单位: 2 reports on time of 2, 3 of 4 contributions filled; no task of its own.
    year = rules.UnitYear(2, 2, 4, 3, (), leads=False)
    parts = rules.computed_components(year, rules.Weights())
    assert parts.not_applicable == ("achievement",)
    assert (parts.timeliness, parts.completeness) == (20.0, 15.0)
    # (20 + 15 + quality 16) × 100 / 60 = 85.0, then +2 加分
    assert rules.total_score(parts, 16, 2, 0, rules.Weights()) == 87.0


def test_a_lead_unit_keeps_every_component_and_is_not_rescaled() -> None:
    year = rules.UnitYear(2, 1, 2, 2, (0.5, 0.5))  # lead: one report late, % complete 50 on both tasks
    parts = rules.computed_components(year, rules.Weights())
    assert parts.not_applicable == ()
    assert rules.total_score(parts, 18, 0, 0, rules.Weights()) == 10 + 20 + 20 + 18


def test_a_lead_unit_whose_reports_are_not_approved_scores_zero_achievement_rather_than_not_applicable() -> (
    None
):
    parts = rules.computed_components(rules.UnitYear(1, 0, 2, 0, (), leads=True), rules.Weights())
    assert parts.achievement == 0 and parts.not_applicable == ()


def test_the_rescale_factor_follows_the_schemes_own_weights() -> None:
    weights = rules.Weights(timeliness=10, completeness=10, achievement=50, quality=30)
    assert rules.rescale_factor(weights, ("achievement",)) == 2.0
    assert rules.rescale_factor(weights, ()) == 1.0


def test_a_task_no_unit_reports_on_is_grey_no_responsible_unit_not_green() -> None:
    light = rules.task_light([])
    assert light.colour == rules.GREY and light.label == "无责任单位"
    assert rules.task_light([rules.Light(rules.GREEN, "已报送")]).label == "正常"


def test_file_types_are_read_from_content_not_names() -> None:
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff(b"\xff\xd8\xff\xe0") == "jpg"
    assert sniff(b"%PDF-1.7") == "pdf"
    assert sniff(_zip(["[Content_Types].xml", "word/document.xml"])) == "docx"
    assert sniff(_zip(["[Content_Types].xml", "xl/workbook.xml"])) == "xlsx"
    assert sniff(_zip(["evil.exe"])) is None
    assert sniff(b"MZ\x90\x00") is None


def test_a_task_the_office_marked_not_reported_is_grey_not_reported_not_no_responsible_unit() -> None:
    light = rules.task_light([], not_reported=True)
    assert light.colour == rules.GREY and light.label == "不报送"

"""The pure rules: lights, rates, due dates, scoring and file sniffing, without Django."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from kesu.reporting import rules
from kesu.reporting.sniff import sniff


def test_due_dates_come_from_the_plan_else_june_30_and_december_30() -> None:
    assert rules.due_date_for(2025, 1, ["07-10", "01-15"]) == date(2025, 7, 10)
    assert rules.due_date_for(2025, 2, []) == date(2025, 12, 30)
    assert rules.due_date_for(2025, 1, ["garbage"]) == date(2025, 6, 30)


def test_a_report_is_red_when_overdue_or_returned_yellow_when_due_soon() -> None:
    due = date(2025, 6, 30)
    assert rules.report_light("draft", due, date(2025, 7, 1), 7) == rules.RED
    assert rules.report_light("returned", due, date(2025, 6, 1), 7) == rules.RED
    assert rules.report_light("draft", due, date(2025, 6, 25), 7) == rules.YELLOW
    assert rules.report_light("draft", due, date(2025, 6, 1), 7) == rules.GREEN
    assert rules.report_light("submitted", due, date(2025, 7, 5), 7) == rules.GREEN


def test_a_task_behind_its_trajectory_is_yellow_and_far_behind_or_lagging_is_red() -> None:
    due, on = date(2025, 6, 30), date(2025, 6, 1)
    facts = rules.EntryFacts("submitted", "in_progress", 40, 55.0)
    assert rules.entry_light(facts, due, on, 7) == rules.YELLOW
    assert rules.entry_light(rules.EntryFacts("submitted", "in_progress", 20, 55.0), due, on, 7) == rules.RED
    assert rules.entry_light(rules.EntryFacts("submitted", "lagging", 90, 55.0), due, on, 7) == rules.RED
    assert rules.entry_light(rules.EntryFacts("submitted", "done", 100, 55.0), due, on, 7) == rules.GREEN


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


def test_file_types_are_read_from_content_not_names() -> None:
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff(b"\xff\xd8\xff\xe0") == "jpg"
    assert sniff(b"%PDF-1.7") == "pdf"
    assert sniff(_zip(["[Content_Types].xml", "word/document.xml"])) == "docx"
    assert sniff(_zip(["[Content_Types].xml", "xl/workbook.xml"])) == "xlsx"
    assert sniff(_zip(["evil.exe"])) is None
    assert sniff(b"MZ\x90\x00") is None

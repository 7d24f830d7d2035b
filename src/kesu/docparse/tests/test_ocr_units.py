"""Unit names in recognised text, repaired against the plan's own units (no OCR runs here)."""

from __future__ import annotations

from kesu.docparse import Extraction, parse_extraction, parse_plan_text
from kesu.docparse.ocr_units import split_run

PLAN = """关于印发某市科普工作实施方案的通知
一、重点任务
1．实施青少年科学素质提升行动。开展科技教育活动。
牵头单位：市教育局、市科协
参与单位：市工业和信息化局、市民政局、市应急管理局、市乡村振兴局、平顶山工业职业技术学院
2．实施农民科学素质提升行动。开展农业科普活动。
牵头单位：市农业农村局、市科协
参与单位：市工业和信息化局、市民政局、市应急管理局、市乡村振兴局、平顶山工业职业技术学院
3．实施老年人科学素质提升行动。开展健康科普活动。
牵头单位：市卫生健康委、市科协
参与单位：市工业和信息化局市民政局、市应急管理局室市乡村振兴局、平预山王业职业技术学院
"""


def _units(draft: object, number: int) -> list[str]:
    return draft.tasks[number].participating_units  # type: ignore[attr-defined]


def test_unit_names_run_together_by_the_recogniser_are_split_and_corrected_from_the_plans_own_names() -> None:
    draft = parse_extraction(Extraction(text=PLAN, uncertain=[], ocr_pages=1))
    assert _units(draft, 2) == _units(draft, 0)
    assert _units(draft, 0) == [
        "市工业和信息化局",
        "市民政局",
        "市应急管理局",
        "市乡村振兴局",
        "平顶山工业职业技术学院",
    ]


def test_a_text_document_keeps_its_unit_names_as_written() -> None:
    draft = parse_plan_text(PLAN)
    assert "市工业和信息化局市民政局" in _units(draft, 2)


def test_a_run_is_split_only_where_a_unit_ends_and_the_next_begins() -> None:
    assert split_run("市工业和信息化局市民政局") == ["市工业和信息化局", "市民政局"]
    assert split_run("平顶山日报社市广播电视台") == ["平顶山日报社", "市广播电视台"]
    assert split_run("市委宣传部") == ["市委宣传部"]
    assert split_run("团市委") == ["团市委"]
    assert split_run("√市广播电视台") == ["市广播电视台"]
    assert split_run("平顶山日报社√市广播电视台") == ["平顶山日报社", "市广播电视台"]
    assert split_run("市人力资源和社会保障局") == ["市人力资源和社会保障局"]


def test_a_short_name_with_one_misread_character_is_corrected_only_where_the_recogniser_was_unsure() -> None:
    text = PLAN.replace("市应急管理局室", "市应急管埋局、")
    at = text.index("管埋局")
    unsure = parse_extraction(Extraction(text=text, uncertain=[(at + 1, at + 2)], ocr_pages=1))
    assert "市应急管理局" in _units(unsure, 2)
    sure = parse_extraction(Extraction(text=text, uncertain=[], ocr_pages=1))
    assert "市应急管埋局" in _units(sure, 2)

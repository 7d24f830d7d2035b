"""The 科普统计 form as data and the checks its own rules imply (pure module, hand-made cases)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kesu.kepustats import form as formdef
from kesu.kepustats.form import MISSING, FormError, check, parse_cell, submit_problems


@pytest.fixture
def form() -> formdef.FormDef:
    return formdef.load_form(2024)


def messages(problems: list[formdef.Problem]) -> str:
    return " ".join(p.message for p in problems)


def test_every_form_year_has_the_five_blocks_with_units_and_parents() -> None:
    for year in formdef.form_years():
        f = formdef.load_form(year)
        assert [b.name for b in f.blocks] == ["科普人员", "科普场地", "科普经费", "科普传媒", "科普活动"]
        assert {i.unit for i in f.indicators} >= {
            "人",
            "人月",
            "个",
            "平方米",
            "万元",
            "种",
            "册",
            "小时",
            "次",
            "人次",
        }
        assert f["R110"].parent == "R100" and f["R170"].workload_of == "R100"
        assert f["A101"].prefillable and not f["R100"].prefillable


def test_a_data_year_uses_the_newest_form_not_after_it() -> None:
    assert formdef.form_year_for(2023) == 2023
    assert formdef.form_year_for(2025) == 2024
    assert formdef.form_year_for(2019) == 2023  # before the first form: the first
    assert "M930" in formdef.load_form(2024).by_code and "M930" not in formdef.load_form(2023).by_code
    assert formdef.load_form(2023)["R150"].name == "其中：专职从事科普创作与研发人员"


def test_cells_are_whole_numbers_and_a_dash_is_missing_not_zero() -> None:
    assert parse_cell("12") == 12
    assert parse_cell("１，２００") == 1200
    assert parse_cell("0") == 0
    assert parse_cell("-") is MISSING
    assert parse_cell("－") is MISSING
    assert parse_cell("  ") is None
    assert parse_cell("3.0") == 3
    with pytest.raises(FormError, match="不是整数"):
        parse_cell("2.5")
    with pytest.raises(FormError, match="负数"):
        parse_cell("-3")
    with pytest.raises(FormError, match="不是数字"):
        parse_cell("约100")


def test_money_is_rounded_half_up_to_whole_wan_yuan() -> None:
    assert formdef.whole(Decimal("35000"), 10_000) == 4
    assert formdef.whole(Decimal("4999.99"), 10_000) == 0
    assert formdef.whole(Decimal("5000"), 10_000) == 1
    assert formdef.whole(None) == 0


def test_a_part_above_its_total_is_named_with_both_figures(form: formdef.FormDef) -> None:
    problems = check(form, {"R100": 10, "R120": 12})
    assert [p.code for p in problems] == ["R120"]
    assert "「其中：女性」12 不能大于「科普专职人员」10" in problems[0].message


def test_a_part_with_a_figure_under_a_missing_total_is_refused(form: formdef.FormDef) -> None:
    assert "填了“-”" in messages(check(form, {"F100": MISSING, "F110": 3}))
    assert check(form, {"F100": MISSING, "F110": 0}) == []
    assert check(form, {"F100": MISSING, "F110": MISSING}) == []


def test_workload_is_in_person_months_at_most_twelve_per_person(form: formdef.FormDef) -> None:
    # The training example: three part-timers working 2, 3 and 1 months make 6 人月.
    assert check(form, {"R200": 3, "R250": 6}) == []
    assert check(form, {"R200": 3, "R250": 36}) == []
    problem = check(form, {"R200": 3, "R250": 37})
    assert "37 人月超过「科普兼职人员」3 人 × 12 个月 = 36 人月" in messages(problem)


def test_attendance_without_anything_held_is_refused(form: formdef.FormDef) -> None:
    assert "「科普（技）讲座：举办次数」为 0" in messages(check(form, {"A100": 0, "A101": 50, "A900": 50}))
    assert check(form, {"A100": 2, "A101": 50, "A900": 50}) == []


def test_a_type_s_attendance_may_not_exceed_the_total_attendance(form: formdef.FormDef) -> None:
    assert [p.code for p in check(form, {"A100": 2, "A101": 500, "A900": 300})] == ["A101"]


def test_submission_wants_every_item_filled_with_a_number_or_a_dash(form: formdef.FormDef) -> None:
    filled: dict[str, formdef.Cell] = {i.code: 0 for i in form.indicators}
    assert submit_problems(form, filled) == []
    del filled["M100"]
    problems = submit_problems(form, filled)
    assert [p.code for p in problems] == ["M100"]
    assert "无此项填“0”，缺失填“-”" in problems[0].message
    filled["M100"] = MISSING
    assert submit_problems(form, filled) == []


def test_the_region_adds_numbers_and_keeps_a_dash_only_where_every_unit_has_one(
    form: formdef.FormDef,
) -> None:
    totals = formdef.add_up(
        form, [{"R100": 3, "M100": MISSING}, {"R100": 4, "M100": MISSING, "M110": 5}, {"M110": MISSING}]
    )
    assert totals["R100"] == 7
    assert totals["M100"] is MISSING
    assert totals["M110"] == 5
    assert "R200" not in totals


def test_a_form_file_naming_an_unknown_total_is_refused() -> None:
    raw = {
        "year": 2030,
        "title": "t",
        "blocks": [
            {
                "key": "p",
                "name": "人员",
                "indicators": [{"code": "X1", "name": "其中：女性", "unit": "人", "parent": "X0"}],
            }
        ],
    }
    with pytest.raises(FormError, match="不存在的指标 X0"):
        formdef.parse_form(raw)

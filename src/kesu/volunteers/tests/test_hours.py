"""Hour rules, star ladders and eligibility on hand-computed cases (pure: runs without Django)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from kesu.volunteers import hours
from kesu.volunteers.hours import Entry, HourRules, HoursError

DAY = date(2025, 5, 20)


def test_signed_in_and_out_time_is_rounded_down_to_half_hours() -> None:
    raw = hours.raw_hours(datetime(2025, 5, 20, 9, 0), datetime(2025, 5, 20, 11, 20), None)
    assert raw == D("2.33")
    assert hours.one_record(raw, "", HourRules()) == D("2.0")  # 2 h 20 min: four half hours
    assert hours.one_record(D("2.5"), "", HourRules()) == D("2.5")
    assert hours.one_record(D("0.4"), "", HourRules()) == D("0")


def test_an_hour_unit_counts_whole_hours_only() -> None:
    assert hours.one_record(D("2.9"), "", HourRules(unit=D(1))) == D(2)


def test_the_per_activity_cap_applies_before_the_category_factor() -> None:
    rules = HourRules(per_activity_cap=D(2), factors={"科技咨询": D("1.5")})
    assert hours.one_record(D("3.5"), "科技咨询", rules) == D("3.0")  # min(3.5, 2) × 1.5
    assert hours.one_record(D("3.5"), "理论宣讲", rules) == D("2")


def test_the_daily_cap_gives_a_later_record_only_what_is_left_of_the_day() -> None:
    rules = HourRules(daily_cap=D(8))
    counted = hours.counted_hours(
        [
            Entry("a", "张三", DAY, D("5.2")),  # 5.0
            Entry("b", "张三", DAY, D("4.0")),  # 3.0 left of the day
            Entry("c", "张三", date(2025, 5, 21), D("4.0")),  # another day
            Entry("d", "李四", DAY, D("9.0")),  # alone, capped at 8
        ],
        rules,
    )
    assert counted == {"a": D("5.0"), "b": D("3.0"), "c": D("4.0"), "d": D("8")}


def test_no_rules_may_count_more_than_a_day_or_negative_hours() -> None:
    with pytest.raises(HoursError, match="24"):
        HourRules(daily_cap=D(25))
    with pytest.raises(HoursError, match="超过每天 24 小时"):
        hours.raw_hours(None, None, D(25))
    with pytest.raises(HoursError, match="不能为负数"):
        hours.raw_hours(None, None, D(-1))
    with pytest.raises(HoursError, match="签退时间早于签到时间"):
        hours.raw_hours(datetime(2025, 5, 20, 12), datetime(2025, 5, 20, 9), None)
    with pytest.raises(HoursError, match="签到和签退"):
        hours.raw_hours(datetime(2025, 5, 20, 12), None, None)


def test_days_over_24_hours_in_total_are_named() -> None:
    entries = [Entry(1, "张三", DAY, D(14)), Entry(2, "张三", DAY, D(11)), Entry(3, "李四", DAY, D(11))]
    assert hours.daily_totals_over(entries) == [("张三", DAY, D(25))]


def test_stars_follow_the_default_ladder_at_its_thresholds() -> None:
    assert [hours.stars(h) for h in (0, D("99.5"), 100, 299, 300, 600, 999, 1000, 1500, 4000)] == [
        0,
        0,
        1,
        1,
        2,
        3,
        3,
        4,
        5,
        5,
    ]
    assert hours.star_name(hours.stars(650)) == "三星"
    assert hours.hours_to_next_star(650) == 350


def test_another_ladder_gives_other_stars_and_a_bad_one_is_refused() -> None:
    assert hours.stars(350, (100, 200, 300, 400, 500)) == 3
    with pytest.raises(HoursError, match="递增"):
        hours.stars(10, (100, 50, 300, 400, 500))
    with pytest.raises(HoursError, match="5 级"):
        hours.stars(10, (100, 200))


def test_person_eligibility_needs_ten_activities_and_twenty_hours() -> None:
    assert hours.person_eligibility(10, 20).eligible
    short = hours.person_eligibility(9, D("19.5"))
    assert not short.eligible
    assert short.missing == ("服务活动 9 次，不足 10 次", "服务时长 19.5 小时，不足 20 小时")


def test_team_eligibility_needs_twenty_volunteers_fifty_activities_and_a_hundred_hours() -> None:
    assert hours.team_eligibility(20, 50, 100).eligible
    assert hours.team_eligibility(19, 50, 100).missing == ("注册志愿者 19 人，不足 20 人",)
    assert len(hours.team_eligibility(0, 0, 0).missing) == 3


def test_a_certificate_stands_as_issued_and_notes_a_later_correction() -> None:
    assert hours.certificate_state(D("12.5"), D("12.5")) == "有效"
    assert "现累计 10.5 小时" in hours.certificate_state(D("12.5"), D("10.5"))


def test_the_harder_form_of_a_two_form_target_binds() -> None:
    # 20万 and 4% of 496.8万 (19.87万): the absolute number binds; with 520万 people, 4% (20.8万) binds
    assert hours.binding_form(200_000, 4, 4_968_000) == (200_000, "人数目标")
    value, form = hours.binding_form(200_000, 4, 5_200_000)
    assert form == "比例目标" and value == pytest.approx(208_000)
    assert hours.binding_form(None, 2, 1_000_000) == (pytest.approx(20_000), "比例目标")


def test_registrations_jumping_while_monthly_actives_stay_flat_are_flagged() -> None:
    assert "增长 50%" in hours.growth_flag(10_000, 15_000, 3_000, 3_050)
    assert hours.growth_flag(10_000, 15_000, 3_000, 4_500) == ""
    assert hours.growth_flag(10_000, 10_500, 3_000, 3_000) == ""

"""The genre's conventions, each on a small made-up plan (not the seeds)."""

from __future__ import annotations

from pathlib import Path

from kesu.docparse import key_groups, parse_plan_bytes, parse_plan_text
from kesu.docparse.targets import find_targets
from kesu.docparse.units import parse_clause, split_units

from .variants import as_gb18030

HEADER = "某市全民科学素质行动实施方案（2021—2025年）\n一、总体要求\n（一）主要目标。到2025年，全市公民具备科学素质的比例达到16%。\n"


def _plan(body: str) -> str:
    return HEADER + body


def test_a_section_level_lead_line_applies_to_every_task_in_it() -> None:
    draft = parse_plan_text(
        _plan(
            "二、提升行动\n（一）青少年科学素质提升行动\n1.开展科学教育。内容。\n2.组织科技竞赛。内容。\n"
            "牵头单位：市教育局、市科协\n参与单位：市委宣传部、团市委等\n"
        )
    )
    assert [t.title for t in draft.tasks] == ["开展科学教育", "组织科技竞赛"]
    for task in draft.tasks:
        assert task.lead_units == ["市教育局", "市科协"]
        assert task.participating_units == ["市委宣传部", "团市委"]


def test_lead_and_participating_units_on_one_line_separated_by_a_comma_are_both_read() -> None:
    draft = parse_plan_text(
        _plan(
            "二、重点工程\n（一）科普信息化工程\n1.实施互联网+科普。内容。\n"
            "牵头单位:市科协、市委宣传部，参与单位：市教育局、市财政局。\n"
        )
    )
    task = draft.tasks[0]
    assert task.lead_units == ["市科协", "市委宣传部"]
    assert task.participating_units == ["市教育局", "市财政局"]


def test_a_per_item_clause_overrides_the_section_line_for_its_own_role_only() -> None:
    draft = parse_plan_text(
        _plan(
            "二、重点任务\n（一）实施农民科学素质行动（牵头部门：市农业局、市科协）\n"
            "1.培育高素质农民。内容。（责任单位：市农业局、市人社局）\n2.实施科普惠农。内容。\n"
        )
    )
    first, second = draft.tasks
    assert first.lead_units == ["市农业局", "市科协"] and first.responsible_units == ["市农业局", "市人社局"]
    assert second.lead_units == ["市农业局", "市科协"] and second.responsible_units == []


def test_units_responsible_by_their_duties_are_responsible_without_a_lead() -> None:
    draft = parse_plan_text(
        _plan(
            "二、提升行动\n（一）老年人科学素质提升行动。\n"
            "1.实施智慧助老行动。普及智能技术。（各镇街道、县卫生健康局、县科协按职责分工负责）\n"
        )
    )
    assert draft.tasks[0].responsible_units == ["各镇街道", "县卫生健康局", "县科协"]
    assert draft.tasks[0].lead_units == []


def test_dash_bullets_take_the_division_of_labour_written_after_them() -> None:
    draft = parse_plan_text(
        _plan(
            "二、提升行动\n（一）产业工人科学素质提升行动\n以提升技能为重点。\n"
            "——推进教育培训。培训人数不少于4000人。\n——提升职业技能。内容。\n"
            "（责任分工：区人社局、区总工会牵头，区委宣传部、区财政局等单位参加）\n"
        )
    )
    assert [t.title for t in draft.tasks] == ["推进教育培训", "提升职业技能"]
    for task in draft.tasks:
        assert task.lead_units == ["区人社局", "区总工会"]
        assert task.participating_units == ["区委宣传部", "区财政局"]


def test_unit_names_keep_their_parentheses_and_lose_a_trailing_deng() -> None:
    assert split_units("市素质办、各牵头单位、各县（市、区）等") == [
        "市素质办",
        "各牵头单位",
        "各县（市、区）",
    ]
    clause = parse_clause("区教体局牵头，区委宣传部、区消防救援大队等单位参加")
    assert clause is not None and clause.participating == ["区委宣传部", "区消防救援大队"]


def test_a_section_whose_content_is_only_a_paragraph_is_itself_a_task() -> None:
    draft = parse_plan_text(
        _plan(
            "二、保障措施\n（一）加强组织领导。各级政府要负责领导实施工作。\n（二）完善保障条件。加大投入。\n"
        )
    )
    assert [t.title for t in draft.tasks] == ["加强组织领导", "完善保障条件"]


def test_the_general_requirements_are_not_tasks() -> None:
    draft = parse_plan_text(
        _plan("（二）基本原则。\n——坚持价值引领。内容。\n二、保障措施\n（一）强化组织领导。内容。\n")
    )
    assert [t.title for t in draft.tasks] == ["强化组织领导"]


def _one_target(sentence: str, default_year: int | None = None) -> tuple[float, str, str, int | None, bool]:
    (target,) = find_targets(sentence, 0, default_year)
    return target.value, target.unit, target.comparator, target.year, target.per_year


def test_a_quantity_in_ten_thousands_is_normalised_and_a_yearly_target_has_no_year() -> None:
    assert _one_target("每年完成各类职业培训15万人次。") == (150000, "人次", ">=", None, True)


def test_a_chinese_thousand_counts_as_one_thousand() -> None:
    assert _one_target("到2025年，全市形成千名科普专家的服务规模。") == (1000, "名", ">=", 2025, False)


def test_about_thirty_counts_as_thirty() -> None:
    assert _one_target("每年培训科技辅导员30余人次。") == (30, "人次", ">=", None, True)


def test_striving_to_exceed_is_strictly_greater_and_the_five_year_period_ends_the_plan() -> None:
    assert _one_target("“十四五”期间，全市科普中国信息员力争超过20万人。") == (200000, "人", ">", 2025, False)


def test_a_clause_opening_with_nian_is_per_year() -> None:
    assert _one_target("发挥大学生作用，年制作微视频不少于100期。") == (100, "期", ">=", None, True)


def test_numbers_that_are_names_dates_or_document_numbers_are_not_targets() -> None:
    text = (
        "“十四五”期间落实《健康素养66条》，实施330工程和“五进”活动，依据平政字〔2021〕9号，"
        "每年6月30日前报送，开展“万人助万企”活动，把技术送进千家万户，用3个月完成，提高2个百分点。"
    )
    assert find_targets(text, 0, None) == []


def test_an_annual_work_plan_dates_its_targets_in_its_own_year() -> None:
    assert _one_target("推动全市完成各类职业培训20万人次。", default_year=2017) == (
        200000,
        "人次",
        ">=",
        2017,
        False,
    )


def test_the_headline_goal_is_recognised_on_its_own() -> None:
    draft = parse_plan_text(_plan("二、保障措施\n（一）强化组织领导。内容。\n"))
    assert draft.goal is not None
    assert (draft.goal.value, draft.goal.comparator, draft.goal.year) == (16.0, ">=", 2025)
    assert draft.tasks[0].targets == []


def test_a_notice_wrapper_gives_the_title_and_document_number_and_is_not_a_task() -> None:
    text = (
        "某政办〔2022〕5号\n某县人民政府办公室\n关于印发某县“十四五”全民科学素质\n行动实施方案的通知\n"
        "各镇人民政府：\n现将《某县“十四五”全民科学素质行动实施方案》印发给你们，请认真组织实施。\n"
        "某县人民政府办公室\n2022年1月5日\n某县“十四五”全民科学素质行动实施方案\n"
        "一、重点任务\n（一）强化组织领导。内容。\n"
    )
    draft = parse_plan_text(text)
    assert draft.title == "某县“十四五”全民科学素质行动实施方案"
    assert draft.doc_number == "某政办〔2022〕5号"
    assert draft.region == "某县"
    assert (draft.period.start, draft.period.end) == (2021, 2025) if draft.period else False
    assert len(draft.tasks) == 1


def test_artifacts_of_conversion_are_dropped_from_titles_and_spans_still_point_into_the_source() -> None:
    text = _plan(
        "二、重点任务\n（一）[bookmark: _GoBack]加强科普[image: logo.png]基地建设。到2025年建成基地5个以上。\n"
    )
    task = parse_plan_text(text).tasks[0]
    assert task.title == "加强科普基地建设"
    (target,) = task.targets
    assert text[target.span[0] : target.span[1]] == "到2025年建成基地5个以上"
    assert text[task.span[0] : task.span[1]].startswith("（一）[bookmark: _GoBack]加强科普")


def test_a_text_pasted_twice_keeps_one_copy() -> None:
    body = _plan(
        "".join(
            f"二、重点任务\n（{n}）第{n}项重点任务的标题写在这里。这里是任务正文内容。\n"
            for n in "一二三四五"
        )
    )
    broken = "\n".join(body[i : i + 7] for i in range(0, len(body) - 40, 7))
    draft = parse_plan_text(body + "\n" + broken)
    assert len(draft.tasks) == 5
    assert any("两遍" in w for w in draft.warnings)


def test_reporting_deadlines_in_the_plan_are_extracted() -> None:
    draft = parse_plan_text(
        _plan(
            "二、保障措施\n（一）统筹协调推进。各部门分别于每年6月30日前将半年工作情况和12月30日前将全年工作情况报送县素质办。\n"
        )
    )
    assert draft.reporting_deadlines == ["06-30", "12-30"]


def test_task_ids_are_stable_across_a_corrected_reimport() -> None:
    first = parse_plan_text(
        _plan("二、保障措施\n（一）强化组织领导。旧的内容。\n（二）加大经费投入。内容。\n")
    )
    second = parse_plan_text(
        _plan("二、保障措施\n（一）强化组织领导。改过的内容，更长了。\n（二）加大经费投入。内容。\n")
    )
    assert [t.id for t in first.tasks] == [t.id for t in second.tasks]
    assert len({t.id for t in first.tasks}) == 2


def test_key_groups_come_from_the_section_heading() -> None:
    draft = parse_plan_text(
        _plan(
            "二、提升行动\n（一）老年人科学素质提升行动\n1.提高信息素养。内容。\n"
            "（二）领导干部和公务员科学素质提升行动\n1.加强培训。内容。\n"
        )
    )
    assert [key_groups(t) for t in draft.tasks] == [["老年人"], ["领导干部和公务员"]]
    assert draft.to_json_dict()["tasks"][0]["key_groups"] == ["老年人"]
    assert {t.part_kind for t in draft.tasks} == {"action"}


def test_gb18030_text_is_detected_from_its_bytes() -> None:
    draft = parse_plan_bytes(as_gb18030(_plan("二、保障措施\n（一）强化组织领导。内容。\n")), "plan.txt")
    assert draft.tasks[0].title == "强化组织领导"


def test_the_json_follows_the_contract() -> None:
    out = parse_plan_text(_plan("二、保障措施\n（一）强化组织领导。建成基地5个。\n")).to_json_dict()
    assert {
        "title",
        "region",
        "doc_number",
        "period",
        "goal",
        "tasks",
        "reporting_deadlines",
        "warnings",
    } <= set(out)
    task = out["tasks"][0]
    for key in (
        "id",
        "number",
        "part",
        "section",
        "title",
        "text",
        "lead_units",
        "participating_units",
        "responsible_units",
        "targets",
        "part_kind",
        "key_groups",
    ):
        assert key in task
    assert set(task["targets"][0]) >= {
        "indicator",
        "value",
        "unit",
        "comparator",
        "year",
        "per_year",
        "text",
        "span",
    }


def test_a_responsibility_line_after_each_item_belongs_to_that_item() -> None:
    draft = parse_plan_text(
        _plan(
            "二、重点任务\n（一）青少年科学素质提升行动\n1.开展科学教育。内容。\n责任单位：市教育局\n"
            "2.组织科技竞赛。内容。\n责任单位：市科协、团市委\n"
        )
    )
    assert [t.responsible_units for t in draft.tasks] == [["市教育局"], ["市科协", "团市委"]]


def test_a_letterhead_document_number_is_found_next_to_the_issuer() -> None:
    draft = parse_plan_text(
        "某县人民政府办公室文件 某政办发〔2023〕12号\n关于印发某县全民科学素质行动实施方案的通知\n"
        "各镇人民政府：\n现将方案印发给你们。\n一、重点任务\n（一）强化组织领导。内容。\n"
    )
    assert draft.doc_number == "某政办发〔2023〕12号"


def test_word_automatic_list_numbers_are_kept_as_heading_numbers() -> None:
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("某市全民科学素质工作要点")
    for title in ("加强组织领导。各单位要落实责任。", "完善保障条件。加大经费投入。"):
        document.add_paragraph(title, style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    draft = parse_plan_bytes(buffer.getvalue(), "plan.docx")
    assert [t.title for t in draft.tasks] == ["加强组织领导", "完善保障条件"]


def test_the_indicator_phrase_names_what_is_counted() -> None:
    def phrases(sentence: str) -> list[str]:
        return [t.indicator for t in find_targets(sentence, 0, 2025)]

    # a second count in the same clause starts its own phrase
    assert phrases("培训农技人员50人次、高素质农民500人以上。") == ["培训农技人员", "高素质农民"]
    # a bare verb before the number: the noun after the number is what is counted
    assert phrases("“十四五”期间建设5个市级科普示范基地。") == ["市级科普示范基地"]
    assert phrases("全县形成千名科普专家的服务规模。") == ["科普专家"]
    # modal words at the end are not part of the indicator
    assert phrases("“科普中国”信息员注册数量要达到常住人口的2%。") == ["“科普中国”信息员注册数量"]


def test_a_county_work_points_in_another_house_style_parses_in_full() -> None:
    """A synthetic 工作要点 written the way many counties write them (not one of the seeds)."""
    text = (Path(__file__).parent / "documents" / "county_work_points_2023.txt").read_text(encoding="utf-8")
    draft = parse_plan_text(text)
    assert (draft.region, draft.doc_number) == ("某某县", "某科素办〔2023〕2号")
    assert draft.period is not None and (draft.period.start, draft.period.end) == (2023, 2023)
    assert draft.goal is not None and (draft.goal.value, draft.goal.year) == (13, 2023)
    assert draft.reporting_deadlines == ["06-25", "12-20"]  # one 前 closes the list of dates
    by_title = {t.title: t for t in draft.tasks}
    assert by_title["深化科学教育改革"].lead_units == ["县教体局"]
    assert by_title["深化科学教育改革"].participating_units == ["县科协", "团县委"]  # 配合单位
    assert by_title["推进农村科普阵地建设"].responsible_units == ["县科协", "各乡镇人民政府"]
    counted = {(t.value, t.unit) for task in draft.tasks for t in task.targets}
    assert {(200, "件"), (5, "支"), (30, "场次"), (500, "人次"), (10, "个")} <= counted
    assert by_title["加强组织领导"].responsible_units == ["各成员单位"]

"""Plans in the shapes offices publish them, each on a document written after the genre (not the seeds)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.table import Table

from kesu.docparse import PlanDraft, parse_plan_bytes, parse_plan_text
from kesu.docparse.meta import region, title
from kesu.docparse.targets import find_targets

from .conftest import SEEDS, assert_meets_thresholds, sample_text, score

DOCUMENTS = Path(__file__).parent / "documents"


def document(name: str) -> str:
    return (DOCUMENTS / name).read_text(encoding="utf-8")


def as_docx_paragraphs(text: str) -> bytes:
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def spaced_like_pdf(text: str, width: int = 30) -> str:
    """What some PDF extractors give: a space between every character, lines cut at the page width."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        for start in range(0, len(paragraph), width):
            out.append(" ".join(paragraph[start : start + width]))
    return "\n".join(out)


def as_traditional(text: str) -> str:
    """The text as a traditional-character office would write it: OpenCC's own s2t conversion,
    phrases included, so the test does not reuse the parser's character table."""
    from opencc_purepy import OpenCC

    return str(OpenCC("s2t").convert(text))


def targets_of(draft: PlanDraft) -> list[tuple[str, float, str]]:
    return [(t.indicator, t.value, t.unit) for task in draft.tasks for t in task.targets]


# --- every numbered item is a task ----------------------------------------------------------------


@pytest.mark.parametrize("as_file", ["txt", "docx"])
def test_every_one_line_item_of_a_work_plan_is_a_task_with_its_own_lead_unit(as_file: str) -> None:
    text = document("county_one_line_work_points_2024.txt")
    data = text.encode() if as_file == "txt" else as_docx_paragraphs(text)
    draft = parse_plan_bytes(data, f"要点.{as_file}")
    items = [t for t in draft.tasks if t.headings[0] == "重点任务"]
    assert [t.title for t in items] == [
        "建设校园科技馆20所",
        "全年不少于60场次科普进校园活动",
        "培育青少年科技辅导员100名",
        "培育高素质农民1500人",
        "新建农村科普e站15个",
        "开展科技下乡",
        "建成县科技馆",
    ]
    assert [t.lead_units for t in items][:4] == [["县教体局"], ["县科协"], ["县教体局"], ["县农业农村局"]]
    assert items[1].participating_units == ["县教体局"]
    assert [(t.value, t.unit, t.text) for t in items[0].targets] == [(20, "所", "建设校园科技馆20所")]


def test_a_heading_with_nothing_under_it_is_named_in_the_warnings() -> None:
    draft = parse_plan_text(document("county_one_line_work_points_2024.txt"))
    assert "科普人才" not in [t.title for t in draft.tasks]
    assert any("（四）科普人才" in w and "没有内容" in w for w in draft.warnings)


def test_a_numbered_paragraph_that_breaks_the_numbering_is_a_doubt_in_the_warnings() -> None:
    draft = parse_plan_text(
        "某县2024年科普工作要点\n一、重点任务\n1.开展科普日活动。内容。\n5.开展科技周活动。内容。\n"
    )
    assert len(draft.tasks) == 1
    assert any("5.开展科技周活动" in w and "不连续" in w for w in draft.warnings)


# --- clean indicator phrases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("全年不少于60场次科普进校园活动。", "科普进校园活动"),
        ("3.培育高素质农民1500人。", "培育高素质农民"),
        ("（二）新建农村科普e站10个。", "新建农村科普e站"),
        ("一是建设县级科普教育基地5个。", "建设县级科普教育基地"),
        ("开展科普讲座，全年不少于60场次。", "开展科普讲座"),
        ("到2025年，力争全市科普场馆达到30个。", "全市科普场馆"),
        ("每年组织科技下乡活动达到20场以上。", "组织科技下乡活动"),
        ("开展科普活动，全市达到100场次。", "开展科普活动"),
        ("引导企业建设科普展厅，到2025年，建成2个以上。", "引导企业建设科普展厅"),
    ],
)
def test_an_indicator_phrase_names_what_is_counted_without_numbering_or_comparators(
    sentence: str, phrase: str
) -> None:
    (target,) = find_targets(sentence, 0, 2025)
    assert target.indicator == phrase


def test_a_bare_quantity_under_a_one_line_item_is_counted_under_the_items_title() -> None:
    draft = parse_plan_text(
        "某县2024年科普工作要点\n一、重点任务\n1.科普讲座。全年不少于60场次。\n牵头单位：县科协\n"
    )
    assert [(t.indicator, t.value, t.unit) for t in draft.tasks[0].targets] == [("科普讲座", 60, "场次")]


# --- tables ------------------------------------------------------------------------------------------


def _fill(table: Table, rows: list[list[str]]) -> None:
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
        if len([v for v in values if v]) == 1 and values[0]:
            cells[0].merge(cells[-1])  # a section row merged across the table


def task_table_docx() -> bytes:
    """A 工作要点 with items before the table, a 任务分工表 (columns in an unusual order, merged
    section rows, a lead unit merged down two rows) and an item after it, then a contact list."""
    document = docx.Document()
    for line in [
        "某某县2024年全民科学素质工作要点",
        "一、总体目标",
        "2024年，全县公民具备科学素质的比例达到14.5%。",
        "二、重点工作",
        "1.召开全县科学素质工作推进会。年内召开1次。",
        "牵头单位：县科协",
        "三、任务分工",
    ]:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=6)
    for cell, header in zip(
        table.rows[0].cells, ["序号", "牵头单位", "重点任务", "工作措施", "配合单位", "完成时限"], strict=True
    ):
        cell.text = header
    _fill(
        table,
        [
            ["一、青少年科学素质提升", "", "", "", "", ""],
            ["1", "县教体局", "建设校园科技馆", "新建校园科技馆20所。", "县科协、县财政局", "2024年12月底"],
            ["2", "", "开展科普讲座", "全年不少于60场次。", "县科协", "2024年11月"],
            ["二、农民科学素质提升", "", "", "", "", ""],
            ["3", "县农业农村局", "培育高素质农民", "培育高素质农民1500人。", "县人社局", "2024年12月"],
        ],
    )
    first, second = table.rows[2].cells[1], table.rows[3].cells[1]
    first.merge(second).text = "县教体局"
    document.add_paragraph("四、保障措施")
    document.add_paragraph("1.加强督促检查。县素质办年底开展督查。")
    document.add_paragraph("牵头单位：县素质办")
    contacts = document.add_table(rows=2, cols=3)
    for cell, value in zip(
        contacts.rows[0].cells + contacts.rows[1].cells,
        ["单位", "联系人", "联系电话", "县科协", "张某", "0000-1234567"],
        strict=True,
    ):
        cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_each_row_of_a_task_table_in_a_docx_is_a_task_in_document_order_with_its_units() -> None:
    draft = parse_plan_bytes(task_table_docx(), "要点.docx")
    assert [t.title for t in draft.tasks] == [
        "召开全县科学素质工作推进会",
        "建设校园科技馆",
        "开展科普讲座",
        "培育高素质农民",
        "加强督促检查",
    ]
    by_title: dict[str, Any] = {t.title: t for t in draft.tasks}
    built = by_title["建设校园科技馆"]
    assert built.lead_units == ["县教体局"] and built.participating_units == ["县科协", "县财政局"]
    assert by_title["开展科普讲座"].lead_units == ["县教体局"]  # merged down from the row above
    assert built.headings == ["任务分工", "青少年科学素质提升"]  # the merged row is its section
    assert by_title["培育高素质农民"].headings[-1] == "农民科学素质提升"
    assert targets_of(draft)[1:4] == [
        ("新建校园科技馆", 20, "所"),
        ("开展科普讲座", 60, "场次"),
        ("培育高素质农民", 1500, "人"),
    ]
    assert built.targets[0].year == 2024


def test_columns_are_recognised_by_their_header_words_and_not_by_their_position() -> None:
    draft = parse_plan_bytes(task_table_docx(), "要点.docx")
    task = next(t for t in draft.tasks if t.title == "培育高素质农民")
    assert task.lead_units == ["县农业农村局"] and task.participating_units == ["县人社局"]
    assert "培育高素质农民1500人" in task.text


def test_a_contact_list_and_a_budget_are_not_tasks_and_the_warnings_say_so() -> None:
    draft = parse_plan_text(document("district_task_table_2024.txt"))
    titles = [t.title for t in draft.tasks]
    assert "区科协" not in titles and "科普日活动" not in titles
    assert any("联络员" in w and "不是任务分工表" in w for w in draft.warnings)
    assert any("金额" in w and "不是任务分工表" in w for w in draft.warnings)
    parse_plan_bytes(task_table_docx(), "要点.docx")  # a docx contact list: same
    assert any("联系电话" in w for w in parse_plan_bytes(task_table_docx(), "要点.docx").warnings)


def test_a_tab_separated_task_table_in_a_text_file_reads_units_written_with_verbs() -> None:
    text = document("district_task_table_2024.txt")
    draft = parse_plan_text(text)
    assert [t.title for t in draft.tasks][:4] == [
        "开展科学教育进校园",
        "建设青少年科技创新实验室",
        "培训高素质农民",
        "建设农村科普e站",
    ]
    estation = draft.tasks[3]
    assert (estation.lead_units, estation.participating_units) == (["区科协"], ["各街道办事处"])
    assert draft.goal is not None and draft.goal.value == 15.5
    for task in draft.tasks[:4]:
        assert text[task.span[0] : task.span[1]].split("\t")[0].isdigit()  # the span starts at the row


def test_a_task_table_in_the_annex_is_read_when_the_body_lists_no_tasks() -> None:
    text = (
        "某县2024年科普工作要点\n一、总体要求\n2024年，全县公民具备科学素质的比例达到13%。\n"
        "附件：重点任务分工表\n序号\t工作任务\t责任单位\t完成时限\n1\t开展全国科普日活动\t县科协\t2024年9月\n"
        "2\t开展科技活动周\t县科技局\t2024年5月\n"
    )
    draft = parse_plan_text(text)
    assert [(t.title, t.responsible_units) for t in draft.tasks] == [
        ("开展全国科普日活动", ["县科协"]),
        ("开展科技活动周", ["县科技局"]),
    ]
    assert any("附件中的任务分工表" in w for w in draft.warnings)


# --- headers of other kinds of plans ----------------------------------------------------------------


def test_a_province_plan_in_its_notice_gives_the_province_its_number_period_and_own_goal() -> None:
    draft = parse_plan_text(document("province_plan_2021_2025.txt"))
    assert draft.title == "某某省全民科学素质行动规划纲要实施方案（2021—2025年）"
    assert (draft.region, draft.doc_number) == ("某某省", "某政办〔2021〕58号")
    assert draft.period is not None and (draft.period.start, draft.period.end) == (2021, 2025)
    assert draft.goal is not None and (draft.goal.value, draft.goal.year) == (
        13,
        2025,
    )  # not the national 15%
    assert draft.tasks[0].lead_units == ["省教育厅", "省科协"]


def test_the_national_outline_has_no_region_and_keeps_its_2035_period() -> None:
    draft = parse_plan_text(document("national_outline_2021_2035.txt"))
    assert draft.region is None  # "各省、自治区…" is who it is sent to
    assert draft.doc_number == "国发〔2021〕9号"
    assert draft.period is not None and (draft.period.start, draft.period.end) == (2021, 2035)
    assert draft.goal is not None and (draft.goal.value, draft.goal.year) == (15, 2025)
    assert draft.tasks[0].responsible_units == ["教育部", "中国科协", "共青团中央"]  # 分工：…按职责分工负责


def test_a_notice_with_no_region_of_its_own_gets_no_region_and_no_goal_from_the_document_it_cites() -> None:
    draft = parse_plan_text(document("notice_without_region.txt"))
    assert draft.region is None and draft.goal is None
    assert any("核心目标" in w for w in draft.warnings)


def test_a_title_in_book_marks_followed_by_quanwen_and_a_period_written_as_the_fourteenth_five_year_plan() -> (
    None
):
    draft = parse_plan_text(document("city_plan_quoted_title.txt"))
    assert draft.title == "某某市“十四五”全民科学素质行动规划纲要实施方案"
    assert draft.region == "某某市"
    assert draft.period is not None and (draft.period.start, draft.period.end) == (2021, 2025)
    assert draft.goal is not None and (draft.goal.value, draft.goal.year) == (16, 2025)


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("郑州市全民科学素质行动规划纲要实施方案", "郑州市"),
        ("贵州省全民科学素质行动规划纲要实施方案", "贵州省"),
        ("广西壮族自治区全民科学素质行动规划纲要实施方案", "广西壮族自治区"),
        ("内蒙古自治区全民科学素质行动规划纲要实施方案", "内蒙古自治区"),
        ("岳阳市云溪区全民科学素质行动规划纲要实施方案", "岳阳市云溪区"),
        ("恩施土家族苗族自治州全民科学素质行动实施方案", "恩施土家族苗族自治州"),
    ],
)
def test_the_region_is_kept_whole_with_its_level_word(heading: str, expected: str) -> None:
    assert region(heading, []) == expected


def test_addressee_lines_give_no_region() -> None:
    header = ["关于开展科普日活动的通知", "各省、自治区、直辖市科协："]
    assert region(title(header), header) is None


def test_a_plan_in_traditional_characters_is_read_and_its_spans_point_into_the_original() -> None:
    text = document("city_plan_traditional_2021_2025.txt")
    draft = parse_plan_text(text)
    assert draft.title == "某某市全民科学素质行动规划纲要实施方案（2021—2025年）"
    assert (draft.region, draft.doc_number) == ("某某市", "某政办发〔2022〕15号")
    assert draft.goal is not None and (draft.goal.value, draft.goal.year) == (15, 2025)
    assert draft.tasks[0].lead_units == ["市教育局", "市科协"]
    assert draft.tasks[0].participating_units == ["团市委", "市妇联", "市财政局"]
    target = draft.tasks[0].targets[0]
    assert (target.value, target.unit, target.per_year) == (20, "场", True)
    assert text[target.span[0] : target.span[1]] == "每年舉辦青少年科技節不少於20場"
    assert any("繁体" in w for w in draft.warnings)


def test_a_simplified_plan_is_not_converted() -> None:
    draft = parse_plan_text(document("province_plan_2021_2025.txt"))
    assert not any("繁体" in w for w in draft.warnings)


def test_pdf_text_with_a_space_between_every_character_reads_like_the_plain_text() -> None:
    plain = parse_plan_text(document("province_plan_2021_2025.txt"))
    spaced = parse_plan_text(spaced_like_pdf(document("province_plan_2021_2025.txt")))
    assert (spaced.title, spaced.region, spaced.doc_number) == (plain.title, plain.region, plain.doc_number)
    assert spaced.goal is not None and spaced.goal.value == 13
    assert [t.title for t in spaced.tasks] == [t.title for t in plain.tasks]
    assert targets_of(spaced) == targets_of(plain)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_in_traditional_characters_meets_the_accuracy_thresholds(
    name: str, tmp_path: Path
) -> None:
    draft = parse_plan_text(as_traditional(sample_text(name)))
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_as_spaced_pdf_text_meets_the_accuracy_thresholds(name: str, tmp_path: Path) -> None:
    draft = parse_plan_text(spaced_like_pdf(sample_text(name)))
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_keeps_a_perfect_score(name: str, tmp_path: Path) -> None:
    metrics = score(SEEDS[name], parse_plan_text(sample_text(name)).to_json_dict(), tmp_path)
    assert (metrics["task_f1"], metrics["unit_f1"], metrics["target_f1"]) == (1.0, 1.0, 1.0), metrics
    assert metrics["goal_ok"] and metrics["region_ok"], metrics


# --- tables in a PDF's text layer ---------------------------------------------------------------------


def _text_op(x: float, y: float, text: str, size: int = 10) -> str:
    from .pdf_maker import _hex

    return f"BT /F1 {size} Tf 1 0 0 1 {x} {y} Tm <{_hex(text)}> Tj ET"


def task_table_pdf() -> bytes:
    """One page: a heading, a ruled 任务分工表 with a merged section row and a lead unit merged down
    two rows, and a paragraph after the table."""
    from .pdf_maker import PAGE_HEIGHT, _assemble

    ops: list[str] = ["0 g 0.5 w"]
    y = PAGE_HEIGHT - 60
    for line in [
        "某某县2024年全民科学素质工作要点",
        "一、总体目标",
        "2024年，全县公民具备科学素质的比例达到14%。",
        "二、任务分工",
    ]:
        ops.append(_text_op(40, y, line, 12))
        y -= 22
    widths = [30, 110, 150, 80, 90, 60]
    xs = [40]
    for width in widths:
        xs.append(xs[-1] + width)
    rows: list[list[str | None]] = [
        ["序号", "重点任务", "主要内容", "牵头单位", "配合单位", "完成时限"],
        ["一、青少年科学素质提升"],
        ["1", "建设校园科技馆", "新建校园科技馆20所", "县教体局", "县科协", "12月底"],
        ["2", "开展科普讲座", "全年不少于60场次", None, "县科协", "11月底"],
        ["3", "培育高素质农民", "培育高素质农民1500人", "县农业农村局", "县人社局", "12月底"],
    ]
    height = 20
    top = y
    for r, values in enumerate(rows):
        bottom = top - height
        if len(values) == 1:
            ops.append(f"{xs[0]} {bottom} {xs[-1] - xs[0]} {height} re S")
            ops.append(_text_op(xs[0] + 3, bottom + 6, values[0] or ""))
        else:
            for c, value in enumerate(values):
                if value is None:
                    continue  # covered by the cell above, drawn two rows high
                cell_height = 2 * height if c == 3 and r == 2 else height
                ops.append(f"{xs[c]} {top - cell_height} {widths[c]} {cell_height} re S")
                ops.append(_text_op(xs[c] + 3, bottom + 6, value))
        top = bottom
    ops.append(_text_op(40, top - 30, "三、保障措施", 12))
    ops.append(_text_op(40, top - 52, "（一）加强督查。县素质办年底开展督查。（责任单位：县素质办）", 12))
    return _assemble(["\n".join(ops).encode("ascii")], with_font=True)


def test_a_ruled_task_table_in_a_pdf_gives_one_task_per_row_with_its_units() -> None:
    draft = parse_plan_bytes(task_table_pdf(), "要点.pdf")
    assert [t.title for t in draft.tasks] == ["建设校园科技馆", "开展科普讲座", "培育高素质农民", "加强督查"]
    by_title: dict[str, Any] = {t.title: t for t in draft.tasks}
    assert by_title["建设校园科技馆"].lead_units == ["县教体局"]
    assert by_title["开展科普讲座"].lead_units == ["县教体局"]  # merged down
    assert by_title["培育高素质农民"].participating_units == ["县人社局"]
    assert by_title["建设校园科技馆"].headings[-1] == "青少年科学素质提升"
    assert targets_of(draft)[:3] == [
        ("新建校园科技馆", 20, "所"),
        ("开展科普讲座", 60, "场次"),
        ("培育高素质农民", 1500, "人"),
    ]
    assert draft.goal is not None and draft.goal.value == 14


def test_a_header_on_two_rows_and_sections_numbered_in_the_number_column_are_understood() -> None:
    document = docx.Document()
    document.add_paragraph("某某经济技术开发区2024年全民科学素质工作任务分工表")
    table = document.add_table(rows=2, cols=5)
    top, sub = table.rows[0].cells, table.rows[1].cells
    for cell, value in zip(top, ["序号", "工作任务", "责任单位", "", "完成时间"], strict=True):
        cell.text = value
    top[2].merge(top[3])
    for column in (0, 1, 4):
        top[column].merge(sub[column])
    sub[2].text, sub[3].text = "牵头单位", "配合单位"
    for values in [
        ["一", "青少年科学素质提升", "", "", ""],
        ["1", "举办青少年科技节", "社会事业局", "团工委", "2024年6月"],
        ["二", "农民科学素质提升", "", "", ""],
        ["2", "开展农技培训300人次", "农业农村局", "科协", "2024年10月"],
    ]:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    draft = parse_plan_bytes(buffer.getvalue(), "分工表.docx")
    assert draft.region == "某某经济技术开发区"
    assert [(t.title, t.headings, t.lead_units, t.participating_units) for t in draft.tasks] == [
        ("举办青少年科技节", ["青少年科学素质提升"], ["社会事业局"], ["团工委"]),
        ("开展农技培训300人次", ["农民科学素质提升"], ["农业农村局"], ["科协"]),
    ]
    assert [(t.value, t.unit, t.year) for t in draft.tasks[1].targets] == [(300, "人次", 2024)]


def test_items_typed_with_a_tab_after_their_number_are_tasks_and_not_a_table() -> None:
    text = (
        "某县2024年科普工作要点\n一、重点任务\n1.\t开展科普日活动。\n牵头单位：县科协\n"
        "2.\t开展科技活动周。\n牵头单位：县科技局\n3.\t举办科普讲座10场。\n牵头单位：县科协\n"
    )
    draft = parse_plan_text(text)
    assert [t.title for t in draft.tasks] == ["开展科普日活动", "开展科技活动周", "举办科普讲座10场"]
    assert not any("表格" in w for w in draft.warnings)


def test_latin_words_in_spaced_pdf_text_close_up_too() -> None:
    draft = parse_plan_text(
        spaced_like_pdf(
            document("province_plan_2021_2025.txt").replace(
                "将弘扬科学精神贯穿于育人全链条。", "将弘扬科学精神贯穿于育人全链条。推广科普APP应用。"
            )
        )
    )
    assert "推广科普APP应用" in draft.tasks[0].text
    assert any("空格" in w for w in draft.warnings)

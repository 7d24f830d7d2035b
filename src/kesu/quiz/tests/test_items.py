"""One bank row as an office types it: types, options and the answer keys people really write."""

from __future__ import annotations

import pytest

from kesu.quiz.items import answer_text, check_item, duplicate_key, option_text, parse_answer


def row(**cells: str) -> dict[str, str]:
    return {"type": "单选", "stem": "人体最大的器官是？", "answer": "B", **cells}


@pytest.mark.parametrize("typed", ["A", "a", "Ａ", " B "])
def test_a_single_choice_key_is_one_letter_in_any_width_or_case(typed: str) -> None:
    letters, why = parse_answer("single", typed, 4)
    assert why == "" and letters == [typed.strip().upper().replace("Ａ", "A")]


@pytest.mark.parametrize("typed", ["AC", "A,C", "A、C", "a，c", "C A", "A|C", "CA"])
def test_a_multi_choice_key_reads_every_way_people_separate_letters(typed: str) -> None:
    assert parse_answer("multi", typed, 4) == (["A", "C"], "")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("正确", ["A"]), ("对", ["A"]), ("√", ["A"]), ("错误", ["B"]), ("错", ["B"]), ("×", ["B"])],
)
def test_a_true_false_key_reads_the_words_and_marks_people_use(typed: str, expected: list[str]) -> None:
    assert parse_answer("judge", typed, 2) == (expected, "")


def test_a_single_choice_with_two_letters_is_refused_in_chinese() -> None:
    letters, why = parse_answer("single", "AB", 4)
    assert letters == [] and "单选题只能有一个答案" in why


def test_a_letter_beyond_the_options_is_named() -> None:
    letters, why = parse_answer("single", "E", 4)
    assert letters == [] and "E 超出了选项范围" in why and "A–D" in why


def test_a_multi_choice_with_one_letter_and_a_key_with_other_text_are_refused() -> None:
    assert "至少要有两个" in parse_answer("multi", "A", 4)[1]
    assert "应填选项字母" in parse_answer("single", "甲", 4)[1]
    assert "判断题的答案" in parse_answer("judge", "也许", 2)[1]
    assert "重复" in parse_answer("multi", "AA", 4)[1]


def test_a_good_row_comes_out_with_options_as_shown_and_topics_split() -> None:
    item, problems = check_item(
        row(topics="卫生健康、食品安全", explanation="皮肤是人体最大的器官。", difficulty="易"),
        ["A. 肝脏", "皮肤", "心脏", "", ""],
    )
    assert not problems and item is not None
    assert item.options == ["A. 肝脏", "B. 皮肤", "C. 心脏"]
    assert item.answer == ["B"] and item.topics == ["卫生健康", "食品安全"] and item.difficulty == 1


def test_a_true_false_row_needs_no_options_and_gets_the_fixed_pair() -> None:
    item, problems = check_item({"type": "判断", "stem": "光年是时间单位。", "answer": "×"}, [])
    assert item is not None and item.options == ["正确", "错误"] and item.answer == ["B"]
    assert answer_text(item.type, item.answer) == "错误"


def test_every_problem_of_a_row_is_named_with_its_column() -> None:
    item, problems = check_item({"type": "问答", "stem": "", "answer": "A", "difficulty": "9"}, ["甲"])
    assert item is None
    columns = {column for column, _ in problems.items}
    assert columns == {"type", "stem", "difficulty"}


def test_a_gap_between_options_and_a_single_option_are_refused() -> None:
    assert check_item(row(), ["肝脏", "", "心脏"])[1].items[0][0] == "options"
    assert "至少要有 2 个选项" in check_item(row(answer="A"), ["肝脏"])[1].items[0][1]


def test_the_duplicate_key_ignores_spaces_width_and_option_letters() -> None:
    assert duplicate_key("人体最大的器官是？", ["A. 肝脏", "B. 皮肤"]) == duplicate_key(
        "人体 最大的器官是?", ["肝脏", "皮肤"]
    )
    assert duplicate_key("人体最大的器官是？", ["肝脏", "皮肤"]) != duplicate_key(
        "人体最大的器官是？", ["皮肤", "肝脏"]
    )
    assert option_text("C．心脏") == "心脏"

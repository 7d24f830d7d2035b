"""The office imports, exports and edits an own contest's item bank over HTTP: all rows or none."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from kesu.contests import bank
from kesu.contests.models import ContestItem
from kesu.contests.tests.bank_support import bank_rows, own_contest, stocked_contest, xlsx_file
from kesu.core.models import AuditEvent
from kesu.testing import World

pytestmark = pytest.mark.django_db


def url(contest: Any, tail: str = "") -> str:
    return f"/contests/{contest.pk}/bank/{tail}"


def test_the_office_downloads_the_template_and_imports_it_back(world: World, client_for) -> None:
    contest = own_contest(world)
    office = client_for(world.pds_office)
    template = office.get(url(contest, "template/"))
    assert template.status_code == 200
    response = office.post(url(contest, "import/"), {"file": xlsx_file([], name="t.xlsx")})
    assert ContestItem.objects.count() == 0 and "没有数据行" in response.content.decode()
    rows = [list(r) for r in load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True)]
    response = office.post(url(contest, "import/"), {"file": xlsx_file(rows[1:], header=list(rows[0]))})
    assert response.status_code == 302
    items = {i.code: i for i in ContestItem.objects.filter(contest=contest)}
    assert items["P001"].type == "judge" and items["P001"].answer == ["A"]
    assert items["P002"].options == ["A. 打开排风扇", "B. 关闭阀门并开窗通风", "C. 拨打电话"]
    assert items["P003"].answer == ["A", "B", "D"] and items["P003"].topics == ["生态环境"]
    assert AuditEvent.objects.filter(verb="contest.bank_import").count() == 1
    contest.refresh_from_db()
    assert contest.bank_version == 2


def test_a_wrong_answer_key_refuses_the_whole_file_with_row_and_column(world: World, client_for) -> None:
    contest = own_contest(world)
    rows = bank_rows(judge=2, single=2, multi=0)
    rows[2][7] = "AB"  # a 单选 with two letters
    rows[3][7] = "E"  # a letter beyond the four options
    rows[0][7] = "也许"
    response = client_for(world.pds_office).post(url(contest, "import/"), {"file": xlsx_file(rows)})
    text = response.content.decode()
    assert response.status_code == 200 and ContestItem.objects.count() == 0
    assert "第 4 行：答案：单选题只能有一个答案" in text
    assert "第 5 行：答案：“E”中的 E 超出了选项范围" in text
    assert "第 2 行：答案：“也许”无效" in text
    assert not AuditEvent.objects.filter(verb="contest.bank_import").exists()


def test_duplicates_in_the_file_and_against_the_bank_are_named_with_row_numbers(
    world: World, client_for
) -> None:
    contest = stocked_contest(world, judge=2, single=1, multi=0)
    rows = [
        ["N1", "单选", "地球绕太阳一周约需？", "一天", "一月", "一年", "", "C", "", "", ""],
        ["N1", "判断", "月球自身会发光。", "", "", "", "", "错", "", "", ""],  # same code as row 2
        [
            "N3",
            "单选",
            "地球绕太阳一周约需?",
            "一天",
            "一月",
            "一年",
            "",
            "C",
            "",
            "",
            "",
        ],  # same stem and options
        ["J000", "判断", "新题", "", "", "", "", "对", "", "", ""],  # a code the bank has
        [
            "",
            "单选",
            "单选题第0题：人体最大的器官是？",
            "肝脏",
            "皮肤",
            "心脏",
            "肺",
            "B",
            "",
            "",
            "",
        ],  # in the bank
    ]
    before = ContestItem.objects.count()
    text = (
        client_for(world.pds_office).post(url(contest, "import/"), {"file": xlsx_file(rows)}).content.decode()
    )
    assert ContestItem.objects.count() == before
    assert "第 3 行：题号：“N1”与第 2 行重复" in text
    assert "第 4 行：题干：与第 2 行是同一道题" in text
    assert "第 5 行：题号：“J000”在题库中已有" in text
    assert "第 6 行：题干：与题库中的 S000 是同一道题" in text


def test_rows_without_a_code_are_numbered_and_export_reimports_as_duplicates(
    world: World, client_for
) -> None:
    contest = own_contest(world)
    office = client_for(world.pds_office)
    rows = [
        [
            "",
            "多选",
            "下列属于清洁能源的是？",
            "太阳能",
            "风能",
            "煤炭",
            "",
            "A,B",
            "",
            "生态环境、前沿科技",
            "中等",
        ]
    ]
    assert office.post(url(contest, "import/"), {"file": xlsx_file(rows)}).status_code == 302
    item = ContestItem.objects.get(contest=contest)
    assert item.code == "T0001" and item.difficulty == 3 and item.topics == ["生态环境", "前沿科技"]
    exported = office.get(url(contest, "export/"))
    table = [list(r) for r in load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True)]
    assert table[1][:6] == ["T0001", "多选", "下列属于清洁能源的是？", "太阳能", "风能", "煤炭"]
    assert table[1][9] == "AB"
    again = office.post(url(contest, "import/"), {"file": xlsx_file(table[1:], header=list(table[0]))})
    assert "在题库中已有" in again.content.decode()
    assert AuditEvent.objects.filter(verb="export").exists()


def test_editing_an_item_raises_its_version_and_the_banks(world: World, client_for) -> None:
    contest = stocked_contest(world, judge=1, single=1, multi=0)
    item = ContestItem.objects.get(contest=contest, code="S000")
    office = client_for(world.pds_office)
    form = {"type": "single", "stem": "人体最大的器官是什么？", "options": "肝脏\n皮肤\n心脏", "answer": "b",
            "explanation": "皮肤约占体重的 16%。", "topics": "卫生健康", "difficulty": "2"}  # fmt: skip
    assert office.post(url(contest, f"items/{item.pk}/edit/"), form).status_code == 302
    item.refresh_from_db()
    assert item.version == 2 and item.answer == ["B"] and item.options[1] == "B. 皮肤"
    bad = office.post(url(contest, f"items/{item.pk}/edit/"), {**form, "answer": "AC"})
    assert "单选题只能有一个答案" in bad.content.decode()
    contest.refresh_from_db()
    assert contest.bank_version == 3
    assert AuditEvent.objects.filter(verb="contest.item_edit").count() == 1


def test_a_retired_item_leaves_the_draw_and_the_page_counts(world: World, client_for) -> None:
    contest = stocked_contest(world, judge=2, single=0, multi=0)
    item = ContestItem.objects.get(contest=contest, code="J000")
    office = client_for(world.pds_office)
    office.post(url(contest, f"items/{item.pk}/status/"), {"status": "retired"})
    contest.refresh_from_db()
    assert [c.id for c in bank.candidates(contest)] == [ContestItem.objects.get(code="J001").pk]
    assert '<th scope="row">判断</th><td>1 道</td>' in office.get(url(contest)).content.decode()


def test_only_the_organising_office_opens_the_bank(world: World, client_for) -> None:
    contest = stocked_contest(world, judge=1, single=0, multi=0)
    item = ContestItem.objects.get(contest=contest)
    assert client_for(world.pds_office).get(url(contest)).status_code == 200
    for path in ("", "import/", "template/", "export/", "copy/", f"items/{item.pk}/edit/"):
        assert client_for(world.pds_leader).get(url(contest, path)).status_code == 403, path
        assert client_for(world.edu_liaison).get(url(contest, path)).status_code == 404, path
        assert client_for(world.xz_office).get(url(contest, path)).status_code == 404, path
    posted = client_for(world.xz_office).post(
        url(contest, "import/"), {"file": xlsx_file(bank_rows(1, 0, 0))}
    )
    assert posted.status_code == 404 and ContestItem.objects.count() == 1
    assert "J000" not in client_for(world.pds_leader).get(url(contest)).content.decode()
    assert client_for(world.pds_leader).post(url(contest, "lock/")).status_code == 403
    assert (
        client_for(world.xz_office)
        .post(url(contest, f"items/{item.pk}/status/"), {"status": "retired"})
        .status_code
        == 404
    )
    item.refresh_from_db()
    assert item.status == "active"


def test_an_import_checked_before_another_stored_the_same_items_is_refused(world: World) -> None:
    contest = own_contest(world)
    upload = xlsx_file(bank_rows(2, 0, 0)).read()
    first, second = bank.check_file(contest, upload, "a.xlsx"), bank.check_file(contest, upload, "b.xlsx")
    bank.import_items(world.pds_office, contest, first.rows, filename="a.xlsx")
    with pytest.raises(bank.BankError, match="请重新上传"):
        bank.import_items(world.pds_office, contest, second.rows, filename="b.xlsx")
    assert ContestItem.objects.count() == 2

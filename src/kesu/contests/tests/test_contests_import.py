"""The results import of a joined contest over HTTP: the platform's export stored all or nothing, every
problem named by row and column in Chinese."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from kesu.contests import importing
from kesu.contests.models import ParticipationFigure
from kesu.contests.testing import make_contest
from kesu.core.models import AuditEvent
from kesu.core.registry_imports import importer
from kesu.core.testing_registry import statistics_follow
from kesu.tables import TableError

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: Any, contest: Any, name: str, data: bytes, **extra: Any) -> Any:
    return client.post(
        f"/contests/{contest.pk}/results/import/", {"file": SimpleUploadedFile(name, data), **extra}
    )


def test_the_platforms_export_by_region_code_and_unit_is_stored_and_ranked(
    world: Any, client_for: Any
) -> None:
    contest = make_contest(world.pingdingshan)
    data = xlsx(
        [
            ["地区代码", "地区", "单位", "答题人数", "答题人次", "满分人数"],
            ["410402", "新华区", "", 1200, 5600, 300],
            ["410421000000", "宝丰县", "", 800, 4000, 100],
            ["", "", "市教体局", 90, 200, 20],  # an alias of 市教育体育局
        ]
    )
    response = upload(client_for(world.pds_office), contest, "平台导出.xlsx", data)
    assert response.status_code == 302, response.content.decode()
    rows = {(f.region_id, f.unit_id): f for f in ParticipationFigure.objects.filter(contest=contest)}
    assert rows[(None, world.edu_bureau.pk)].participants == 90
    assert sum(f.participants for f in rows.values() if f.region_id) == 2000
    event = AuditEvent.objects.for_target(contest).get(verb="contest.import_results")
    assert (event.after or {})["file"] == "平台导出.xlsx" and (event.after or {})["regions"] == 2


def test_an_unknown_region_code_is_refused_and_nothing_is_written(world: Any, client_for: Any) -> None:
    contest = make_contest(world.pingdingshan)
    data = "区划代码,参赛人数,参赛人次\n410402,100,300\n419999,50,80\n".encode()
    response = upload(client_for(world.pds_office), contest, "成绩.csv", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "第 3 行：区划代码：区划代码“419999”不存在" in page
    assert "没有导入任何数据" in page
    assert not ParticipationFigure.objects.filter(contest=contest).exists()


def test_a_region_outside_the_organising_region_is_refused(world: Any) -> None:
    contest = make_contest(world.pingdingshan)
    checked = importing.check("区划代码,参赛人数,参赛人次\n410184,100,300\n".encode(), "成绩.csv", contest)
    assert checked.rows == []
    assert checked.errors.messages() == [
        "第 2 行：区划代码：区划代码“410184”不在本竞赛的组织区划（平顶山市）内"
    ]


def test_wrong_columns_are_named_with_the_columns_found(world: Any, client_for: Any) -> None:
    contest = make_contest(world.pingdingshan)
    response = upload(client_for(world.pds_office), contest, "成绩.csv", "地区,得分\n新华区,90\n".encode())
    page = response.content.decode()
    assert "文件缺少以下列：参赛人数、参赛人次。现有列：地区、得分。" in page
    with pytest.raises(TableError, match="缺少地区或单位列"):
        importing.check("参赛人数,参赛人次\n1,2\n".encode(), "成绩.csv", contest)


def test_an_empty_sheet_is_refused_with_a_chinese_message(world: Any, client_for: Any) -> None:
    contest = make_contest(world.pingdingshan)
    response = upload(
        client_for(world.pds_office), contest, "成绩.xlsx", xlsx([["区划代码", "参赛人数", "参赛人次"]])
    )
    assert "文件只有列名，没有数据行。" in response.content.decode()
    with pytest.raises(TableError, match="文件是空的"):
        importing.check(b"\n\n", "成绩.csv", contest)
    assert not ParticipationFigure.objects.filter(contest=contest).exists()


def test_a_gbk_csv_from_excel_on_chinese_windows_is_read(world: Any) -> None:
    contest = make_contest(world.pingdingshan)
    data = '地区,参赛人数,参赛人次,满分人次\n新华区,1200,5600,300\n宝丰县,"1,800",9000,0\n'.encode("gbk")
    checked = importing.check(data, "成绩.csv", contest)
    assert not checked.errors
    assert [(row.region.name if row.region else "", row.participants) for row in checked.rows] == [
        ("新华区", 1200),
        ("宝丰县", 1800),
    ]


def test_a_duplicate_row_names_the_first_one_and_writes_nothing(world: Any) -> None:
    contest = make_contest(world.pingdingshan)
    data = "区划代码,地区,单位,参赛人数,参赛人次\n410402,,,10,20\n,新华区,,11,22\n,,市教育体育局,1,1\n,,市教体局,2,2\n"
    checked = importing.check(data.encode(), "成绩.csv", contest)
    assert checked.rows == []
    assert checked.errors.messages() == [
        "第 3 行：区划代码：与第 2 行重复（同一地区或单位只能有一行）",
        "第 5 行：单位：与第 4 行重复（同一地区或单位只能有一行）",
    ]


def test_counts_that_contradict_each_other_are_named_by_column(world: Any) -> None:
    contest = make_contest(world.pingdingshan)
    data = "区划代码,参赛人数,参赛人次,满分人次\n410402,100,50,0\n410421,10,20,30\n410400,-1,abc,\n"
    messages = importing.check(data.encode(), "成绩.csv", contest).errors.messages()
    assert messages == [
        "第 2 行：参赛人次：参赛人次（50）不应少于参赛人数（100）",
        "第 3 行：满分人次：满分人次（30）不应多于参赛人次（20）",
        "第 4 行：参赛人数：“-1”不是非负整数",
        "第 4 行：参赛人次：“abc”不是非负整数",
    ]


def test_a_second_export_replaces_the_region_rows_and_keeps_the_unit_rows(
    world: Any, client_for: Any
) -> None:
    contest = make_contest(world.pingdingshan)
    client = client_for(world.pds_office)
    upload(client, contest, "a.csv", "区划代码,单位,参赛人数,参赛人次\n410402,,10,20\n,市科协,5,5\n".encode())
    upload(client, contest, "b.csv", "区划代码,参赛人数,参赛人次\n410421,30,60\n".encode())
    rows = ParticipationFigure.objects.filter(contest=contest)
    assert sorted((f.region_id or 0, f.unit_id or 0, f.participants) for f in rows) == sorted(
        [(0, world.kexie.pk, 5), (contest.region.children.get(code="410421000000").pk, 0, 30)]
    )


def test_a_reader_may_not_import_and_an_outsider_is_told_nothing_exists(world: Any, client_for: Any) -> None:
    contest = make_contest(world.pingdingshan)
    data = "区划代码,参赛人数,参赛人次\n410402,10,20\n".encode()
    assert upload(client_for(world.pds_leader), contest, "a.csv", data).status_code == 403
    assert upload(client_for(world.xz_office), contest, "a.csv", data).status_code == 404
    assert upload(client_for(world.edu_liaison), contest, "a.csv", data).status_code == 404
    assert not ParticipationFigure.objects.filter(contest=contest).exists()


def test_the_registry_command_imports_into_the_regions_open_joined_contest(world: Any) -> None:
    contest = make_contest(world.pingdingshan)
    run = importer("contests").run
    data = "区划代码,参赛人数,参赛人次\n410402,10,20\n".encode()
    assert run(None, world.pingdingshan, data, "a.csv", dry_run=True).as_json() == {
        "created": 1,
        "updated": 0,
        "errors": [],
    }
    assert not contest.figures.exists()
    assert run(None, world.pingdingshan, data, "a.csv", dry_run=False).ok
    assert contest.figures.count() == 1
    refused = run(None, world.xinzheng, data, "a.csv", dry_run=False)
    assert "没有进行中、未结算的组织参加类竞赛" in refused.errors[0].message


def test_a_rounds_export_is_ranked_on_its_own_and_keeps_its_round_from_being_deleted(
    world: Any, client_for: Any
) -> None:
    from kesu.contests import actions

    contest = make_contest(world.pingdingshan)
    actions.save_round(None, contest, 1, contest.opens_at, contest.closes_at, "第一周")
    client = client_for(world.pds_office)
    round_id = contest.rounds.get(number=1).pk
    upload(client, contest, "第一周.csv", "地区,参赛人数,参赛人次\n新华区,10,20\n".encode(), round=round_id)
    assert contest.figures.get().round_id == round_id
    assert "新华区" in client.get(f"/contests/{contest.pk}/rankings/?round=1").content.decode()
    whole = client.get(f"/contests/{contest.pk}/rankings/").content.decode()
    assert "还没有地区成绩" in whole
    client.post(f"/contests/{contest.pk}/rounds/1/delete/")
    assert contest.rounds.filter(number=1).exists()


def test_a_stored_export_leaves_the_planners_statistics_of_the_figures_fresh(
    world: Any, client_for: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = make_contest(world.pingdingshan)
    data = xlsx(
        [["地区代码", "地区", "答题人数", "答题人次", "满分人数"], ["410402", "新华区", 1200, 5600, 300]]
    )
    client = client_for(world.pds_office)
    response = statistics_follow(
        ParticipationFigure,
        lambda: upload(client, contest, "平台导出.xlsx", data),
        monkeypatch,
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302, response.content.decode()

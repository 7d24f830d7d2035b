"""Imports: the platform export with its change summary, and every bad input named with row and column, nothing written."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

from kesu.core.models import AuditEvent
from kesu.core.registry_imports import importer
from kesu.core.testing_registry import statistics_follow
from kesu.volunteers import actions
from kesu.volunteers.models import (
    GridPost,
    InformantSnapshot,
    ServiceRecord,
    Team,
    Volunteer,
    VolunteerImport,
)
from kesu.volunteers.testing import id_number, wrong_check_digit

A, B, C = id_number(21), id_number(22), id_number(23)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _run(
    kind: str, world: Any, data: bytes, name: str = "文件.csv", region: Any = None, dry_run: bool = False
) -> dict[str, Any]:
    result = importer(kind).run(world.pds_office, region or world.pingdingshan, data, name, dry_run=dry_run)
    return result.as_json()


def test_a_platform_export_is_imported_with_its_column_names_and_deduplicated_by_id(world: Any) -> None:
    actions.create_team(None, world.pingdingshan, name="平顶山市科技志愿服务支队", level="detachment")
    first = _xlsx(
        [
            ["志愿者姓名", "证件号码", "性别", "联系电话", "所属组织", "志愿者编号", "注册时间"],
            ["甲一", A, "男", "13700000001", "平顶山市科技志愿服务支队", "P001", "2024-03-01"],
            ["乙二", B, "女", "13700000002", "", "P002", "2024/05/06"],
        ]
    )
    assert _run("volunteers", world, first, "平台导出.xlsx") == {"created": 2, "updated": 0, "errors": []}
    volunteer = Volunteer.objects.get(id_last4=A[-4:])
    assert volunteer.teams.get().name == "平顶山市科技志愿服务支队" and volunteer.platform == "keji"
    second = f"姓名,身份证号,性别,手机\n甲一,{A},男,13700000009\n丙三,{C},女,\n".encode()
    assert _run("volunteers", world, second) == {"created": 1, "updated": 1, "errors": []}
    run = VolunteerImport.objects.get(filename="文件.csv")
    assert (run.new_count, run.changed_count, run.unchanged_count, run.gone_count) == (1, 1, 0, 1)
    assert run.summary["changed"] == [f"甲*（身份证号末4位 {A[-4:]}）：手机"]
    assert run.summary["gone"] == [f"乙*（身份证号末4位 {B[-4:]}）"]
    assert Volunteer.objects.count() == 3
    for event in AuditEvent.objects.filter(verb="volunteer.import"):
        assert A not in str(event.after)


def test_the_change_summary_page_shows_new_changed_and_gone(world: Any, client_for: Any) -> None:
    client = client_for(world.pds_office)
    client.post("/volunteers/people/import/", {"file": _upload(f"姓名,身份证号\n甲一,{A}\n乙二,{B}\n")})
    response = client.post(
        "/volunteers/people/import/", {"file": _upload(f"姓名,身份证号\n甲一改,{A}\n丙三,{C}\n")}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert (
        "与上次导入" in page
        and "甲**（身份证号末4位" in page
        and "：姓名" in page
        and "乙*" in page
        and "丙*" in page
    )
    assert A not in page
    assert client_for(world.xz_office).get(response["Location"]).status_code == 404


def _upload(text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("名单.csv", text.encode())


@pytest.mark.parametrize(
    ("content", "row", "column", "message"),
    [
        (f"姓名,身份证号\n甲,{wrong_check_digit(A)}\n", 2, "身份证号", "校验位不对"),
        (f"姓名,身份证号\n甲,{A}\n乙,{A.lower()}\n", 3, "身份证号", "与第 2 行是同一身份证号"),
        (f"姓名,身份证号,所属队伍\n甲,{A},不存在的队\n", 2, "所属队伍", "没有名为“不存在的队”的队伍"),
        (f"姓名,身份证号,区划代码\n甲,{A},370124\n", 2, "区划代码", "不在平顶山市范围内"),
    ],
)
def test_bad_volunteer_rows_are_named_and_nothing_is_written(
    world: Any, content: str, row: int, column: str, message: str
) -> None:
    result = _run("volunteers", world, content.encode())
    assert result["created"] == 0 and Volunteer.objects.count() == 0
    assert any(
        e["row"] == row and e["column"] == column and message in e["message"] for e in result["errors"]
    ), result


def test_a_60_mb_file_and_a_broken_xlsx_are_refused_in_chinese(world: Any) -> None:
    big = _run("volunteers", world, b"a" * (60 * 1024 * 1024), "大.csv")
    assert "超过" in big["errors"][0]["message"] and big["errors"][0]["row"] == 1
    broken = _run("volunteers", world, b"PK\x03\x04 not really", "坏.xlsx")
    assert "无法打开该 Excel 文件" in broken["errors"][0]["message"]
    assert Volunteer.objects.count() == 0


def _register(world: Any) -> None:
    _run("volunteers", world, f"姓名,身份证号\n甲,{A}\n乙,{B}\n".encode())


RECORD_HEADER = "活动名称,活动开始日期,活动结束日期,身份证号,服务日期,签到时间,签退时间,服务时长\n"


def test_service_records_import_creates_the_activity_and_counts_hours(world: Any) -> None:
    _register(world)
    data = (
        RECORD_HEADER
        + f"科普日,2025-09-20,2025-09-21,{A},2025-09-20,2025-09-20 09:00,2025-09-20 11:40,\n科普日,2025-09-20,2025-09-21,{B},2025-09-21,,,3\n"
    )
    assert _run("service_records", world, data.encode()) == {"created": 2, "updated": 0, "errors": []}
    assert sorted(ServiceRecord.objects.values_list("counted_hours", flat=True)) == [2.5, 3]
    assert (
        _run("service_records", world, data.encode())["updated"] == 2
    )  # the same file again changes nothing new


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (f"科普日,2025-09-20,2025-09-21,{A},2025-09-25,,,2", "服务日期", "不在活动日期"),
        (f"科普日,2025-09-20,2025-09-21,{A},2025-09-20,,,-1", "服务时长", "不能为负数"),
        (f"科普日,2025-09-20,2025-09-21,{A},2025-09-20,,,25", "服务时长", "超过每天 24 小时"),
        (f"科普日,2025-09-20,2025-09-21,{C},2025-09-20,,,2", "身份证号", "没有登记此身份证号"),
    ],
)
def test_bad_service_records_are_named_and_nothing_is_written(
    world: Any, line: str, column: str, message: str
) -> None:
    _register(world)
    result = _run("service_records", world, (RECORD_HEADER + line + "\n").encode())
    assert any(
        e["row"] == 2 and e["column"] == column and message in e["message"] for e in result["errors"]
    ), result
    assert ServiceRecord.objects.count() == 0


def test_two_records_of_one_day_over_24_hours_are_refused(world: Any) -> None:
    _register(world)
    data = (
        RECORD_HEADER
        + f"甲活动,2025-09-20,2025-09-20,{A},2025-09-20,,,14\n乙活动,2025-09-20,2025-09-20,{A},2025-09-20,,,11\n"
    )
    result = _run("service_records", world, data.encode())
    assert result["errors"][0]["row"] == 3 and "合计超过 24 小时" in result["errors"][0]["message"]
    assert ServiceRecord.objects.count() == 0


def test_a_dry_run_writes_nothing(world: Any) -> None:
    result = _run("teams", world, "队伍名称,层级\n市支队,支队\n".encode(), dry_run=True)
    assert result == {"created": 1, "updated": 0, "errors": []} and not Team.objects.exists()


SNAP_HEADER = "区划代码,月份,注册数,月活数,分享传播次数,说明\n"


def test_snapshots_check_region_codes_falls_and_the_adult_population(world: Any) -> None:
    from kesu.indicators.actions import record_value

    record_value(
        None,
        "adult_population",
        world.pingdingshan.children.get(code="410402000000"),
        "2025",
        5000,
        source="import",
    )
    bad = (
        SNAP_HEADER
        + "999999,2025-01,10,1,0,\n410402,2025-01,100,10,0,\n410402,2025-02,90,10,0,\n410402,2025-03,6000,10,0,已核实\n"
    )
    errors = _run("informants", world, bad.encode())["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "区划代码"), (4, "注册数"), (5, "注册数")]
    assert (
        "不存在" in errors[0]["message"]
        and "须在“说明”列写明原因" in errors[1]["message"]
        and "18—69 岁常住人口" in errors[2]["message"]
    )
    assert not InformantSnapshot.objects.exists()


def test_a_fall_with_its_explanation_is_kept_and_implausible_growth_is_flagged(world: Any) -> None:
    good = (
        SNAP_HEADER
        + "410402,2025-01,1000,300,50,\n410402,2025-02,900,300,40,清理重复账号\n410402,2025-03,2000,305,45,\n"
    )
    assert _run("informants", world, good.encode(), "科协通报.csv")["created"] == 3
    march = InformantSnapshot.objects.get(month__month=3)
    assert "注册数增长" in march.flag and march.source == "科协通报.csv" and march.checksum
    assert InformantSnapshot.objects.get(month__month=2).explanation == "清理重复账号"


def test_grid_posts_import_and_bad_phones_are_named(world: Any) -> None:
    header = "区划代码,网格名称,网格层级,科普员姓名,手机,身份,已在科普中国注册\n"
    bad = header + "410402,光明社区,一级,王五,1234,网格员,是\n"
    assert _run("grid_posts", world, bad.encode())["errors"][0]["column"] == "手机"
    good = header + "410402,光明社区,一级,王五,13912345678,网格员,是\n410402,建设村,一级,,,,否\n"
    assert _run("grid_posts", world, good.encode())["created"] == 2


@pytest.mark.parametrize(
    ("kind", "model", "data"),
    [
        (
            "service_records",
            ServiceRecord,
            RECORD_HEADER + f"科普日,2025-09-20,2025-09-21,{A},2025-09-20,,,2\n",
        ),
        ("informants", InformantSnapshot, SNAP_HEADER + "410402,2025-01,100,10,0,\n"),
        ("grid_posts", GridPost, "区划代码,网格名称,网格层级\n410402,光明社区,一级\n"),
    ],
)
def test_each_import_leaves_the_planners_statistics_of_its_table_fresh(
    world: Any,
    kind: str,
    model: Any,
    data: str,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _register(world)
    result = statistics_follow(
        model, lambda: _run(kind, world, data.encode()), monkeypatch, django_capture_on_commit_callbacks
    )
    assert result["errors"] == []

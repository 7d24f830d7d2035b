"""Importing 流动科技馆 tour stops and 科普大篷车 trips: all or nothing, Chinese messages naming row and column."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from kesu.core.models import AuditEvent
from kesu.core.testing_registry import statistics_follow
from kesu.testing import World
from kesu.venues.importing_system import run_stop_import, run_trip_import
from kesu.venues.models import CaravanTrip, Tour, TourStop

pytestmark = pytest.mark.django_db

STOPS = "展览（展品套）,巡展年度,巡展县（市、区）,展出地点,开始日期,结束日期,参观人次\n"
TRIPS = "车辆,日期,所到区划,地点,受众人次,活动场次,活动内容\n"


def stop(
    county: str = "410421000000",
    start: str = "2025-05-06",
    end: str = "2025-05-20",
    visitors: str = "3200",
    year: str = "2025",
) -> str:
    return f"“科技之光”流动科技馆,{year},{county},文化馆,{start},{end},{visitors}\n"


def trip(place: str = "赵庄镇", visitors: str = "420", day: str = "2025-06-12", where: str = "410421") -> str:
    return f"平顶山市科普大篷车1号,{day},{where},{place},{visitors},2,科学实验秀\n"


def test_tour_stops_are_stored_under_one_tour_and_a_second_import_updates_them(world: World) -> None:
    text = STOPS + stop() + stop(county="宝丰县", start="2025-07-01", end="2025-07-20")
    result = run_stop_import(None, world.pingdingshan, text.encode("gbk"), "站点.csv", dry_run=False)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    assert Tour.objects.get().year == 2025 and TourStop.objects.count() == 2
    again = run_stop_import(
        None, world.pingdingshan, (STOPS + stop(visitors="5000")).encode(), "站点.csv", dry_run=False
    )
    assert (again.created, again.updated) == (0, 1)
    assert TourStop.objects.count() == 2 and TourStop.objects.filter(visitors=5000).count() == 1
    assert AuditEvent.objects.filter(verb="venue_tour.import").count() == 2


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        (stop(county="410499999999"), "巡展县（市、区）", "不是平顶山市下辖的县（市、区）"),
        (stop(county="410184000000"), "巡展县（市、区）", "不是平顶山市下辖的县（市、区）"),
        (stop(start="2025-05-20", end="2025-05-06"), "结束日期", "早于开始日期"),
        (stop(visitors="-5"), "参观人次", "不能为负数"),
        (stop(start="2026-01-05", end="2026-01-20"), "开始日期", "不在巡展年度 2025 年内"),
        (stop(start="2025-13-40"), "开始日期", "不是日期"),
    ],
)
def test_a_bad_stop_is_named_by_row_and_column_and_nothing_is_written(
    world: World, line: str, column: str, words: str
) -> None:
    result = run_stop_import(
        None,
        world.pingdingshan,
        (STOPS + stop(county="410402000000") + line).encode(),
        "站点.csv",
        dry_run=False,
    )
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, column)] and words in result.errors[0].message
    assert not Tour.objects.exists() and not TourStop.objects.exists()
    assert not AuditEvent.objects.filter(verb="venue_tour.import").exists()


def test_caravan_trips_are_stored_and_refused_all_or_nothing(world: World) -> None:
    good = run_trip_import(
        None, world.pingdingshan, (TRIPS + trip() + trip(place="李庄村")).encode(), "车.csv", dry_run=False
    )
    assert (good.created, good.updated) == (2, 0)
    bad = run_trip_import(
        None,
        world.pingdingshan,
        (TRIPS + trip(place="王庄") + trip(visitors="-1")).encode(),
        "车.csv",
        dry_run=False,
    )
    assert [(e.row, e.column) for e in bad.errors] == [(3, "受众人次")]
    assert CaravanTrip.objects.count() == 2


def test_a_60_mb_file_and_a_broken_xlsx_are_refused_in_chinese(world: World) -> None:
    big = (TRIPS + trip()).encode() + b" " * (60 * 1024 * 1024)
    assert "超过" in run_trip_import(None, world.pingdingshan, big, "车.csv", dry_run=False).errors[0].message
    broken = run_stop_import(None, world.pingdingshan, b"PK\x03\x04 broken", "站点.xlsx", dry_run=False)
    assert "无法打开该 Excel 文件" in broken.errors[0].message
    assert not CaravanTrip.objects.exists() and not TourStop.objects.exists()


def test_the_command_prints_json_and_exits_2_when_anything_is_wrong(
    world: World, tmp_path: Any, capsys: Any
) -> None:
    path = tmp_path / "车.csv"
    path.write_bytes((TRIPS + trip()).encode())
    call_command("import_registry", "caravan_trips", str(path), "--region", "410400000000")
    assert json.loads(capsys.readouterr().out) == {"created": 1, "updated": 0, "errors": []}
    path.write_bytes((TRIPS + trip(day="2025-02-30")).encode())
    with pytest.raises(SystemExit) as exit_:
        call_command("import_registry", "caravan_trips", str(path), "--region", "410400000000")
    assert exit_.value.code == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert errors[0]["row"] == 2 and errors[0]["column"] == "日期"


def test_the_office_uploads_on_the_page_and_a_leader_may_not(world: World, client_for: Any) -> None:
    office = client_for(world.pds_office)
    template = office.get("/bases/system/tours/import/template/")
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())]
    assert headers[:3] == ["展览（展品套）", "巡展年度", "巡展县（市、区）"]
    bad = office.post(
        "/bases/system/tours/import/",
        {"file": SimpleUploadedFile("站点.csv", (STOPS + stop(visitors="多")).encode())},
    )
    assert "第 2 行" in bad.content.decode() and "没有导入任何数据" in bad.content.decode()
    good = office.post(
        "/bases/system/tours/import/", {"file": SimpleUploadedFile("站点.csv", (STOPS + stop()).encode())}
    )
    assert good.status_code == 302 and TourStop.objects.count() == 1
    assert client_for(world.pds_leader).get("/bases/system/caravan/import/").status_code == 403
    assert client_for(world.xz_office).post(
        "/bases/system/tours/import/", {"file": SimpleUploadedFile("站点.csv", (STOPS + stop()).encode())}
    ).status_code in (302, 200)  # lands in 新郑市's own scope: the county is unknown there
    assert TourStop.objects.count() == 1


@pytest.mark.parametrize(
    ("run", "model", "text"),
    [(run_stop_import, TourStop, STOPS + stop()), (run_trip_import, CaravanTrip, TRIPS + trip())],
)
def test_each_import_leaves_the_planners_statistics_of_its_table_fresh(
    world: World, run: Any, model: Any, text: str, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    result = statistics_follow(
        model,
        lambda: run(None, world.pingdingshan, text.encode(), "文件.csv", dry_run=False),
        monkeypatch,
        django_capture_on_commit_callbacks,
    )
    assert result.errors == []

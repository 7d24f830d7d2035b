"""Importing indicator values: one bulk write and one audit event, bad files answered in Chinese, nothing half-stored."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core.exports import xlsx_bytes
from kesu.core.models import AuditEvent
from kesu.core.testing_registry import planner_rows, reset_planner_statistics
from kesu.indicators import actions
from kesu.indicators.models import IndicatorValue

pytestmark = pytest.mark.django_db


def _upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(
        "/indicators/values/import/",
        {"file": SimpleUploadedFile(name, content), "provenance": "2024年统计年鉴"},
    )


def _thousand_rows(offset: int = 0) -> bytes:
    lines = "".join(f"volunteer_count,410400,2024,第{i}组,{i + offset}\n" for i in range(1000))
    return ("指标,区划代码,期间,分组,数值\n" + lines).encode()


def test_a_thousand_row_import_is_one_bulk_write_with_one_audit_event(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    office = client_for(world.pds_office)
    # Row by row it was 6,002. The stored roll-ups of the 1,000 disaggregations add one insert per
    # batch: 1 on PostgreSQL, about 25 on SQLite (999 parameters a statement).
    with django_assert_max_num_queries(70):
        assert _upload(office, "志愿者.csv", _thousand_rows()).status_code == 302
    assert IndicatorValue.objects.count() == 1000
    assert not AuditEvent.objects.filter(verb="indicator_value.record").exists()
    event = AuditEvent.objects.get(verb="indicator_value.import")
    assert event.region == world.pingdingshan and event.before is None
    assert event.after is not None and event.after["created"] == 1000 and event.after["file"] == "志愿者.csv"


def test_importing_again_replaces_the_values_and_the_event_keeps_the_old_ones(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    office = client_for(world.pds_office)
    _upload(office, "志愿者.csv", _thousand_rows())
    with django_assert_max_num_queries(70):  # as above: the roll-ups' inserts come in batches too
        assert _upload(office, "志愿者.csv", _thousand_rows(offset=5)).status_code == 302
    assert IndicatorValue.objects.count() == 1000
    assert IndicatorValue.objects.get(disaggregation_key="分组=第7组").value == 12
    event = AuditEvent.objects.filter(verb="indicator_value.import").latest("pk")
    assert event.after is not None and event.after["updated"] == 1000
    assert (
        event.before is not None
        and ["volunteer_count", "410400000000", "2024", "分组=第7组", 7.0, None, None, "import"]
        in event.before["replaced"]
    )


def test_a_value_recorded_by_hand_and_then_imported_is_one_row(world: Any, client_for: Any) -> None:
    actions.record_value(world.pds_office, "volunteer_count", world.pingdingshan, "2024", 1, source="manual")
    _upload(
        client_for(world.pds_office),
        "v.csv",
        "指标,区划代码,期间,数值\nvolunteer_count,410400,2024,9\n".encode(),
    )
    assert list(IndicatorValue.objects.values_list("value", "source")) == [(9, "import")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("指标,区划代码,期间,数值\nvolunteer_count,410400,2024,nan\n", "第 2 行：数值“nan”不是数字"),
        ("指标,区划代码,期间,数值\nvolunteer_count,410400,2024,inf\n", "第 2 行：数值“inf”不是数字"),
        (
            "指标,区划代码,期间,数值,分子,分母\ninformant_rate,410400,2024,,-5,100\n",
            "第 2 行：分子不能为负数",
        ),
        (
            '指标,区划代码,期间,数值\nvolunteer_count,410400,2024,"' + "9" * 140_000 + '"\n',
            "超过 131072 个字符",
        ),
    ],
)
def test_nan_infinity_negative_parts_and_huge_fields_get_a_chinese_message(
    world: Any, client_for: Any, content: str, message: str
) -> None:
    response = _upload(client_for(world.pds_office), "v.csv", content.encode())
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="indicator_value").exists()


def test_a_sheet_declaring_a_million_rows_is_refused_at_once(world: Any, client_for: Any) -> None:
    data = xlsx_bytes("v", ["指标", "区划代码", "期间", "数值"], [["volunteer_count", "410400", "2024", 1]])
    source, hostile = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            text = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = text.replace(b'<dimension ref="A1:D2"', b'<dimension ref="A1:D1048576"')
            out.writestr(info, text)
    started = time.perf_counter()
    response = _upload(client_for(world.pds_office), "v.xlsx", hostile.getvalue())
    assert time.perf_counter() - started < 5
    assert "超过 50000 行" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_each_problem_keeps_its_row_and_column_for_machines_and_its_words_for_people(world: Any) -> None:
    from kesu.indicators import importing

    text = "指标,区划代码,期间,数值\nvolunteer_count,410499,2024,5\nvolunteer_count,410400,2024,十二\n"
    parsed = importing.parse_upload(text.encode(), "v.csv", world.pds_office.access)
    assert [(e.row, e.column) for e in parsed.problems.errors] == [(2, "区划代码"), (3, "数值")]
    assert parsed.errors == ["第 2 行：区划代码“410499000000”不存在", "第 3 行：数值“十二”不是数字"]


@pytest.mark.django_db(transaction=True)
def test_after_a_bulk_import_the_planner_knows_how_many_values_there_are(world: Any, client_for: Any) -> None:
    actions.ensure_catalogue()  # a transactional test may follow another that flushed the catalogue
    table = IndicatorValue._meta.db_table
    reset_planner_statistics(table)
    assert (planner_rows(table) or 0) < 1000
    assert _upload(client_for(world.pds_office), "志愿者.csv", _thousand_rows()).status_code == 302
    assert planner_rows(table) == 1000

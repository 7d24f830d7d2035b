"""The four survey imports on damaged or oversized files: a Chinese message, nothing written, never a 500."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from kesu.survey import actions
from kesu.survey.models import FrameUnit, Instrument, Margin, Respondent, Wave

pytestmark = pytest.mark.django_db
HUGE_FIELD = b'a,b\n1,"' + b"x" * 200_000 + b'"\n'


def _declaring_a_million_rows() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["层", "初级抽样单元", "基础权数"])
    sheet.append(["S1", "P1", 100])
    plain, hostile = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(hostile, "w") as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:C2"', b'<dimension ref="A1:C1048576"')
            out.writestr(info, data)
    return hostile.getvalue()


def _imports(world: Any, wave: Wave) -> dict[str, Any]:
    return {
        "item bank": lambda data, name: actions.import_instrument(
            world.py_office, world.pingyin, "新问卷", data, name
        ),
        "frame": lambda data, name: actions.import_frame(world.py_office, wave, data, name),
        "margins": lambda data, name: actions.import_margins(world.py_office, wave, data, name),
        "responses": lambda data, name: actions.import_responses(world.py_office, wave, data, name),
    }


def _counts(wave: Wave) -> tuple[int, ...]:
    return (
        Instrument.objects.count(),
        FrameUnit.objects.filter(wave=wave).count(),
        Margin.objects.filter(wave=wave).count(),
        Respondent.objects.filter(wave=wave).count(),
    )


@pytest.mark.parametrize("which", ["item bank", "frame", "margins", "responses"])
@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (HUGE_FIELD, "f.csv", "超过 131072 个字符"),
        (b"a,b\n1,\x002\n", "f.csv", "空字符"),
        (_declaring_a_million_rows(), "f.xlsx", "行（使用范围到第 1048576 行"),
        (b"PK\x03\x04 not really", "f.xlsx", "无法打开该 Excel 文件"),
    ],
)
def test_every_survey_import_refuses_a_hostile_file_in_chinese_and_writes_nothing(
    world: Any, pingyin_wave: Wave, which: str, data: bytes, name: str, message: str
) -> None:
    before = _counts(pingyin_wave)
    with pytest.raises(actions.SurveyError) as refused:
        _imports(world, pingyin_wave)[which](data, name)
    assert message in refused.value.message
    assert _counts(pingyin_wave) == before

"""Building an own contest and bank files for the bank and setup tests, through the real actions."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from kesu.contests import actions, bank
from kesu.contests.models import Contest

HEADER = ["题号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "主题", "难度"]


def own_contest(world: Any, **fields: Any) -> Contest:
    opens = timezone.now() + timedelta(days=1)
    return actions.create_contest(
        world.pds_office,
        world.pingdingshan,
        name="平顶山市全民科学素质网络竞赛",
        level="city",
        kind="own",
        year=opens.year,
        opens_at=opens,
        closes_at=opens + timedelta(days=28),
        **fields,
    )


def xlsx_file(
    rows: list[list[Any]], header: list[str] = HEADER, name: str = "题库.xlsx"
) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def bank_rows(judge: int = 8, single: int = 8, multi: int = 7) -> list[list[Any]]:
    """Distinct items of each type; every third one tagged 卫生健康, the others 安全生产."""
    rows: list[list[Any]] = []
    for i in range(judge):
        rows.append(
            [
                f"J{i:03d}",
                "判断",
                f"判断题第{i}题：水在标准大气压下 100℃ 沸腾。",
                "",
                "",
                "",
                "",
                "对",
                "常识",
                _topic(i),
                1,
            ]
        )
    for i in range(single):
        rows.append(
            [
                f"S{i:03d}",
                "单选",
                f"单选题第{i}题：人体最大的器官是？",
                "肝脏",
                "皮肤",
                "心脏",
                "肺",
                "B",
                "",
                _topic(i),
                2,
            ]
        )
    for i in range(multi):
        rows.append(
            [
                f"M{i:03d}",
                "多选",
                f"多选题第{i}题：下列属于可回收物的是？",
                "废纸",
                "塑料瓶",
                "果皮",
                "易拉罐",
                "A、B、D",
                "",
                _topic(i),
                3,
            ]
        )
    return rows


def _topic(i: int) -> str:
    return "卫生健康" if i % 3 == 0 else "安全生产"


def stocked_contest(world: Any, **sizes: int) -> Contest:
    """An own contest whose bank was imported through the real check and import."""
    contest = own_contest(world)
    upload = xlsx_file(bank_rows(**sizes))
    checked = bank.check_file(contest, upload.read(), "题库.xlsx")
    assert not checked.errors, checked.errors.messages()
    bank.import_items(world.pds_office, contest, checked.rows, filename="题库.xlsx")
    contest.refresh_from_db()
    return contest

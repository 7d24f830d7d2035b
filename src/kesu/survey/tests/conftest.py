"""Builders of survey files and waves for the tests: CSV bytes shaped like what offices upload."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pytest

from kesu.regions.models import Region, RegionLevel
from kesu.survey import actions
from kesu.survey.models import Wave
from kesu.survey.testing import ITEMS_CSV

TOWNS = [("370124001000", "榆山街道"), ("370124100000", "东阿镇"), ("370124101000", "孝直镇")]


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def towns_of(county: Region) -> list[Region]:
    """平阴县's three towns (the persona world loads only 榆山街道)."""
    towns = []
    for code, name in TOWNS:
        town = Region.objects.filter(code=code).first()
        if town is None:
            town = Region(code=code, name=name, level=RegionLevel.TOWN, parent=county)
            town.path = town.compute_path()
            town.save()
        towns.append(town)
    return towns


def frame_rows(towns: list[Region], psus: int = 2) -> list[list[Any]]:
    return [
        [f"S{t + 1}", f"P{p}", town.name, 150.0 + 30 * t]
        for t, town in enumerate(towns)
        for p in range(1, psus + 1)
    ]


FRAME_HEADERS = ["层", "初级抽样单元", "所在区划", "基础权数"]
ANSWER_CHOICES = {
    "K1": ["对", "错"],
    "K2": ["真空", "水", "玻璃"],
    "M1": ["对", "错"],
    "S1": ["修正", "永不改变"],
    "A1": ["太阳能|风能", "太阳能", "煤"],
}


def response_rows(
    towns: list[Region], n: int = 72, seed: int = 3, psus: int = 2, confounded: bool = False
) -> list[list[Any]]:
    """Respondents spread over every PSU, answering better with more education."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        t, p = i % len(towns), (i // len(towns)) % psus + 1
        sex = ("男", "女")[i % 2]
        urban = (
            ("城镇" if sex == "男" else "农村") if confounded else ("城镇", "农村")[int(rng.integers(0, 2))]
        )
        edu = ("小学及以下", "初中", "高中", "大专", "本科及以上")[int(rng.integers(0, 5))]
        age = int(rng.integers(18, 70))
        good = rng.random() < 0.25 + 0.12 * ("小学及以下", "初中", "高中", "大专", "本科及以上").index(edu)
        answers = [
            choices[0] if good or rng.random() < 0.5 else choices[-1] for choices in ANSWER_CHOICES.values()
        ]
        rows.append(
            [f"R{i:04d}", f"S{t + 1}", f"P{p}", sex, age, edu, urban, "农林牧渔业生产人员", "paper", *answers]
        )
    return rows


RESPONSE_HEADERS = [
    "受访者编号",
    "层",
    "初级抽样单元",
    "性别",
    "年龄",
    "文化程度",
    "城乡",
    "职业",
    "来源",
    *ANSWER_CHOICES,
]


def margin_rows(
    sex: tuple[float, float] = (5200, 4800), urban: tuple[float, float] = (4000, 6000)
) -> list[list[Any]]:
    return [
        ["性别", "男", sex[0]],
        ["性别", "女", sex[1]],
        ["城乡", "城镇", urban[0]],
        ["城乡", "农村", urban[1]],
    ]


@pytest.fixture
def pingyin_wave(world: Any) -> Wave:
    """平阴县's wave: the test instrument, three towns of two PSUs, margins for sex and urban/rural."""
    towns = towns_of(world.pingyin)
    instrument = actions.import_instrument(
        world.py_office, world.pingyin, "测试问卷", ITEMS_CSV.encode(), "items.csv"
    )
    wave = actions.create_wave(
        world.py_office,
        world.pingyin,
        title="平阴县测试调查",
        period="2025",
        instrument=instrument,
        rule_kind="current",
    )
    actions.import_frame(world.py_office, wave, csv_bytes(FRAME_HEADERS, frame_rows(towns)), "frame.csv")
    actions.import_margins(
        world.py_office, wave, csv_bytes(["variable", "category", "population"], margin_rows()), "margins.csv"
    )
    actions.update_weighting(
        world.py_office,
        wave,
        method="rake",
        variables=["sex", "urban_rural"],
        lonely_psu="fail",
        trim_lower=None,
        trim_upper=None,
    )
    return wave

"""Test helpers of the survey app, including the URL samples the URL walk test uses."""

from __future__ import annotations

from typing import Any

from kesu.regions.models import Region, Unit
from kesu.survey.models import FrameUnit, Instrument, Item, Respondent, Wave

ITEMS_CSV = (
    "题号,维度,题型,题干,选项,答案,来源\n"
    "K1,科学知识,tf,地心非常热,对|错,对,测试\n"
    "K2,科学知识,single,光速最快的是,真空|水|玻璃,真空,测试\n"
    "M1,科学方法,tf,对照实验需要对照组,对|错,对,测试\n"
    "S1,科学精神与思想,single,科学结论可以被,修正|永不改变,修正,测试\n"
    "A1,应用科学的能力,multiple,哪些是可再生能源,太阳能|煤|风能,太阳能|风能,测试\n"
)


def small_instrument(region: Region) -> Instrument:
    """Five items, one or two per dimension, made directly (URL samples need no audit trail)."""
    version = Instrument.objects.filter(region=region, name="测试问卷").count() + 1
    instrument = Instrument.objects.create(region=region, name="测试问卷", version=version)
    rows = [line.split(",") for line in ITEMS_CSV.strip().splitlines()[1:]]
    Item.objects.bulk_create(
        [
            Item(
                instrument=instrument,
                code=r[0],
                order=i,
                dimension=r[1],
                type=r[2],
                stem=r[3],
                options=r[4].split("|"),
                answer=r[5].split("|"),
                source=r[6],
            )
            for i, r in enumerate(rows, start=1)
        ]
    )
    return instrument


def url_samples(owner_unit: Unit, owner_region: Region, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object of ``owner_region``'s survey (see tests/test_every_url_respects_scope.py).

    The wave is still being prepared, so its public link and its respondent's code answer 404 to
    everybody, as a link of a survey that is not collecting must.
    """
    instrument = small_instrument(owner_region)
    wave = Wave.objects.create(region=owner_region, period="2025", title="测试调查", instrument=instrument)
    unit = FrameUnit.objects.create(wave=wave, stratum="S1", psu="P1", base_weight=100.0)
    respondent = Respondent.objects.create(wave=wave, unit=unit)
    return {
        "instrument_id": instrument.pk,
        "wave_id": wave.pk,
        "token": wave.public_token,
        "code": respondent.code,
        "survey-wave-detail:pk": wave.pk,
        "import_template:kind": "margins",
    }

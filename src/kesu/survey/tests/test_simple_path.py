"""Issue 12, the survey for an office without a statistician: a QR code and a copy button for the public
link, a wave with defaults (margins from 常住人口, advanced settings hidden, no frame needed), Chinese
column names in every template, and 上一题 in the questionnaire."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from kesu.core.models import AuditEvent
from kesu.indicators.actions import record_value
from kesu.survey import actions
from kesu.survey.models import Answer, Instrument, Respondent, Wave
from kesu.survey.testing import ITEMS_CSV
from kesu.survey.tests.test_collection import WOMAN, code_of, start_publicly

pytestmark = pytest.mark.django_db


def test_the_public_link_has_a_server_drawn_qr_code_to_download_and_a_copy_button(
    world, client_for, pingyin_wave: Wave
) -> None:
    office = client_for(world.py_office)
    page = office.get(f"/survey/waves/{pingyin_wave.pk}/").content.decode()
    assert f'src="/survey/waves/{pingyin_wave.pk}/qr.png"' in page and "下载二维码（PNG）" in page
    assert f'data-copy="http://testserver/survey/q/{pingyin_wave.public_token}/"' in page
    image = office.get(f"/survey/waves/{pingyin_wave.pk}/qr.png")
    assert image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")
    poster = office.get(f"/survey/waves/{pingyin_wave.pk}/qr.png?download=1")
    assert "attachment" in poster["Content-Disposition"] and len(poster.content) > len(image.content)
    assert client_for(world.pds_office).get(f"/survey/waves/{pingyin_wave.pk}/qr.png").status_code == 404


def _hold_population(world: Any) -> None:
    for sex, n in (("男", 60000), ("女", 58000)):
        record_value(
            None, "adult_population", world.pingyin, "2024", n, disaggregation={"性别": sex}, source="import"
        )
    for group, n in (
        ("18—29岁", 20000),
        ("30—39岁", 25000),
        ("40—49岁", 26000),
        ("50—59岁", 25000),
        ("60—69岁", 22000),
    ):
        record_value(
            None,
            "adult_population",
            world.pingyin,
            "2024",
            n,
            disaggregation={"年龄组": group},
            source="import",
        )


def test_a_wave_made_with_defaults_gets_its_margins_from_the_population_kesu_holds(world, client_for) -> None:
    _hold_population(world)
    actions.import_instrument(world.py_office, world.pingyin, "测试问卷", ITEMS_CSV.encode(), "items.csv")
    office = client_for(world.py_office)
    form = office.get("/survey/waves/new/").content.decode()
    assert "<summary>高级设置</summary>" in form and form.index("高级设置") < form.index("评分规则")
    response = office.post(
        "/survey/waves/new/",
        {"title": "平阴县调查", "period": "2026", "instrument": "", "prefill_margins": "on"},
    )
    assert response.status_code == 200  # the questionnaire is required; the page says so
    instrument = Instrument.objects.get()
    response = office.post(
        "/survey/waves/new/",
        {
            "title": "平阴县调查",
            "period": "2026",
            "instrument": instrument.pk,
            "prefill_margins": "on",
            "rule_kind": "current",
        },
        follow=True,
    )
    wave = Wave.objects.get()
    margins = {(m.variable, m.category): m.population for m in wave.margins.all()}
    assert margins[("sex", "女")] == 58000 and margins[("age_group", "30-39")] == 25000 and len(margins) == 7
    assert "预填了 7 项普查边际" in response.content.decode()
    assert AuditEvent.objects.for_target(wave).filter(verb="survey.margins_prefill").exists()


def test_without_held_population_the_wave_is_made_and_the_office_is_told_to_import_margins(
    world, client_for
) -> None:
    actions.import_instrument(world.py_office, world.pingyin, "测试问卷", ITEMS_CSV.encode(), "items.csv")
    page = (
        client_for(world.py_office)
        .post(
            "/survey/waves/new/",
            {
                "title": "平阴县调查",
                "period": "2026",
                "instrument": Instrument.objects.get().pk,
                "prefill_margins": "on",
                "rule_kind": "current",
            },
            follow=True,
        )
        .content.decode()
    )
    assert "请导入普查边际" in page and not Wave.objects.get().margins.exists()


def test_every_import_template_has_chinese_column_names(world, client_for, pingyin_wave: Wave) -> None:
    office = client_for(world.py_office)
    page = office.get(f"/survey/waves/{pingyin_wave.pk}/").content.decode()
    assert "列：variable" not in page and "population" not in page and "paper 或 capi" not in page
    assert "列：变量" in page
    for kind, first in (("frame", "层"), ("margins", "变量"), ("responses", "受访者编号")):
        response = office.get(f"/survey/waves/{pingyin_wave.pk}/template/{kind}/")
        sheet = load_workbook(io.BytesIO(response.content)).active
        headers = [c.value for c in sheet[1]]
        assert headers[0] == first and not any(h and str(h).isascii() and str(h).isalpha() for h in headers)
    margins = load_workbook(
        io.BytesIO(office.get(f"/survey/waves/{pingyin_wave.pk}/template/margins/").content)
    ).active
    assert [c.value for c in margins[2]] == ["性别", "男", None]


def test_a_respondent_goes_back_to_the_previous_question_and_changes_the_answer(
    world, client_for, pingyin_wave: Wave
) -> None:
    actions.set_status(world.py_office, pingyin_wave, "open")
    client = client_for(None)
    code = code_of(start_publicly(client, pingyin_wave, WOMAN))
    items = list(pingyin_wave.instrument.items.order_by("order"))
    client.get(f"/survey/r/{code}/")
    client.post(f"/survey/r/{code}/", {"item": items[0].pk, "choice": items[0].options[-1]})
    second = client.get(f"/survey/r/{code}/").content.decode()
    assert f'href="?item={items[0].pk}"' in second and "上一题" in second
    back = client.get(f"/survey/r/{code}/?item={items[0].pk}").content.decode()
    assert f'value="{items[0].options[-1]}" checked' in back and "第 1 /" in back
    client.post(f"/survey/r/{code}/?item={items[0].pk}", {"item": items[0].pk, "choice": items[0].options[0]})
    respondent = Respondent.objects.get(code=code)
    assert Answer.objects.get(respondent=respondent, item=items[0]).choice == items[0].options[0]
    assert "第 2 /" in client.get(f"/survey/r/{code}/").content.decode()  # on where it left off
    unanswered = client.get(f"/survey/r/{code}/?item={items[3].pk}").content.decode()
    assert "第 2 /" in unanswered  # an item not yet reached cannot be jumped to


def test_a_wave_without_a_sampling_frame_is_estimated_as_a_simple_random_sample(
    world, pingyin_wave: Wave
) -> None:
    from kesu.survey import analysis

    labels = {name: np.array([""] * 4) for name in ("region", *analysis.SAMPLE_FIELDS)}
    respondents = analysis.Sample([1, 2, 3, 4], [False] * 4, [""] * 4, [""] * 4, [0.0] * 4, labels, [])
    pingyin_wave.frame.all().delete()
    design = analysis.base_design(pingyin_wave, respondents)
    assert list(design.weights) == [1.0] * 4 and design.psus_per_stratum.tolist() == [4]

"""The survey over HTTP, per persona: instrument, wave design, collection, weighting, report, indicators."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from kesu import stats
from kesu.core.models import AuditEvent, Job, JobStatus
from kesu.survey import actions, sheets
from kesu.survey.models import Answer, Estimate, Instrument, Respondent, RespondentStatus, Wave, WeightingRun
from kesu.survey.testing import ITEMS_CSV
from kesu.survey.tests.conftest import (
    FRAME_HEADERS,
    RESPONSE_HEADERS,
    csv_bytes,
    frame_rows,
    margin_rows,
    response_rows,
    towns_of,
)

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def import_responses(client: Any, wave: Wave, rows: list[list[Any]]) -> Any:
    return client.post(
        f"/survey/waves/{wave.pk}/responses/import/",
        {"file": upload("paper.csv", csv_bytes(RESPONSE_HEADERS, rows))},
    )


def estimate(client: Any, wave: Wave, capture: Any, **settings: Any) -> Any:
    data = {
        "rule_kind": "current",
        "method": "rake",
        "variables": ["sex", "urban_rural"],
        "lonely_psu": "fail",
    } | settings
    with capture(execute=True):
        return client.post(f"/survey/waves/{wave.pk}/weighting/", data)


# ---- instrument --------------------------------------------------------------------------------


def test_an_office_imports_an_item_bank_exports_it_and_imports_the_edit_as_a_new_version(
    world, client_for
) -> None:
    client = client_for(world.py_office)
    response = client.post(
        "/survey/instruments/import/", {"name": "县问卷", "file": upload("items.csv", ITEMS_CSV.encode())}
    )
    instrument = Instrument.objects.get(name="县问卷")
    assert response.status_code == 302 and instrument.items.count() == 5 and instrument.version == 1
    multiple = instrument.items.get(code="A1")
    assert multiple.type == "multiple" and multiple.answer == ["太阳能", "风能"]
    exported = client.get(f"/survey/instruments/{instrument.pk}/?format=xlsx")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert [c.value for c in sheet[1]] == actions.EXPORT_HEADERS and sheet.max_row == 6
    client.post(
        "/survey/instruments/import/", {"name": "县问卷", "file": upload("edit.xlsx", exported.content)}
    )
    assert list(
        Instrument.objects.filter(name="县问卷").values_list("version", flat=True).order_by("version")
    ) == [1, 2]


def test_the_starter_bank_loads_with_all_four_dimensions(world, client_for) -> None:
    client_for(world.py_office).post("/survey/instruments/starter/")
    instrument = Instrument.objects.get(region=world.pingyin)
    assert instrument.items.count() == 38
    assert set(instrument.items.values_list("dimension", flat=True)) == {
        "科学知识",
        "科学方法",
        "科学精神与思想",
        "应用科学的能力",
    }


def test_an_item_bank_with_bad_rows_is_refused_whole_naming_each_row(world, client_for) -> None:
    bad = (
        ITEMS_CSV
        + "X1,科学常识,tf,题,对|错,对,\nX2,科学方法,single,题,甲|乙,丙,\nK1,科学方法,tf,重复,对|错,对,\n"
    )
    response = client_for(world.py_office).post(
        "/survey/instruments/import/", {"name": "坏问卷", "file": upload("bad.csv", bad.encode("gb18030"))}
    )
    body = response.content.decode()
    assert response.status_code == 200 and not Instrument.objects.exists()
    assert "第 7 行" in body and "维度“科学常识”" in body and "第 8 行" in body and "不在选项中" in body
    assert "题号“K1”重复" in body


def test_an_item_bank_without_the_answer_column_names_it(world, client_for) -> None:
    content = "题号,维度,题型,题干,选项\nK1,科学知识,tf,地心很热,对|错\n".encode()
    response = client_for(world.py_office).post(
        "/survey/instruments/import/", {"name": "缺列", "file": upload("x.csv", content)}
    )
    assert "文件缺少以下列：答案" in response.content.decode() and not Instrument.objects.exists()


# ---- permissions ---------------------------------------------------------------------------------


def test_a_leader_reads_the_survey_and_its_report_but_changes_nothing(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin)))
    estimate(office, pingyin_wave, django_capture_on_commit_callbacks)
    from kesu.accounts import actions as account_actions

    leader = account_actions.create_user(
        None, "py-leader", "pw-2025-leader", role="leader", region=world.pingyin
    )
    client = client_for(leader)
    assert client.get("/survey/").status_code == 200
    assert client.get(f"/survey/waves/{pingyin_wave.pk}/report/").status_code == 200
    assert "写入指标库" not in client.get(f"/survey/waves/{pingyin_wave.pk}/report/").content.decode()
    events = AuditEvent.objects.count()
    for url in ("weighting/", "status/", "indicators/", "codes/", "quotas/"):
        assert client.post(f"/survey/waves/{pingyin_wave.pk}/{url}", {"status": "open"}).status_code == 403
    assert AuditEvent.objects.count() == events


def test_liaisons_and_other_regions_see_nothing_of_a_survey(world, client_for, pingyin_wave) -> None:
    liaison = client_for(world.edu_liaison)
    assert liaison.get("/survey/").status_code == 404
    assert liaison.get(f"/survey/waves/{pingyin_wave.pk}/").status_code == 404
    other = client_for(world.xz_office)
    assert other.get(f"/survey/waves/{pingyin_wave.pk}/").status_code == 404
    assert other.get(f"/survey/waves/{pingyin_wave.pk}/report/").status_code == 404
    assert other.get(f"/survey/instruments/{pingyin_wave.instrument_id}/").status_code == 404
    assert pingyin_wave.title not in other.get("/survey/").content.decode()
    assert client_for(world.edu_liaison).get("/api/survey-waves/").json()["count"] == 0


def test_the_city_office_reads_a_county_wave_of_its_subtree_but_not_the_reverse(world, client_for) -> None:
    towns_of(world.pingyin)
    instrument = actions.import_instrument(
        world.pds_office, world.pingdingshan, "市问卷", ITEMS_CSV.encode(), "i.csv"
    )
    wave = actions.create_wave(
        world.pds_office,
        world.pingdingshan,
        title="市调查",
        period="2025",
        instrument=instrument,
        rule_kind="current",
    )
    assert client_for(world.pds_office).get(f"/survey/waves/{wave.pk}/").status_code == 200
    assert client_for(world.py_office).get(f"/survey/waves/{wave.pk}/").status_code == 404


# ---- collection ---------------------------------------------------------------------------------


def answer_everything(client: Any, code: str, choice: str | None = None) -> None:
    respondent = Respondent.objects.get(code=code)
    for item in respondent.wave.instrument.items.order_by("order"):
        client.get(f"/survey/r/{code}/")
        client.post(f"/survey/r/{code}/", {"item": item.pk, "choice": choice or item.answer})


PROFILE = {
    "sex": "女",
    "age": "34",
    "education": "大专",
    "urban_rural": "城镇",
    "occupation": "生产制造及有关人员",
}


def test_a_respondent_with_a_code_answers_resumes_on_another_phone_and_submits_only_once(
    world, client_for, pingyin_wave
) -> None:
    office = client_for(world.py_office)
    office.post(f"/survey/waves/{pingyin_wave.pk}/status/", {"status": "open"})
    unit = pingyin_wave.frame.first()
    office.post(f"/survey/waves/{pingyin_wave.pk}/codes/", {"unit": unit.pk, "count": 3})
    codes = office.get(f"/survey/waves/{pingyin_wave.pk}/codes/")
    code = load_workbook(io.BytesIO(codes.content)).active["A2"].value
    phone = client_for(None)
    assert "基本情况" in phone.get(f"/survey/r/{code}/").content.decode()
    too_old = phone.post(f"/survey/r/{code}/", PROFILE | {"age": "75"})
    assert too_old.status_code == 400 and "18—69 周岁" in too_old.content.decode()
    phone.post(f"/survey/r/{code}/", PROFILE)
    first = pingyin_wave.instrument.items.order_by("order").first()
    page = phone.get(f"/survey/r/{code}/").content.decode()
    assert first.stem in page and "第 1 / 5 题" in page
    phone.post(f"/survey/r/{code}/", {"item": first.pk, "choice": "对"})
    other_phone = client_for(None)  # resumable: the code alone brings back the next item
    assert "第 2 / 5 题" in other_phone.get(f"/survey/r/{code}/").content.decode()
    answer_everything(other_phone, code)
    assert "提交问卷" in other_phone.get(f"/survey/r/{code}/").content.decode()
    other_phone.post(f"/survey/r/{code}/", {"submit": "1"})
    respondent = Respondent.objects.get(code=code)
    assert respondent.status == RespondentStatus.COMPLETE and respondent.key_group == "产业工人"
    assert respondent.age_group == "30-39" and respondent.unit == unit
    assert all(a.seconds is not None and a.seconds >= 0 for a in respondent.answers.all())  # time per item
    done = phone.post(f"/survey/r/{code}/", {"item": first.pk, "choice": "错"})
    assert "每个答题码只能提交一次" in done.content.decode()
    assert Answer.objects.get(respondent=respondent, item=first).choice == "对"
    assert AuditEvent.objects.filter(verb="survey.response_submit").count() == 1


def test_the_public_link_starts_one_response_per_browser_and_resumes_it(
    world, client_for, pingyin_wave
) -> None:
    actions.set_status(world.py_office, pingyin_wave, "open")
    browser = client_for(None)
    link = f"/survey/q/{pingyin_wave.public_token}/"
    assert "开始作答" in browser.get(link).content.decode()
    assert "基本情况" in browser.post(link).content.decode() and not Respondent.objects.exists()
    unit = pingyin_wave.frame.last()
    first = browser.post(link, PROFILE | {"age": "63", "unit": unit.pk, "step": "profile"})
    again = browser.post(link)
    assert first["Location"] == again["Location"] and Respondent.objects.count() == 1
    respondent = Respondent.objects.get()
    assert respondent.unit == unit and respondent.key_group == "老年人" and respondent.has_profile
    code = respondent.code
    assert (
        code in browser.get(f"/survey/r/{code}/").content.decode()
    )  # shown on the first item, to resume with
    assert browser.post(link, {"code": code.lower()})["Location"].endswith(f"/survey/r/{code}/")


def test_links_of_a_wave_that_is_not_collecting_lead_nowhere(world, client_for, pingyin_wave) -> None:
    respondent = actions.issue_codes(world.py_office, pingyin_wave, pingyin_wave.frame.first(), 1)[0]
    anonymous = client_for(None)
    assert anonymous.get(f"/survey/q/{pingyin_wave.public_token}/").status_code == 404
    assert anonymous.get(f"/survey/r/{respondent.code}/").status_code == 404
    assert anonymous.get("/survey/r/NOSUCHCODE/").status_code == 404
    assert anonymous.get(f"/survey/waves/{pingyin_wave.pk}/").status_code == 302  # staff pages need sign-in


def test_quotas_show_their_progress(world, client_for, pingyin_wave) -> None:
    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin), n=12))
    office.post(f"/survey/waves/{pingyin_wave.pk}/quotas/", {"text": "性别:男=12\n区域:东阿镇=8"})
    page = office.get(f"/survey/waves/{pingyin_wave.pk}/").content.decode()
    assert "50%" in page  # 6 of 12 men
    bad = office.post(f"/survey/waves/{pingyin_wave.pk}/quotas/", {"text": "身高:高=3"})
    assert bad.status_code == 400 and "格式应为" in bad.content.decode()


# ---- paper and CAPI import ------------------------------------------------------------------------


def test_paper_data_is_imported_all_or_nothing_with_every_problem_named(
    world, client_for, pingyin_wave
) -> None:
    office = client_for(world.py_office)
    rows = response_rows(towns_of(world.pingyin), n=10)
    rows[2][4] = "三十"  # text in a numeric column
    rows[3][2] = "P9"  # a PSU outside the frame
    rows[4][0] = rows[5][0]  # duplicate respondent id
    rows[6][9] = "不知道"  # not an option
    response = import_responses(office, pingyin_wave, rows)
    body = response.content.decode()
    assert response.status_code == 400 and Respondent.objects.count() == 0 and Answer.objects.count() == 0
    assert "第 4 行：“年龄”列的“三十”不是数字" in body
    assert "PSU“P9”不在抽样框中" in body and "在文件中出现 2 次" in body and "“不知道”不是该题的选项" in body


def test_the_same_paper_file_imported_twice_is_caught_as_duplicates(world, client_for, pingyin_wave) -> None:
    office = client_for(world.py_office)
    rows = response_rows(towns_of(world.pingyin), n=10)
    assert import_responses(office, pingyin_wave, rows).status_code == 302
    again = import_responses(office, pingyin_wave, rows)
    assert "已经导入过（重复数据）" in again.content.decode() and Respondent.objects.count() == 10


def test_answers_given_as_letters_are_read_as_options(world, client_for, pingyin_wave) -> None:
    rows = response_rows(towns_of(world.pingyin), n=6)
    rows[0][-5:] = ["A", "a", "B", "A", "A|C"]
    import_responses(client_for(world.py_office), pingyin_wave, rows)
    respondent = Respondent.objects.get(external_id="R0000")
    items = pingyin_wave.instrument.items.order_by("order")
    answers = {
        i.code: sheets.choice_of(i.options, m) for i, m in zip(items, respondent.sheet or [], strict=True)
    }
    assert answers == {"K1": "对", "K2": "真空", "M1": "错", "S1": "修正", "A1": "太阳能|风能"}


def test_a_response_file_missing_columns_names_them(world, client_for, pingyin_wave) -> None:
    content = csv_bytes(["受访者编号", "层", "性别"], [["R1", "S1", "男"]])
    response = client_for(world.py_office).post(
        f"/survey/waves/{pingyin_wave.pk}/responses/import/", {"file": upload("x.csv", content)}
    )
    body = response.content.decode()
    assert (
        "文件缺少以下列：初级抽样单元、年龄、文化程度、城乡、职业、K1" in body
        and Respondent.objects.count() == 0
    )


def test_a_frame_with_text_weights_or_unknown_towns_is_refused(world, client_for, pingyin_wave) -> None:
    rows: list[list[Any]] = [["S1", "P1", "榆山街道", "一百"], ["S1", "P2", "火星镇", 100]]
    response = client_for(world.py_office).post(
        f"/survey/waves/{pingyin_wave.pk}/frame/", {"file": upload("f.csv", csv_bytes(FRAME_HEADERS, rows))}
    )
    body = response.content.decode()
    assert "第 2 行“基础权数”列的“一百”不是数字" in body and "“火星镇”不是平阴县的下级区划" in body
    assert pingyin_wave.frame.count() == 6


# ---- weighting and estimation ----------------------------------------------------------------------


def test_weighting_runs_as_a_job_and_equals_the_stats_core_on_the_same_data(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin)))
    response = estimate(
        office, pingyin_wave, django_capture_on_commit_callbacks, trim_lower="0.5", trim_upper="2"
    )
    job = Job.objects.get(kind="survey_estimate")
    assert response.status_code == 302 and job.status == JobStatus.SUCCEEDED and job.progress == 100
    run = WeightingRun.objects.get()
    respondents = list(Respondent.objects.order_by("pk").select_related("unit"))
    design = stats.Design(
        [r.unit.stratum for r in respondents],
        [r.unit.psu for r in respondents],
        [r.unit.base_weight for r in respondents],
    )
    margins = {
        "性别": (np.array([r.sex for r in respondents]), {"男": 5200.0, "女": 4800.0}),
        "城乡": (np.array([r.urban_rural for r in respondents]), {"城镇": 4000.0, "农村": 6000.0}),
    }
    mean = 10000 / len(respondents)
    raked = stats.rake(design.weights, margins, trim=(0.5 * mean, 2 * mean))
    weighted = design.with_weights(raked.weights, [raked.calibration])
    literate = np.array([r.result.literate for r in respondents], dtype=float)
    expected = stats.estimate_mean(weighted, literate)
    stored = Estimate.objects.get(run=run, outcome="literate", by="")
    assert stored.estimate == pytest.approx(expected.estimate, abs=1e-12)
    assert stored.se == pytest.approx(expected.se, rel=1e-9) and stored.n == 72
    women = stats.estimate_mean(weighted, literate, np.array([r.sex == "女" for r in respondents]))
    assert Estimate.objects.get(run=run, outcome="literate", by="sex", level="女").se == pytest.approx(
        women.se, rel=1e-9
    )
    assert np.allclose([r.result.weight for r in respondents], raked.weights, rtol=1e-12)
    assert max(r.result.weight for r in respondents) <= 2 * mean * (1 + 1e-6)
    assert run.diagnostics["after"]["kish_deff"] >= 1
    assert set(Estimate.objects.filter(run=run, by="").values_list("outcome", flat=True)) == {
        "literate",
        "score",
        "grade:高阶",
        "grade:具备",
        "grade:基本具备",
        "grade:较低",
    }
    assert set(Estimate.objects.filter(run=run).values_list("by", flat=True)) == {
        "",
        "region",
        "sex",
        "age_group",
        "education",
        "urban_rural",
        "key_group",
    }


def test_the_report_shows_tables_charts_and_national_figures_and_exports(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin)))
    estimate(office, pingyin_wave, django_capture_on_commit_callbacks)
    page = office.get(f"/survey/waves/{pingyin_wave.pk}/report/").content.decode()
    assert "具备科学素质的比例" in page and "按性别" in page and "按重点人群" in page and "15.37%" in page
    assert "echarts.min.js" in page and "95% 置信区间" in page
    sheet = load_workbook(
        io.BytesIO(office.get(f"/survey/waves/{pingyin_wave.pk}/report/?format=xlsx").content)
    ).active
    assert sheet["A1"].value == "指标" and sheet.max_row > 50
    docx = office.get(f"/survey/waves/{pingyin_wave.pk}/report.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "具备科学素质的比例为" in text and "rake()" in text
    respondents = office.get(f"/survey/waves/{pingyin_wave.pk}/respondents/?format=xlsx")
    assert load_workbook(io.BytesIO(respondents.content)).active.max_row == 73


def test_a_stratum_with_one_psu_is_named_with_its_remedies_and_nothing_starts(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    office = client_for(world.py_office)
    towns = towns_of(world.pingyin)
    rows: list[list[Any]] = [*frame_rows(towns), ["S9", "P1", "孝直镇", 100.0]]
    office.post(
        f"/survey/waves/{pingyin_wave.pk}/frame/", {"file": upload("f.csv", csv_bytes(FRAME_HEADERS, rows))}
    )
    responses = response_rows(towns, n=60)
    responses[0][1:3] = ["S9", "P1"]
    import_responses(office, pingyin_wave, responses)
    response = estimate(office, pingyin_wave, django_capture_on_commit_callbacks)
    body = response.content.decode()
    assert response.status_code == 400 and "层 “S9” 只有 1 个初级抽样单元" in body
    assert "合并" in body and "certainty" in body
    assert not Job.objects.exists() and not Estimate.objects.exists()
    assert (
        estimate(office, pingyin_wave, django_capture_on_commit_callbacks, lonely_psu="certainty").status_code
        == 302
    )
    assert Estimate.objects.exists()


def test_raking_that_cannot_converge_fails_the_job_naming_the_margin_and_keeps_the_last_estimates(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin), confounded=True))
    # Every man lives in a town and every woman in the country: 52% men and 40% town dwellers cannot both hold.
    office.post(
        f"/survey/waves/{pingyin_wave.pk}/margins/",
        {
            "file": upload(
                "m.csv",
                csv_bytes(
                    ["variable", "category", "population"], margin_rows(sex=(5200, 4800), urban=(4000, 6000))
                ),
            )
        },
    )
    estimate(
        office, pingyin_wave, django_capture_on_commit_callbacks, method="poststratify", variables=["sex"]
    )
    before = Estimate.objects.count()
    estimate(office, pingyin_wave, django_capture_on_commit_callbacks)
    job = Job.objects.latest("pk")
    run = WeightingRun.objects.latest("pk")
    assert job.status == JobStatus.FAILED and run.status == "failed"
    assert "无法收敛" in run.message and "边际“性别”" in run.message and "合并" in run.message
    assert Estimate.objects.count() == before
    assert run.message in office.get(f"/survey/waves/{pingyin_wave.pk}/").content.decode()


def test_margins_whose_categories_do_not_match_the_data_are_named(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin)))
    office.post(
        f"/survey/waves/{pingyin_wave.pk}/margins/",
        {
            "file": upload(
                "m.csv",
                csv_bytes(
                    ["variable", "category", "population"], [["性别", "男性", 5000], ["性别", "女", 5000]]
                ),
            )
        },
    )
    response = estimate(office, pingyin_wave, django_capture_on_commit_callbacks, variables=["sex"])
    body = response.content.decode()
    assert (
        response.status_code == 400
        and "“男”" in body
        and "总体边际表中没有" in body
        and not Job.objects.exists()
    )


def test_a_margin_file_with_text_in_the_population_column_writes_nothing(
    world, client_for, pingyin_wave
) -> None:
    response = client_for(world.py_office).post(
        f"/survey/waves/{pingyin_wave.pk}/margins/",
        {
            "file": upload(
                "m.csv",
                csv_bytes(
                    ["variable", "category", "population"], [["性别", "男", "很多"], ["身高", "高", 1]]
                ),
            )
        },
    )
    body = response.content.decode()
    assert "“很多”不是数字" in body and "变量“身高”不能用于校准" in body
    assert pingyin_wave.margins.count() == 4


def test_each_wave_scores_with_its_own_rule(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin)))
    estimate(office, pingyin_wave, django_capture_on_commit_callbacks)
    current = {r.pk: r.result.literate for r in Respondent.objects.all()}
    estimate(office, pingyin_wave, django_capture_on_commit_callbacks, rule_kind="benchmark_2016")
    assert Wave.objects.get(pk=pingyin_wave.pk).rule_kind == "benchmark_2016"
    benchmark = {r.pk: (r.result.literate, r.result.score) for r in Respondent.objects.all()}
    # 2016 基准: 2 points an item; 3 of 5 right (60%) passes, while the current rule weighs dimensions.
    assert all(score in (0, 2, 4, 6, 8, 10) for _lit, score in benchmark.values())
    assert all(lit == (score >= 6) for lit, score in benchmark.values())
    assert current != {pk: lit for pk, (lit, _s) in benchmark.items()}


# ---- indicator values ---------------------------------------------------------------------------------


def test_results_become_literacy_rate_values_for_the_county_and_its_towns(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    pytest.importorskip("kesu.indicators.actions")
    from kesu.indicators.models import IndicatorValue

    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin)))
    estimate(office, pingyin_wave, django_capture_on_commit_callbacks)
    response = office.post(f"/survey/waves/{pingyin_wave.pk}/indicators/", follow=True)
    assert "写入指标库" in response.content.decode()
    values = IndicatorValue.objects.filter(indicator__code="literacy_rate", source="survey")
    overall = Estimate.objects.get(outcome="literate", by="")
    county = values.get(region=world.pingyin)
    assert county.value == pytest.approx(overall.estimate * 100)
    assert {v.region.name for v in values} == {"平阴县", "榆山街道", "东阿镇", "孝直镇"}
    assert "标准误" in county.provenance


def test_without_estimates_nothing_is_written_to_the_indicators(world, client_for, pingyin_wave) -> None:
    response = client_for(world.py_office).post(f"/survey/waves/{pingyin_wave.pk}/indicators/", follow=True)
    assert "还没有估计结果" in response.content.decode()


# ---- demo -----------------------------------------------------------------------------------------------


def test_the_demo_wave_is_scored_weighted_estimated_and_labelled_as_demo_data(world, client_for) -> None:
    from kesu.survey.demo import build_demo_wave

    towns_of(world.pingyin)
    wave = build_demo_wave(world.pingyin)
    run = wave.latest_run
    assert run is not None
    overall = run.estimates.get(outcome="literate", by="")
    assert wave.is_demo and overall.n == 3 * 3 * 24 and 0.05 < overall.estimate < 0.35
    assert run.diagnostics["after"]["total"] == pytest.approx(240_000)
    page = client_for(world.py_office).get(f"/survey/waves/{wave.pk}/report/").content.decode()
    assert "演示数据" in page and "按区域" in page


def test_an_office_creates_a_wave_with_custom_thresholds_and_bad_periods_are_refused(
    world, client_for
) -> None:
    from kesu.survey.analysis import rule_for

    instrument = actions.import_instrument(
        world.py_office, world.pingyin, "问卷", ITEMS_CSV.encode(), "i.csv"
    )
    client = client_for(world.py_office)
    form = {
        "title": "县调查",
        "period": "2025年第三季度",
        "instrument": instrument.pk,
        "rule_kind": "custom",
        "pass_score": "60",
    }
    refused = client.post("/survey/waves/new/", form)
    assert "无法识别的期间" in refused.content.decode() and not Wave.objects.exists()
    client.post("/survey/waves/new/", form | {"period": "2025H2"})
    wave = Wave.objects.get()
    rule = rule_for(wave)
    assert wave.period == "2025H2" and rule.pass_score == 60 and rule.dimension_points["科学知识"] == 40  # type: ignore[attr-defined]
    miller = rule_for(Wave(rule_kind="miller", rule_params={"dimension_share": 0.5}, instrument=instrument))
    assert dict(miller.dimension_thresholds) == {"科学知识": 0.5, "科学方法": 0.5, "科学与社会": 0.5}  # type: ignore[attr-defined]
    assert client_for(world.pds_leader).get("/survey/waves/new/").status_code == 403

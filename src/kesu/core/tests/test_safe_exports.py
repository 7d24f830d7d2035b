"""Safe text in, safe files out: control characters never break a download, typed text never becomes a
formula, and markup in a name never reaches a chart's tooltip as HTML."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from kesu.core.exports import append_row, csv_cell, xlsx_bytes
from kesu.core.models import AuditEvent, Job, JobStatus
from kesu.indicators import charts
from kesu.indicators.models import Indicator
from kesu.regions.models import Region, Unit
from kesu.reporting import actions, assessment, rules, supervision
from kesu.reporting.models import Cycle, Entry, Notice, Scheme, Score
from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.survey.tests.conftest import pingyin_wave  # noqa: F401  (a wave with its frame, for respondents)
from kesu.testing import World
from kesu.text import clean_text, csv_text, looks_like_formula

pytestmark = pytest.mark.django_db

# What a careless paste or a hostile liaison puts into a name or a narrative.
# (No NUL: PostgreSQL cannot store one, so no old row holds one; the input cleaning drops it too.)
DIRTY = "市教育\x0b体育局\x01\x08\x1b\x7f"
FORMULAS = ['=HYPERLINK("http://evil.example","点此")', "+1+1", "-2+3", "@SUM(A1)", "=1+2"]


def formula_cells(content: bytes) -> list[str]:
    """Every cell of every sheet that a spreadsheet would evaluate, as 'sheet!A1: value'."""
    book = load_workbook(io.BytesIO(content))
    return [
        f"{sheet.title}!{cell.coordinate}: {cell.value}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def texts(content: bytes) -> set[str]:
    book = load_workbook(io.BytesIO(content))
    return {
        str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row if c.value is not None
    }


@pytest.fixture
def activity(world: World) -> Cycle:
    """A cycle with a filled and submitted report, a 督办 notice and a 考核 score for 市教育体育局."""
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report)
    actions.submit_report(None, report)
    entry = report.entries.first()
    assert entry is not None
    supervision.issue_notice(None, entry.task, world.edu_bureau, "请加快推进", date(2099, 7, 31), cycle)
    scheme = assessment.create_scheme(None, world.edu_bureau.region, 2025, rules.Weights())
    Score.objects.create(scheme=scheme, unit=world.edu_bureau)
    return cycle


def unit_exports(cycle: Cycle) -> list[str]:
    scheme = Scheme.objects.get()
    return [
        f"/plans/{cycle.plan_id}/?format=xlsx",
        f"/reporting/cycles/{cycle.pk}/?format=xlsx",
        f"/reporting/cycles/{cycle.pk}/?table=units&format=xlsx",
        f"/reporting/assessments/{scheme.pk}/?format=xlsx",
        "/regions/units/?format=xlsx",
        "/accounts/users/?format=xlsx",
        "/audit/?format=xlsx",
        "/reporting/notices/?format=xlsx",
    ]


# ---- input is cleaned once, for every form and the API -------------------------------------------


def test_clean_text_turns_a_word_line_break_into_a_newline_and_drops_other_controls() -> None:
    assert clean_text("第一行\x0b第二行\r\n第三行\x00\x1b\x7f\x85") == "第一行\n第二行\n第三行\n"
    assert clean_text("制表\t保留") == "制表\t保留"
    assert clean_text("e\u0301") == "\u00e9"  # NFC


def test_a_narrative_pasted_from_word_is_saved_with_newlines(world: World, client_for: Any) -> None:
    cycle = open_test_cycle(world.edu_bureau)
    entry = Entry.objects.filter(report__cycle=cycle, report__unit=world.edu_bureau).first()
    assert entry is not None
    client = client_for(world.edu_liaison)
    client.post(
        f"/reporting/entries/{entry.pk}/",
        {
            "version": entry.version,
            "status": "in_progress",
            "percent": 40,
            "narrative": "已完成培训\x0b下一步：推广\x00",
        },
    )
    entry.refresh_from_db()
    assert entry.narrative == "已完成培训\n下一步：推广"


def test_a_unit_created_through_the_api_or_a_form_is_stored_without_control_characters(
    world: World, client_for: Any
) -> None:
    office = client_for(world.pds_office)
    response = office.post(
        "/api/units/",
        {"region": world.pingdingshan.code, "name": "市\x01卫生\x0b健康委", "kind": "government"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Unit.objects.filter(name="市卫生\n健康委").exists()
    only_controls = office.post(
        "/api/units/",
        {"region": world.pingdingshan.code, "name": "\x00\x01", "kind": "government"},
        content_type="application/json",
    )
    assert only_controls.status_code == 400


# ---- stored dirty text still exports ---------------------------------------------------------------


def test_a_word_line_break_in_a_narrative_still_downloads_the_liaisons_workbook(
    world: World, client_for: Any
) -> None:
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    report = cycle.reports.get(unit=world.edu_bureau)
    Entry.objects.filter(report=report).update(narrative="已完成\x0b下一步\x07推广")  # a row from before
    client = client_for(world.edu_liaison)
    for url in (f"/reporting/reports/{report.pk}/xlsx/", f"/reporting/reports/{report.pk}/?format=xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "已完成\n下一步推广" in texts(response.content), url


def test_control_characters_in_a_unit_name_break_none_of_the_exports(
    world: World, activity: Cycle, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    Unit.objects.filter(pk=world.edu_bureau.pk).update(name=DIRTY)
    AuditEvent.objects.filter(verb="unit.create").update(target_repr=DIRTY, note="由\x0b导入")
    office = client_for(world.pds_office)
    for url in unit_exports(activity):
        response = office.get(url)
        assert response.status_code == 200, url
        assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text) for text in texts(response.content))
    assert office.get("/reporting/notices/?format=docx").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        office.post("/audit/export/")
    job = Job.objects.get(kind="audit_export")
    assert job.status == JobStatus.SUCCEEDED, job.message


def test_the_cycle_summary_and_notice_documents_take_a_dirty_unit_name(
    world: World, activity: Cycle, client_for: Any
) -> None:
    from kesu.reporting.documents import notices_docx, summary_docx

    Unit.objects.filter(pk=world.edu_bureau.pk).update(name=DIRTY)
    Entry.objects.filter(report__cycle=activity).update(narrative="甲\x0b乙\x01")
    actions.review_report(
        world.pds_office, activity.reports.get(unit_id=world.edu_bureau.pk), approve=True, comments={}
    )
    summary = Document(io.BytesIO(summary_docx(Cycle.objects.get(pk=activity.pk))))
    assert any("甲" in p.text for p in summary.paragraphs)
    notices = list(Notice.objects.select_related("unit", "task"))
    assert notices_docx(notices, "督办通报").startswith(b"PK")


# ---- typed text stays text -------------------------------------------------------------------------


def test_text_that_looks_like_a_formula_is_written_as_text_and_numbers_stay_numbers() -> None:
    content = xlsx_bytes("表", ["名称", "数值"], [[text, -3.5] for text in FORMULAS])
    assert formula_cells(content) == []
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert [sheet.cell(row, 1).value for row in range(2, 2 + len(FORMULAS))] == FORMULAS
    assert sheet["B2"].value == -3.5 and sheet["B2"].data_type == "n"


def test_a_csv_field_that_looks_like_a_formula_is_prefixed_and_a_negative_number_is_not() -> None:
    assert [csv_text(t) for t in FORMULAS] == ["'" + t for t in FORMULAS]
    assert csv_text("-3.5") == "-3.5" and csv_text("1e5") == "1e5" and csv_text("普通文字") == "普通文字"
    assert csv_cell(-3.5) == -3.5 and csv_cell(None) == ""
    assert looks_like_formula("\t=1") and looks_like_formula("\r1") and not looks_like_formula("")


def test_typed_formulas_stay_text_in_the_reporting_exports(
    world: World, activity: Cycle, client_for: Any
) -> None:
    report = activity.reports.get(unit=world.edu_bureau)
    Entry.objects.filter(report=report).update(narrative=FORMULAS[0])
    Unit.objects.filter(pk=world.edu_bureau.pk).update(name=FORMULAS[4])
    Notice.objects.update(requirement=FORMULAS[1])
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    downloads = {
        "report": liaison.get(f"/reporting/reports/{report.pk}/?format=xlsx"),
        "offline workbook": liaison.get(f"/reporting/reports/{report.pk}/xlsx/"),
        "督办通报": office.get("/reporting/notices/?format=xlsx"),
        **{url: office.get(url) for url in unit_exports(activity)},
    }
    for name, response in downloads.items():
        assert response.status_code == 200, name
        assert formula_cells(response.content) == [], name
    assert FORMULAS[0] in texts(downloads["offline workbook"].content)


def test_typed_formulas_stay_text_in_the_indicator_value_downloads(world: World, client_for: Any) -> None:
    from kesu.indicators import actions as indicator_actions
    from kesu.indicators.models import IndicatorValue

    indicator_actions.record_value(
        None, "volunteer_count", world.pingdingshan, "2024", -12, source="registry"
    )
    IndicatorValue.objects.update(provenance="=cmd|' /C calc'!A0")
    Region.objects.filter(pk=world.pingdingshan.pk).update(name="@SUM(1+1)")
    office = client_for(world.pds_office)
    xlsx = office.get("/indicators/values/?format=xlsx")
    assert xlsx.status_code == 200 and formula_cells(xlsx.content) == []
    for url in ("/indicators/values/?format=csv", "/api/indicator-values/?format=csv"):
        response = office.get(url)
        assert response.status_code == 200, url
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert "'=cmd|' /C calc'!A0" in cells, url
        assert not [c for c in cells if looks_like_formula(c)], url
        assert "-12" in cells or "-12.0" in cells, url  # a negative number is a number, not a formula


def test_typed_formulas_stay_text_in_the_respondents_download(
    world: World,
    client_for: Any,
    pingyin_wave: Any,  # noqa: F811  (the fixture imported above)
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kesu.survey.models import Respondent
    from kesu.survey.tests.conftest import RESPONSE_HEADERS, csv_bytes, response_rows, towns_of

    office = client_for(world.py_office)
    rows = response_rows(towns_of(world.pingyin))
    office.post(
        f"/survey/waves/{pingyin_wave.pk}/responses/import/",
        {"file": SimpleUploadedFile("paper.csv", csv_bytes(RESPONSE_HEADERS, rows))},
    )
    assert Respondent.objects.filter(wave=pingyin_wave).exists()
    Respondent.objects.filter(wave=pingyin_wave).update(occupation="=1+1", key_group="+A1")
    response = office.get(f"/survey/waves/{pingyin_wave.pk}/respondents/?format=xlsx")
    assert response.status_code == 200
    assert formula_cells(response.content) == []
    assert {"=1+1", "+A1"} <= texts(response.content)


def test_append_row_leaves_none_empty_and_keeps_text_that_reads_like_an_error_as_text() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, [None, "#N/A", "=A1", 7])
    assert [c.data_type for c in sheet[1]] == ["n", "s", "s", "n"] and sheet["A1"].value is None


# ---- markup never reaches a tooltip as HTML ----------------------------------------------------------


def test_a_map_tooltip_escapes_the_indicators_unit() -> None:
    option = charts.map_chart("志愿者", "pds", ["新华区"], [3.0], unit="<img src=x onerror=alert(1)>{a}")
    formatter = option["tooltip"]["formatter"]
    assert "<img" not in formatter and "&lt;img src=x onerror=alert(1)&gt;" in formatter
    assert "{a}" not in formatter and formatter.startswith("{b}：{c}")


def test_the_drill_down_page_hands_echarts_an_escaped_unit(world: World, client_for: Any) -> None:
    from kesu.indicators.testing import square_boundary
    from kesu.indicators.tests.test_boundaries import COMPARE, record_volunteers, upload

    office = client_for(world.pds_office)
    upload(office, square_boundary(world.pingdingshan))
    record_volunteers()
    Indicator.objects.filter(code="volunteer_count").update(unit="<svg/onload=alert()>")
    page = office.get(COMPARE).content.decode()
    script = re.search(r'<script id="chart-map" type="application/json">(.*?)</script>', page, re.S)
    assert script is not None
    option = json.loads(script.group(1))
    assert option["tooltip"]["formatter"].endswith("&lt;svg/onload=alert()&gt;")


def test_every_api_serializer_that_accepts_writes_cleans_its_text() -> None:
    from rest_framework import mixins

    from kesu.core.api.serializers import CleanTextModelSerializer
    from kesu.urls import router

    writable = [
        viewset
        for _prefix, viewset, _basename in router.registry
        if issubclass(viewset, mixins.CreateModelMixin | mixins.UpdateModelMixin)
    ]
    assert writable, "the unit API accepts writes"
    for viewset in writable:
        serializer = getattr(viewset, "serializer_class", None)
        assert serializer is not None and issubclass(serializer, CleanTextModelSerializer), viewset.__name__

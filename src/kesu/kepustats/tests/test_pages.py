"""The 科普统计 over HTTP: who reaches which form, typing with reasons, submitting through Reporting's
checks, review, the aggregate and its export, the period conversion, the re-pre-fill job and the API."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from openpyxl import load_workbook

from kesu.activities.models import Activity, ActivityKind, ActivityStatus
from kesu.core.models import Job
from kesu.kepustats.models import Figure, StatisticsForm
from kesu.kepustats.testing import statistics_round
from kesu.reporting.models import Report


def lecture(
    unit: Any, people: int, day: date = date(2025, 5, 1), status: str = ActivityStatus.ADOPTED
) -> None:
    start = datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())
    Activity.objects.create(
        unit=unit,
        region=unit.region,
        name="讲座",
        kind=ActivityKind.LECTURE,
        starts_at=start,
        ends_at=start,
        attendance=people,
        status=status,
    )


def forms(world: Any) -> tuple[StatisticsForm, StatisticsForm]:
    cycle = statistics_round(world.edu_bureau)
    edu = StatisticsForm.objects.get(report__cycle=cycle, report__unit=world.edu_bureau)
    kexie = StatisticsForm.objects.get(report__cycle=cycle, report__unit=world.kexie)
    return edu, kexie


def all_filled(form: StatisticsForm, **overrides: str) -> dict[str, str]:
    data = {f"v_{item.code}": "0" for item in form.definition.indicators}
    data |= {f"v_{f.code}": str(f.value) for f in form.figures.all() if f.value is not None}
    return data | {f"v_{k}": v for k, v in overrides.items()} | {"version": str(form.version)}


def test_a_liaison_reaches_only_its_units_form_and_an_outsider_nothing(world: Any, client_for: Any) -> None:
    lecture(world.edu_bureau, 100)
    edu, kexie = forms(world)
    liaison = client_for(world.edu_liaison)
    page = liaison.get(f"/statistics/forms/{edu.pk}/").content.decode()
    assert "市教育体育局 · 2025年度科普统计表" in page and "形式为“讲座”的 1 场" in page
    typed_only = page.split('id="row-R100"')[1].split("</tr>")[0]  # 专职人员: not in Kesu's rows
    assert "系统预填" not in typed_only and "修改预填数的理由" not in typed_only
    assert liaison.get(f"/statistics/forms/{kexie.pk}/").status_code == 404
    assert liaison.post(f"/statistics/forms/{kexie.pk}/", {"v_R100": "1", "version": "1"}).status_code == 404
    assert client_for(world.xz_office).get(f"/statistics/forms/{edu.pk}/").status_code == 404
    assert client_for(world.pds_office).get(f"/statistics/forms/{edu.pk}/").status_code == 200
    assert client_for(world.pds_office).get(f"/statistics/rounds/{edu.report.cycle_id}/").status_code == 200
    assert liaison.get(f"/statistics/rounds/{edu.report.cycle_id}/").status_code == 404
    assert client_for(world.py_office).get(f"/statistics/rounds/{edu.report.cycle_id}/").status_code == 404


def test_changing_a_prefilled_figure_asks_for_a_reason_and_keeps_the_typed_draft(
    world: Any, client_for: Any
) -> None:
    lecture(world.edu_bureau, 100)
    edu, _kexie = forms(world)
    liaison = client_for(world.edu_liaison)
    page = liaison.post(
        f"/statistics/forms/{edu.pk}/", {"v_A101": "90", "v_R100": "4", "version": "1"}
    ).content.decode()
    assert "请填写修改理由" in page and 'value="90"' in page
    assert not Figure.objects.filter(form=edu, code="R100").exists()
    response = liaison.post(
        f"/statistics/forms/{edu.pk}/", {"v_A101": "90", "r_A101": "重复登记", "v_R100": "4", "version": "1"}
    )
    assert response.status_code == 302
    page = liaison.get(f"/statistics/forms/{edu.pk}/").content.decode()
    assert "已修改，系统计算为 100" in page and "重复登记" in page


def test_submitting_goes_through_reportings_submit_with_the_forms_checks(world: Any, client_for: Any) -> None:
    edu, _kexie = forms(world)
    liaison = client_for(world.edu_liaison)
    page = liaison.post(f"/reporting/reports/{edu.report_id}/submit/", follow=True).content.decode()
    assert "科普统计表还有问题" in page and "尚未填写" in page
    assert Report.objects.get(pk=edu.report_id).status == "draft"
    liaison.post(f"/statistics/forms/{edu.pk}/", all_filled(edu, R100="3", R120="5"))
    page = liaison.post(f"/reporting/reports/{edu.report_id}/submit/", follow=True).content.decode()
    assert "「其中：女性」5 不能大于「科普专职人员」3" in page
    edu.refresh_from_db()
    liaison.post(f"/statistics/forms/{edu.pk}/", all_filled(edu, R100="3", R120="2"))
    page = liaison.post(f"/reporting/reports/{edu.report_id}/submit/", follow=True).content.decode()
    assert "已提交" in page and Report.objects.get(pk=edu.report_id).status == "submitted"
    edu.refresh_from_db()
    assert liaison.post(f"/statistics/forms/{edu.pk}/", all_filled(edu, R100="9")).status_code == 200
    assert Figure.objects.get(form=edu, code="R100").value == 3  # locked once submitted
    office = client_for(world.pds_office)
    page = office.post(f"/reporting/reports/{edu.report_id}/review/", {"decision": "approve"}, follow=True)
    assert "已审核通过" in page.content.decode() and Report.objects.get(pk=edu.report_id).status == "approved"


def test_the_office_sees_the_aggregate_and_exports_it_in_the_national_layout(
    world: Any, client_for: Any
) -> None:
    lecture(world.edu_bureau, 100)
    lecture(world.kexie, 40)
    edu, kexie = forms(world)
    Report.objects.filter(pk__in=[edu.report_id, kexie.report_id]).update(status="submitted")
    Figure.objects.create(form=edu, code="R100", value=2)
    Figure.objects.create(form=kexie, code="R100", value=1)
    Figure.objects.create(form=kexie, code="R120", value=4)  # above its total: the aggregate check says so
    office = client_for(world.pds_office)
    page = office.get(f"/statistics/rounds/{edu.report.cycle_id}/").content.decode()
    assert 'data-code="A101">140<' in page and 'data-code="R100">3<' in page
    assert "「其中：女性」4 不能大于「科普专职人员」3" in page
    response = office.get(f"/statistics/rounds/{edu.report.cycle_id}/xlsx/")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "表1 科普人员",
        "表2 科普场地",
        "表3 科普经费",
        "表4 科普传媒",
        "表5 科普活动",
        "校验",
    ]
    rows = {row[1]: row[3] for row in book["表5 科普活动"].iter_rows(min_row=5, values_only=True)}
    assert rows["A101"] == 140
    assert "不能大于" in book["校验"]["B2"].value
    page = office.get("/statistics/aggregate/", {"year": 2025}).content.decode()
    assert 'data-code="A101">140<' in page
    assert client_for(world.edu_liaison).get("/statistics/aggregate/").status_code == 404


def test_the_period_conversion_page_reads_the_same_rows(world: Any, client_for: Any) -> None:
    lecture(world.edu_bureau, 100, date(2025, 3, 1))
    lecture(world.edu_bureau, 70, date(2025, 11, 20), status=ActivityStatus.PLANNED)
    office = client_for(world.pds_office)
    page = office.get("/statistics/conversion/", {"year": 2025}).content.decode()
    assert (
        '<td>讲座</td><td class="text-end">1</td><td class="text-end">100</td><td class="text-end">1</td><td class="text-end">70</td>'
        in page
    )
    assert office.get("/statistics/conversion/", {"year": 2025, "format": "xlsx"}).status_code == 200
    assert client_for(world.edu_liaison).get("/statistics/conversion/").status_code == 404


def test_the_office_opens_a_round_and_re_prefills_the_city_as_a_job(world: Any, client_for: Any) -> None:
    from kesu.reporting.testing import reporting_plan

    reporting_plan(world.edu_bureau)
    lecture(world.edu_bureau, 100)
    office = client_for(world.pds_office)
    response = office.post("/statistics/", {"year": "2025", "due_date": "2099-05-31"})
    form = StatisticsForm.objects.get(report__unit=world.edu_bureau)
    assert response.status_code == 302 and Figure.objects.get(form=form, code="A101").value == 100
    page = office.post("/statistics/", {"year": "2025"}, follow=True).content.decode()
    assert "已经开启" in page
    lecture(world.edu_bureau, 50)
    response = office.post(f"/statistics/rounds/{form.report.cycle_id}/prefill/")
    job = Job.objects.get(kind="kepustats_prefill")
    assert response.status_code == 302 and job.params == {"cycle_id": form.report.cycle_id}
    assert (
        client_for(world.edu_liaison).post(f"/statistics/rounds/{form.report.cycle_id}/prefill/").status_code
        == 404
    )
    from kesu.kepustats.job_kinds import prefill_round

    prefill_round(job, lambda percent, message: None)
    assert Figure.objects.get(form=form, code="A101").value == 150


def test_the_api_scopes_forms_like_the_pages(world: Any, client_for: Any) -> None:
    lecture(world.edu_bureau, 100)
    edu, kexie = forms(world)
    mine = client_for(world.edu_liaison).get("/api/statistics-forms/").json()
    assert [f["id"] for f in mine["results"]] == [edu.pk]
    figures = {f["code"]: f for f in mine["results"][0]["figures"]}
    assert figures["A101"]["value"] == 100 and figures["A101"]["source"] == "prefill"
    office = client_for(world.pds_office).get("/api/statistics-forms/", {"unit": kexie.report.unit_id}).json()
    assert [f["id"] for f in office["results"]] == [kexie.pk]
    assert client_for(world.py_office).get(f"/api/statistics-forms/{edu.pk}/").status_code == 404


def test_reportings_board_to_do_and_report_page_serve_a_statistics_round(world: Any, client_for: Any) -> None:
    edu, _kexie = forms(world)
    board = client_for(world.pds_office).get(f"/reporting/cycles/{edu.report.cycle_id}/")
    assert board.status_code == 200 and "市教育体育局" in board.content.decode()
    # A statistics round has no plan tasks to report on: no 工作总结 and no “任务无责任单位” prompt.
    assert (
        "工作总结（docx）" not in board.content.decode() and "项任务无责任单位" not in board.content.decode()
    )
    liaison = client_for(world.edu_liaison)
    assert liaison.get("/reporting/todo/").status_code == 200
    response = liaison.get(f"/reporting/reports/{edu.report_id}/")
    assert response.status_code == 302 and response["Location"] == f"/statistics/forms/{edu.pk}/"

"""Campaigns over HTTP: the office creates one, units' activities fill its page, its 总结 and 汇总表."""

from __future__ import annotations

import io
from datetime import date

import pytest

from kesu.activities import actions_campaigns
from kesu.activities.models import Campaign, CampaignKind
from kesu.activities.tests.camp_support import activity
from kesu.core.models import AuditEvent
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _week(world):
    return actions_campaigns.create_campaign(
        None,
        world.pingdingshan,
        name="2025年科技活动周",
        kind=CampaignKind.SCIENCE_WEEK,
        year=2025,
        starts_on=date(2025, 5, 17),
        ends_on=date(2025, 5, 24),
        theme="矢志创新",
        summary_due=date(2025, 6, 5),
    )


FORM = {
    "name": "2025年全国科普月",
    "kind": "science_day",
    "starts_on": "2025-09-01",
    "ends_on": "2025-09-30",
    "theme": "弘扬科学家精神",
    "notice": "各单位 9 月 30 日前登记活动。",
    "summary_due": "2025-10-15",
}


def _as_office(client):
    client.get("/", {"region": "410400000000"})  # the office looks at its own region
    return client


def test_the_office_creates_a_campaign_with_one_audit_event(world, client_for):
    client = _as_office(client_for(world.pds_office))
    response = client.post("/activities/campaigns/new/", FORM)
    campaign = Campaign.objects.get(name="2025年全国科普月")
    assert response.status_code == 302 and campaign.year == 2025 and campaign.region == world.pingdingshan
    assert AuditEvent.objects.filter(verb="campaign.create", target_id=str(campaign.pk)).count() == 1


def test_a_window_that_ends_before_it_starts_is_refused_in_chinese_and_nothing_is_written(world, client_for):
    client = _as_office(client_for(world.pds_office))
    response = client.post("/activities/campaigns/new/", FORM | {"ends_on": "2025-08-01"})
    assert "结束日期早于开始日期" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_liaison_may_not_create_a_campaign(world, client_for):
    response = client_for(world.edu_liaison).post("/activities/campaigns/new/", FORM)
    assert response.status_code in (403, 404)
    assert not Campaign.objects.exists()


def test_the_campaign_page_shows_coverage_and_attendance_to_the_office(world, client_for):
    week = _week(world)
    xinhua = Region.objects.get(code="410402000000")
    activity(world.edu_bureau, xinhua, campaign=week, name="青少年航天讲座", attendance=300, co=[world.kexie])
    page = client_for(world.pds_office).get(f"/activities/campaigns/{week.pk}/").content.decode()
    assert "青少年航天讲座" in page
    assert "1 / 2" in page  # one of the two counties covered
    assert "300" in page
    assert "生成活动总结" in page


def test_a_liaison_sees_its_own_activities_but_not_the_citys_figures(world, client_for):
    week = _week(world)
    activity(world.edu_bureau, campaign=week, name="教体局科普讲座")
    activity(world.pingyin_kexie, campaign=None, name="外地活动")
    other = activity(world.kexie, campaign=week, name="科协科普展览")
    page = client_for(world.edu_liaison).get(f"/activities/campaigns/{week.pk}/").content.decode()
    assert "教体局科普讲座" in page and other.name not in page
    assert "生成活动总结" not in page
    assert (
        client_for(world.edu_liaison).get(f"/activities/campaigns/{week.pk}/summary.docx").status_code == 403
    )


def test_an_office_elsewhere_cannot_see_the_campaign(world, client_for):
    week = _week(world)
    client = client_for(world.xz_office)
    assert client.get(f"/activities/campaigns/{week.pk}/").status_code == 404
    assert client.get(f"/activities/campaigns/{week.pk}/summary.xlsx").status_code == 404
    assert week.name not in client.get("/activities/campaigns/").content.decode()


def test_the_summary_docx_is_written_from_the_adopted_rows(world, client_for):
    from docx import Document

    week = _week(world)
    activity(world.edu_bureau, campaign=week, attendance=120, co=[world.kexie])
    activity(world.kexie, campaign=week, attendance=80, adopt=False)
    response = client_for(world.pds_office).get(f"/activities/campaigns/{week.pk}/summary.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "2025年科技活动周活动总结" in text
    assert "共登记活动 2 项，经审核采用 1 项，线下参与 120 人次" in text
    assert "2 家单位" in text
    assert AuditEvent.objects.filter(verb="campaign.summary").count() == 1


def test_the_summary_table_lists_figures_and_every_adopted_activity_as_text(world, client_for):
    from openpyxl import load_workbook

    week = _week(world)
    activity(world.edu_bureau, campaign=week, name="=HYPERLINK(1)", attendance=70)
    response = client_for(world.pds_office).get(f"/activities/campaigns/{week.pk}/summary.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总表", "活动明细"]
    summary_cells = [c for row in book["汇总表"].iter_rows(values_only=True) for c in row if c is not None]
    assert "讲座" in summary_cells and 70 in summary_cells
    detail = list(book["活动明细"].iter_rows(values_only=True))
    assert detail[1][0] == "=HYPERLINK(1)" and book["活动明细"]["A2"].data_type == "s"


def test_a_newly_adopted_activity_shows_on_the_campaign_page_at_once(world, client_for):
    from kesu.activities import actions

    week = _week(world)
    activity(world.edu_bureau, campaign=week, attendance=100)
    client = client_for(world.pds_office)
    assert "经审核采用 1 项" in client.get(f"/activities/campaigns/{week.pk}/").content.decode()
    pending = activity(world.kexie, campaign=week, attendance=50, adopt=False)
    actions.submit_activity(None, pending)
    actions.review_activity(None, pending, actions.ADOPT)
    page = client.get(f"/activities/campaigns/{week.pk}/").content.decode()
    assert "经审核采用 2 项" in page and "线下参与 150 人次" in page


def test_a_large_campaigns_table_is_written_by_a_background_job_with_progress(
    world, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    from kesu.activities import job_kinds
    from kesu.core.models import Job, JobStatus

    monkeypatch.setattr(job_kinds, "TABLE_ROWS_IN_REQUEST", 1)
    week = _week(world)
    activity(world.edu_bureau, campaign=week, attendance=70)
    activity(world.kexie, campaign=week, attendance=30)
    client = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"/activities/campaigns/{week.pk}/summary.xlsx")
    job = Job.objects.get(kind=job_kinds.CAMPAIGN_TABLE_JOB)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100
    download = client.get(f"/jobs/{job.pk}/download/")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert len(list(book["活动明细"].iter_rows(values_only=True))) == 3  # the header and two rows
    assert client_for(world.xz_office).get(f"/jobs/{job.pk}/download/").status_code == 404


def test_asking_twice_for_a_large_table_joins_the_job_already_running(world, client_for, monkeypatch):
    from kesu.activities import job_kinds
    from kesu.core.models import Job

    monkeypatch.setattr(job_kinds, "TABLE_ROWS_IN_REQUEST", 1)
    week = _week(world)
    activity(world.edu_bureau, campaign=week, attendance=70)
    activity(world.kexie, campaign=week, attendance=30)
    client = client_for(world.pds_office)
    first = client.get(f"/activities/campaigns/{week.pk}/summary.xlsx")  # the worker has not picked it up
    again = client.get(f"/activities/campaigns/{week.pk}/summary.xlsx")
    job = Job.objects.get(kind=job_kinds.CAMPAIGN_TABLE_JOB)
    assert first["Location"] == again["Location"] == f"/jobs/{job.pk}/"
    client_for(world.pds_leader).get(f"/activities/campaigns/{week.pk}/summary.xlsx")
    assert Job.objects.filter(kind=job_kinds.CAMPAIGN_TABLE_JOB).count() == 2  # another person's own job

"""A large activities file goes to a background job with progress, still all rows or none.

The threshold is lowered to 1,000 bytes so a few dozen rows make a "large" file; the job runs as the
worker runs it (``core.jobs.run_job``, through the immediate task backend once the request commits).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.activities.job_kinds import IMPORT_JOB
from kesu.activities.models import Activity
from kesu.activities.testing import personas
from kesu.core import uploads
from kesu.core.models import AuditEvent, Job, JobStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_uploads")]

HEADER = "活动名称,主办单位,活动形式,开始时间,结束时间,活动地点,重点人群,参与人次,协办单位\n"


def _rows(count: int, bad_at: int | None = None) -> bytes:
    lines = "".join(
        f"科普讲座{i:03d},市教育体育局,讲座,2025-09-20 09:00,2025-09-20 11:00,社区活动室,老年人,"
        f"{-3 if i == bad_at else 100},市科协\n"
        for i in range(count)
    )
    return (HEADER + lines).encode()


def _upload(client: Any, content: bytes) -> Any:
    return client.post("/activities/import/", {"file": SimpleUploadedFile("活动.csv", content)})


def test_a_large_file_from_the_office_is_stored_by_a_job_as_the_office(
    world: Any, client_for: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    who = personas(world)
    office = client_for(who.office)
    content = _rows(40)
    assert len(content) > uploads.BACKGROUND_BYTES
    with django_capture_on_commit_callbacks() as queued:
        response = _upload(office, content)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == IMPORT_JOB and job.created_by == who.office and job.region == who.city
    assert not Activity.objects.exists() and len(uploads.held_files()) == 1  # nothing read in the request
    with django_capture_on_commit_callbacks(execute=True):  # the commit hands the job to the worker
        for hand_over in queued:
            hand_over()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.message == "已导入 40 项活动"
    stored = Activity.objects.all()
    assert stored.count() == 40
    assert {(a.created_by_id, a.unit_id, a.region_id) for a in stored} == {
        (who.office.pk, who.host_unit.pk, who.city.pk)
    }
    assert [o.unit for o in stored.get(name="科普讲座007").organisers.all()] == [who.partner_unit]
    event = AuditEvent.objects.get(verb="activity.import")
    assert event.actor == who.office and event.region == who.city
    assert uploads.held_files() == []
    page = office.get(f"/jobs/{job.pk}/").content.decode()
    assert "已导入 40 项活动" in page and 'href="/activities/"' in page and "查看科普活动" in page


def test_a_large_file_with_one_bad_row_stores_nothing_and_the_job_names_the_row(
    world: Any, client_for: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = client_for(personas(world).office)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(office, _rows(40, bad_at=30))
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("失败：文件未导入，没有写入任何数据。")
    assert "第 32 行：参与人次：“-3”不能为负数" in job.message
    assert not Activity.objects.exists() and not AuditEvent.objects.filter(verb="activity.import").exists()
    assert uploads.held_files() == []
    assert "第 32 行：参与人次：“-3”不能为负数" in office.get(f"/jobs/{job.pk}/").content.decode()


def test_a_small_file_is_still_imported_in_the_request(world: Any, client_for: Any) -> None:
    content = _rows(3)
    assert len(content) <= uploads.BACKGROUND_BYTES
    response = _upload(client_for(personas(world).office), content)
    assert response.status_code == 302 and response["Location"] == "/activities/"
    assert not Job.objects.exists() and Activity.objects.count() == 3


def test_a_file_breaking_a_cheap_limit_is_refused_in_the_request_without_a_job(
    world: Any, client_for: Any, settings: Any
) -> None:
    wide = ",".join(f"列{n}" for n in range(60)) + "\n" + _rows(40).decode()
    body = _upload(client_for(personas(world).office), wide.encode()).content.decode()
    assert "超过 40 列" in body
    assert not Job.objects.exists() and uploads.held_files() == []


def test_only_the_office_of_the_region_starts_an_import_job(
    world: Any, client_for: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    who = personas(world)
    content = _rows(40)
    assert _upload(client_for(who.host), content).status_code in (403, 404)
    assert _upload(client_for(world.pds_leader), content).status_code == 403
    assert not Job.objects.exists() and uploads.held_files() == []
    # Another city's office imports into its own city only: 平顶山's units are unknown there.
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for(who.outsider), content)
    job = Job.objects.get()
    assert job.region == world.xinzheng and job.status == JobStatus.FAILED
    assert "单位“市教育体育局”不在新郑市的单位名单中" in job.message
    assert not Activity.objects.exists() and uploads.held_files() == []

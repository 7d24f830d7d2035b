from __future__ import annotations

import pytest

from kesu.core.jobs import start_job
from kesu.core.models import AuditEvent, Job, JobStatus
from kesu.testing import World

pytestmark = pytest.mark.django_db


def test_offices_browse_the_trail_of_their_own_subtree_only(world: World, client_for) -> None:
    pds_page = client_for(world.pds_office).get("/audit/").content.decode()
    assert "市教育体育局" in pds_page and "县科协" not in pds_page
    assert client_for(world.edu_liaison).get("/audit/").status_code == 404


def test_the_audit_export_runs_as_a_job_its_owner_can_watch_and_download(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/audit/export/")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已完成" in page and "下载结果" in page
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert client_for(world.xz_office).get(f"/jobs/{job.pk}/download/").status_code == 404


def test_a_failing_job_says_so_instead_of_spinning(world: World, django_capture_on_commit_callbacks) -> None:
    from kesu.core.jobs import job_kind

    @job_kind("always_fails")
    def always_fails(job, progress):
        progress(40, "处理中")
        raise RuntimeError("数据不完整")

    with django_capture_on_commit_callbacks(execute=True):
        start_job(world.pds_office, "always_fails", "测试任务")
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and "数据不完整" in job.message


def test_every_unit_write_leaves_an_event_with_its_region(world: World) -> None:
    events = AuditEvent.objects.filter(verb="unit.create")
    assert {e.target_repr for e in events} >= {"市教育体育局", "市科协", "县科协"}
    assert all(e.region is not None for e in events)

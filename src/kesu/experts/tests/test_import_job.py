"""A large expert file goes to a background job with progress, still all rows or none."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core import uploads
from kesu.core.models import AuditEvent, Job, JobStatus
from kesu.experts.models import Appointment, Expert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_uploads")]

HEADER = "姓名,性别,手机,职称,学科,称号,级别,批次,聘期开始\n"


def _rows(count: int, bad_at: int | None = None) -> bytes:
    lines = "".join(
        f"专家{i:03d},男,{'12345' if i == bad_at else f'139{i:08d}'},副高,医,首席科普专家,市级,第1批,2025-01-01\n"
        for i in range(count)
    )
    return (HEADER + lines).encode()


def _upload(client: Any, content: bytes) -> Any:
    return client.post("/experts/import/", {"file": SimpleUploadedFile("专家.csv", content)})


def test_a_large_expert_file_is_imported_by_a_job_that_reports_progress(
    world: Any, client_for: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(office, _rows(60))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.message == "已导入 60 位专家（新增 60，更新 0）"
    assert Expert.objects.count() == 60 and Appointment.objects.count() == 60
    assert AuditEvent.objects.filter(verb="expert.import").count() == 1
    assert uploads.held_files() == []


def test_a_large_file_with_one_bad_row_fails_its_job_in_chinese_and_stores_nobody(
    world: Any, client_for: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for(world.pds_office), _rows(60, bad_at=50))
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "文件未导入" in job.message and "第 52 行" in job.message
    assert not Expert.objects.exists()
    assert uploads.held_files() == []


def test_a_small_file_is_still_imported_in_the_request(world: Any, client_for: Any) -> None:
    response = _upload(client_for(world.pds_office), _rows(3))
    assert response.status_code == 302 and not Job.objects.exists()
    assert Expert.objects.count() == 3

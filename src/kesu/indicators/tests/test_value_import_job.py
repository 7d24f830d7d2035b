"""A large value file goes to a background job with progress; a hostile one is still refused in the request."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core import uploads
from kesu.core.exports import xlsx_bytes
from kesu.core.models import AuditEvent, Job, JobStatus
from kesu.indicators.models import IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "BACKGROUND_BYTES", 1000)


@pytest.fixture(autouse=True)
def own_media(settings: Any, tmp_path: Path) -> None:
    """Files in a media folder of this test's own, so other tests' files never count as left behind."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(
        "/indicators/values/import/",
        {"file": SimpleUploadedFile(name, content), "provenance": "2024年统计年鉴"},
    )


def _rows(count: int, bad_at: int | None = None) -> bytes:
    lines = "".join(
        f"volunteer_count,410400,2024,第{i}组,{'很多' if i == bad_at else i}\n" for i in range(count)
    )
    return ("指标,区划代码,期间,分组,数值\n" + lines).encode()


def test_a_large_value_file_is_imported_by_a_job_with_one_audit_event(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(office, "v.csv", _rows(3000))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.message == "已导入 3000 个指标值"
    assert IndicatorValue.objects.count() == 3000
    assert AuditEvent.objects.filter(verb="indicator_value.import").count() == 1
    assert "已完成" in office.get(f"/jobs/{job.pk}/").content.decode()
    assert uploads.held_files() == []


def test_a_large_value_file_with_a_bad_row_fails_its_job_in_chinese_and_stores_nothing(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for(world.pds_office), "v.csv", _rows(3000, bad_at=2500))
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "文件未导入" in job.message and "第 2502 行：数值“很多”不是数字" in job.message
    assert not IndicatorValue.objects.exists()
    assert uploads.held_files() == []


def test_a_large_hostile_xlsx_is_refused_in_the_request_and_no_job_starts(
    world: Any, client_for: Any
) -> None:
    data = xlsx_bytes("v", ["指标", "区划代码", "期间", "数值"], [["volunteer_count", "410400", "2024", 1]])
    source, hostile = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            text = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = text.replace(b'<dimension ref="A1:D2"', b'<dimension ref="A1:D1048576"')
            out.writestr(info, text)
        out.writestr("docProps/padding.xml", b" " * 2000)  # over the (test) background threshold
    response = _upload(client_for(world.pds_office), "v.xlsx", hostile.getvalue())
    assert response.status_code == 200 and "超过 50000 行" in response.content.decode()
    assert not Job.objects.exists() and uploads.held_files() == []

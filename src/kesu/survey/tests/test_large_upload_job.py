"""A large questionnaire file goes to a background job with progress; a hostile one is still refused at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core import uploads
from kesu.core.models import Job, JobStatus
from kesu.survey.models import Respondent, Wave
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


@pytest.fixture(autouse=True)
def own_media(settings: Any, tmp_path: Path) -> None:
    """Files in a media folder of this test's own, so other tests' files never count as left behind."""
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_large_questionnaire_file_is_imported_by_a_job_the_office_can_watch(
    world: Any,
    client_for: Any,
    pingyin_wave: Wave,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> None:
    monkeypatch.setattr(uploads, "BACKGROUND_BYTES", 1000)
    data = csv_bytes(RESPONSE_HEADERS, response_rows(towns_of(world.pingyin)))
    office = client_for(world.py_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            f"/survey/waves/{pingyin_wave.pk}/responses/import/", {"file": SimpleUploadedFile("r.csv", data)}
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.message == "已导入 72 份问卷"
    assert Respondent.objects.filter(wave=pingyin_wave).count() == 72
    assert "已完成" in office.get(f"/jobs/{job.pk}/").content.decode()
    assert uploads.held_files() == []


def test_a_large_file_with_a_bad_row_fails_its_job_in_chinese_and_stores_nothing(
    world: Any,
    client_for: Any,
    pingyin_wave: Wave,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> None:
    monkeypatch.setattr(uploads, "BACKGROUND_BYTES", 1000)
    rows = response_rows(towns_of(world.pingyin))
    rows[40][4] = "四十"
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.py_office).post(
            f"/survey/waves/{pingyin_wave.pk}/responses/import/",
            {"file": SimpleUploadedFile("r.csv", csv_bytes(RESPONSE_HEADERS, rows))},
        )
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "第 42 行：“年龄”列的“四十”不是数字" in job.message
    assert not Respondent.objects.filter(wave=pingyin_wave).exists()
    assert uploads.held_files() == []


def test_a_large_file_over_a_limit_is_refused_in_the_request_without_a_job(
    world: Any, client_for: Any, pingyin_wave: Wave, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "BACKGROUND_BYTES", 1000)
    data = b"a,b\n" + b"1,\x002\n" * 500
    response = client_for(world.py_office).post(
        f"/survey/waves/{pingyin_wave.pk}/responses/import/", {"file": SimpleUploadedFile("r.csv", data)}
    )
    assert response.status_code == 400 and "空字符" in response.content.decode()
    assert not Job.objects.exists() and uploads.held_files() == []


@pytest.mark.parametrize(
    ("path", "headers", "rows", "message"),
    [
        ("frame", FRAME_HEADERS, "frame", "已导入 6 行"),
        ("margins", ["variable", "category", "population"], "margins", "已导入 4 行"),
    ],
)
def test_a_large_frame_or_margins_file_is_imported_by_a_job_too(
    world: Any,
    client_for: Any,
    pingyin_wave: Wave,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    path: str,
    headers: list[str],
    rows: str,
    message: str,
) -> None:
    monkeypatch.setattr(uploads, "BACKGROUND_BYTES", 50)
    body = frame_rows(towns_of(world.pingyin)) if rows == "frame" else margin_rows(sex=(5000, 5000))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.py_office).post(
            f"/survey/waves/{pingyin_wave.pk}/{path}/",
            {"file": SimpleUploadedFile("f.csv", csv_bytes(headers, body))},
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.message == message
    assert pingyin_wave.margins.get(variable="sex", category="男").population == (
        5000 if rows == "margins" else 5200
    )
    assert uploads.held_files() == []

"""An office uploads a scanned plan (image-only PDF or photographed pages): a job reads it page by
page, the plan opens with the doubtful text marked; bad pages are refused and nothing is kept."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kesu.core.models import Job, JobStatus
from kesu.docparse.tests import scans
from kesu.plans import actions
from kesu.plans.models import Plan
from kesu.testing import World

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sample_plans"


def plan_opening(chars: int = 650) -> str:
    return scans.leading_paragraphs((SAMPLES / "xinzheng_2021_2025.txt").read_text(encoding="utf-8"), chars)


def photographed(text: str) -> list[bytes]:
    return [scans.jpeg(page) for page in scans.scanned_pages(text, "scan", dpi=150, seed=2)]


def post(client, files: list[tuple[str, bytes]], **extra):
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    return client.post("/plans/upload/", {"file": uploads, **extra})


def pending_scans() -> list[Path]:
    folder = actions._scan_dir()
    return list(folder.rglob("*")) if folder.exists() else []


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_photographed_pages_in_the_order_arranged_become_a_draft_plan_with_warnings(
    world: World, client_for, media: Path, django_capture_on_commit_callbacks
) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    first, second = (
        "一、总体要求\n（一）指导思想。坚持党的全面领导。",
        "二、重点任务\n（一）青少年科学素质提升行动。每年举办科技节活动10场以上。",
    )
    page_one, page_two = photographed(first)[0], photographed(second)[0]
    client = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, [("IMG_2.jpg", page_two), ("IMG_1.jpg", page_one)], page_order="1,0")
    job = Job.objects.get(kind=actions.SCAN_JOB)
    assert response["Location"] == f"/plans/scans/{job.pk}/"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    plan = Plan.objects.get(pk=job.params["plan_id"])
    document = plan.current_document
    assert document is not None and document.filename.endswith(".zip")
    assert document.text.index("总体要求") < document.text.index("重点任务")  # the arranged order
    assert any("OCR" in w for w in plan.warnings)
    page = client.get(f"/plans/scans/{job.pk}/").content.decode()
    assert f"/plans/{plan.pk}/" in page
    assert not pending_scans()  # the held pages went once read


def test_the_plan_page_marks_the_text_the_recogniser_was_unsure_of(world: World, client_for) -> None:
    data = (SAMPLES / "pingdingshan_2021_2025.txt").read_bytes()
    plan = actions.import_plan(world.pds_office, world.pingdingshan, data, "pingdingshan.txt")
    document = plan.current_document
    assert document is not None
    document.uncertain_spans = [[0, 3], [10, 12]]
    document.save()
    page = client_for(world.pds_office).get(f"/plans/{plan.pk}/").content.decode()
    assert page.count('<mark class="uncertain" title="OCR') == 2
    assert "识别存疑 2 处" in page


def _png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_bad_pages_are_refused_in_chinese_and_nothing_is_kept(world: World, client_for, media: Path) -> None:
    client = client_for(world.pds_office)
    good = io.BytesIO()
    Image.new("L", (300, 400), 255).save(good, format="PNG")
    for files, message in [
        ([("p1.png", good.getvalue()), ("p2.jpg", b"\xff\xd8\xff\xe0 broken jpeg")], "第 2 页（p2.jpg）"),
        ([("huge.png", _png_declaring(20000, 20000))], "超过"),
        ([("p1.png", good.getvalue()), ("方案.docx", b"PK\x03\x04 x")], "不是 JPG/PNG 图片"),
        ([("a.jpg", b"not a jpeg at all")], "不是有效的 JPG/PNG"),
    ]:
        response = post(client, files)
        assert response.status_code == 200, files[0][0]
        assert message in response.content.decode(), files[0][0]
    assert not Plan.objects.exists() and not Job.objects.exists() and not pending_scans()


def test_a_scan_that_turns_out_unreadable_fails_its_job_with_the_reason_and_keeps_nothing(
    world: World, client_for, media: Path, django_capture_on_commit_callbacks
) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    blank = io.BytesIO()
    Image.new("L", (1240, 1754), 250).save(blank, format="PNG")
    client = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, [("blank.png", blank.getvalue())])
    job = Job.objects.get(kind=actions.SCAN_JOB)
    assert job.status == JobStatus.FAILED and "没有识别出文字" in job.message
    assert not Plan.objects.exists() and not pending_scans()
    page = client.get(f"/plans/scans/{job.pk}/").content.decode()
    assert "没有保存任何内容" in page


def test_someone_elses_scan_job_is_not_found(world: World, client_for, media: Path) -> None:
    job = Job.objects.create(kind=actions.SCAN_JOB, title="识别扫描件", created_by=world.pds_office)
    assert client_for(world.pds_office).get(f"/plans/scans/{job.pk}/").status_code == 200
    other = Job.objects.create(kind=actions.SCAN_JOB, title="识别扫描件", created_by=world.xz_office)
    assert client_for(world.pds_office).get(f"/plans/scans/{other.pk}/").status_code == 404


def test_a_sixty_megabyte_scan_is_refused_naming_the_limit_and_nothing_is_kept(
    world: World, client_for, media: Path
) -> None:
    scan = b"%PDF-1.4\n" + b"0" * (60 * 1024 * 1024)  # a scan at an absurd resolution
    response = post(client_for(world.pds_office), [("扫描件.pdf", scan)])
    assert response.status_code == 200
    assert "50 MB" in response.content.decode()
    assert not Plan.objects.exists() and not Job.objects.exists() and not pending_scans()

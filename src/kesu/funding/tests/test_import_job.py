"""A large funding-line file goes to a background job with progress: still all rows or none, problems by
row and column in Chinese, and the same rules on who may import what (a liaison its own unit, an office
its subtree)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.core import uploads
from kesu.core.models import AuditEvent, Job, JobStatus
from kesu.funding import importing
from kesu.funding.models import FundingLine
from kesu.regions import actions as region_actions
from kesu.regions.models import Region
from kesu.testing import PASSWORD

pytestmark = pytest.mark.django_db

HEADER = "单位,年度,项目名称,资金性质,预算数（元）,到位数（元）,执行数（元）\n"
LARGE = 30  # rows: above the threshold this module sets


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setattr(importing, "IN_REQUEST_ROWS", 10)
    settings.MEDIA_ROOT = tmp_path / "media"  # this test's own media: no other test's held file counts


def _rows(unit: str, count: int = LARGE, bad_at: int | None = None, other: str = "") -> bytes:
    lines = "".join(
        f"{other if other and i == bad_at else unit},2025,科普项目{i:03d},财政拨款,"
        f"{'五万' if i == bad_at and not other else 50000},50000,40000\n"
        for i in range(count)
    )
    return (HEADER + lines).encode()


def _upload(client: Any, content: bytes, name: str = "经费.csv") -> Any:
    return client.post("/funding/import/", {"file": SimpleUploadedFile(name, content)})


def test_a_large_file_is_imported_by_a_job_whose_page_shows_the_lines_stored(
    world: Any, client_for: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(office, _rows("市教育体育局"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100
    page = office.get(response["Location"]).content.decode()
    assert "已导入 30 个经费项目（新增 30，更新 0）" in page
    assert (
        '<a class="btn btn-sm btn-outline-primary mt-3" href="/funding/" id="job-results">查看经费项目</a>'
        in page
    )
    assert FundingLine.objects.filter(unit=world.edu_bureau).count() == LARGE
    assert set(FundingLine.objects.values_list("region_path", flat=True)) == {world.pingdingshan.path}
    assert AuditEvent.objects.filter(verb="funding_line.import").count() == 1
    assert uploads.held_files() == []
    # the same file again updates the same lines, in a job too
    with django_capture_on_commit_callbacks(execute=True):
        _upload(office, _rows("市教育体育局"))
    assert Job.objects.first().message == "已导入 30 个经费项目（新增 0，更新 30）"  # type: ignore[union-attr]
    assert FundingLine.objects.count() == LARGE


def test_one_bad_row_in_a_large_file_fails_its_job_in_chinese_and_stores_nothing(
    world: Any, client_for: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(office, _rows("市教育体育局", bad_at=25))
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "文件未导入，没有写入任何数据" in job.message
    assert "第 27 行：预算数（元）：“五万”不是金额" in job.message
    assert "预算数（元）：不能为空" not in job.message  # the cell is not empty: it is not a number
    page = office.get(job.get_absolute_url()).content.decode()
    # the job page: the status once, then one line per problem (not run together into one sentence)
    assert (
        "失败：" not in page
        and "请修改以下问题后重新上传：<br>第 27 行：预算数（元）：“五万”不是金额" in page
    )
    assert not FundingLine.objects.exists() and not AuditEvent.objects.filter(verb="funding_line.import")
    assert uploads.held_files() == []


def test_a_bad_file_is_refused_in_the_request_with_its_reason_and_no_job(world: Any, client_for: Any) -> None:
    office = client_for(world.pds_office)
    page = _upload(office, b"PK\x03\x04 not really a workbook", "经费.xlsx").content.decode()
    assert "没有导入任何数据" in page and not Job.objects.exists()
    wrong = ("单位,年份,项目\n" + "市科协,2025,科普日\n" * LARGE).encode()
    page = _upload(office, wrong).content.decode()
    assert "文件缺少以下列：资金性质。现有列：单位、年份、项目。" in page
    assert not Job.objects.exists() and not FundingLine.objects.exists()


def test_a_small_file_is_still_imported_in_the_request(world: Any, client_for: Any) -> None:
    response = _upload(client_for(world.pds_office), _rows("市科协", count=3))
    assert response.status_code == 302 and not Job.objects.exists()
    assert FundingLine.objects.filter(unit=world.kexie).count() == 3


def test_a_liaison_imports_its_own_units_lines_and_no_other_units(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    liaison = client_for(world.edu_liaison)
    assert "只能导入本单位的经费项目" in liaison.get("/funding/import/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _upload(liaison, _rows("市教育体育局", bad_at=12, other="市科协"))
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "第 14 行：单位：“市科协”不是您可以填报的单位" in job.message
    assert not FundingLine.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _upload(liaison, _rows("市教育体育局"))
    assert Job.objects.first().status == JobStatus.SUCCEEDED  # type: ignore[union-attr]
    assert set(FundingLine.objects.values_list("unit", flat=True)) == {world.edu_bureau.pk}


def test_a_county_office_imports_its_subtree_only_and_a_leader_nothing(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    baofeng = Region.objects.get(code="410421000000")  # a county under 平顶山市
    region_actions.create_unit(None, baofeng, "宝丰县科协")
    county = account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for(county), _rows("宝丰县科协", bad_at=20, other="市教育体育局"))
    job = Job.objects.get()
    assert (
        job.status == JobStatus.FAILED and "第 22 行：单位：“市教育体育局”不是您可以填报的单位" in job.message
    )
    assert not FundingLine.objects.exists()
    leader = client_for(world.pds_leader)
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(leader, _rows("市科协")).status_code == 403
    assert Job.objects.count() == 1 and not FundingLine.objects.exists()


def test_another_persons_import_job_is_not_theirs_to_read(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for(world.pds_office), _rows("市教育体育局"))
    job = Job.objects.get()
    assert client_for(world.edu_liaison).get(f"/jobs/{job.pk}/").status_code == 404


def test_the_check_reports_how_far_it_has_read(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 10)
    heard: list[tuple[int, str]] = []
    checked = importing.check(
        _rows("市科协"), "经费.csv", world.pingdingshan, world.pds_office, lambda p, m: heard.append((p, m))
    )
    assert len(checked.rows) == LARGE and not checked.errors
    assert heard == [(26, "已检查 10 / 30 行"), (43, "已检查 20 / 30 行")]

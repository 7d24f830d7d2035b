"""The experts list, page, forms and import on the registry shape; scope and masked phones over HTTP."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.db.models import QuerySet
from openpyxl import load_workbook

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.core.models import AuditEvent
from kesu.core.testing_registry import ImportChecks, RegistryChecks
from kesu.experts.models import Appointment, Expert
from kesu.experts.testing import make_expert
from kesu.regions.models import Region
from kesu.testing import PASSWORD, api_token

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


class TestExpertRegistry(RegistryChecks, ImportChecks):
    list_url = "/experts/"
    create_url = "/experts/new/"
    edit_url = "/experts/{pk}/edit/"
    manager, outsider = "pds_office", "xz_office"
    export_headers = (
        "姓名",
        "性别",
        "区划",
        "手机",
        "工作单位",
        "职称",
        "学科",
        "领域",
        "推荐单位",
        "科普专长",
        "称号",
    )
    create_data = {
        "name": "李华",
        "sex": "female",
        "phone": "13800000001",
        "rank": "full",
        "discipline": "medicine",
    }
    edit_data = {"name": "王建国", "sex": "male", "rank": "full", "discipline": "engineering"}
    verbs = ("expert.create", "expert.update")
    import_url, import_verb = "/experts/import/", "expert.import"

    def sample(self, world: Any) -> Expert:
        return make_expert(world.pingdingshan, "王建", PHONE, unit=world.kexie)

    def created(self) -> QuerySet[Expert]:
        return Expert.objects.filter(name="李华")

    def good_file(self, world: Any) -> tuple[str, bytes]:
        rows = "姓名,性别,手机,职称,学科,推荐单位,称号,级别,批次,聘期开始\n赵敏,女,13900000002,正高,医,市教育体育局,首席科普专家,市级,第五批,2025-01-01\n"
        return "专家.csv", rows.encode("gbk")

    def bad_file(self, world: Any) -> tuple[str, bytes, str]:
        return (
            "专家.csv",
            "姓名,性别,手机,职称,学科\n赵敏,女,1390000,正高,医\n".encode(),
            "第 2 行：手机：手机号应为 11 位",
        )

    def imported(self) -> QuerySet[Expert]:
        return Expert.objects.all()


def test_phones_are_masked_on_the_list_the_export_the_api_and_in_the_audit(
    world: Any, client_for: Any
) -> None:
    expert = make_expert(world.pingdingshan, "王建", PHONE, unit=world.kexie)
    client = client_for(world.pds_office)
    page = client.get("/experts/").content.decode()
    assert "138****5678" in page and PHONE not in page
    sheet = load_workbook(io.BytesIO(client.get("/experts/", {"format": "xlsx"}).content)).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row]
    assert "138****5678" in cells and PHONE not in "".join(cells)
    assert AuditEvent.objects.filter(verb="export", target_repr="科普专家.xlsx").exists()
    api = client.get("/api/experts/").content.decode()
    assert "138****5678" in api and PHONE not in api
    assert client.get(expert.get_absolute_url()).content.decode().count(PHONE) == 0
    events = AuditEvent.objects.filter(target_id=str(expert.pk), target_type="experts.expert")
    assert events.exists() and all(PHONE not in json.dumps(e.after or {}) for e in events)
    assert PHONE not in Expert.objects.values_list("phone_cipher", flat=True).get()


def test_the_office_reveals_a_phone_by_post_and_the_reveal_is_audited(world: Any, client_for: Any) -> None:
    expert = make_expert(world.pingdingshan, "王建", PHONE)
    office = client_for(world.pds_office)
    assert office.get(f"/experts/{expert.pk}/reveal/").status_code == 405
    response = office.post(f"/experts/{expert.pk}/reveal/", follow=True)
    assert PHONE in response.content.decode()
    event = AuditEvent.objects.get(verb="personal.reveal")
    assert event.actor == world.pds_office and PHONE not in (event.note + json.dumps(event.after))
    # shown once: the next visit is masked again
    assert PHONE not in office.get(expert.get_absolute_url()).content.decode()
    assert client_for(world.pds_leader).post(f"/experts/{expert.pk}/reveal/").status_code == 403
    assert client_for(world.xz_office).post(f"/experts/{expert.pk}/reveal/").status_code == 404
    assert AuditEvent.objects.filter(verb="personal.reveal").count() == 1


def test_a_liaison_sees_only_the_experts_its_unit_recommended(world: Any, client_for: Any) -> None:
    own = make_expert(world.pingdingshan, "王建", PHONE, unit=world.edu_bureau)
    other = make_expert(world.pingdingshan, "刘强", "13800000009", unit=world.kexie)
    client = client_for(world.edu_liaison)
    page = client.get("/experts/").content.decode()
    assert "王建" in page and "刘强" not in page
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(f"/experts/{own.pk}/edit/").status_code == 403
    names = [row["name"] for row in client.get("/api/experts/").json()["results"]]
    assert names == ["王建"]


def test_a_county_office_sees_its_subtree_only(world: Any, client_for: Any) -> None:
    baofeng = Region.objects.get(code="410421000000")
    county = account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)
    make_expert(baofeng, "宝丰专家", "13800000011")
    make_expert(world.pingdingshan, "市里专家", "13800000012")
    page = client_for(county).get("/experts/").content.decode()
    assert "宝丰专家" in page and "市里专家" not in page
    city = client_for(world.pds_office).get("/experts/").content.decode()
    assert "宝丰专家" in city and "市里专家" in city


def test_the_api_filters_by_region_subtree_level_status_and_year(world: Any, client_for: Any) -> None:
    baofeng = Region.objects.get(code="410421000000")
    chief = make_expert(baofeng, "宝丰首席", "13800000021")
    Appointment.objects.create(
        expert=chief, title="chief", level="city", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    pool = make_expert(world.pingdingshan, "库内专家", "13800000022")
    Appointment.objects.create(
        expert=pool, title="pool", level="county", start=date(2020, 1, 1), end=date(2022, 12, 31)
    )
    client = client_for(None)
    headers = {"HTTP_AUTHORIZATION": f"Token {api_token(world.pds_office)}"}

    def names(**query: str) -> list[str]:
        return sorted(r["name"] for r in client.get("/api/experts/", query, **headers).json()["results"])

    assert names(region="410421") == ["宝丰首席"]
    assert names(level="city") == ["宝丰首席"]
    assert names(status="expired") == ["库内专家"]
    assert names(year="2021") == ["库内专家"]
    assert names(year="2024") == ["宝丰首席"]
    assert client_for(world.xz_office).get("/api/experts/").json()["results"] == []


def test_the_same_name_and_phone_is_refused_as_a_second_expert(world: Any, client_for: Any) -> None:
    make_expert(world.pingdingshan, "王建", PHONE)
    response = client_for(world.pds_office).post(
        "/experts/new/",
        {"name": "王建", "sex": "male", "phone": PHONE, "rank": "full", "discipline": "medicine"},
    )
    assert response.status_code == 200 and "已登记同名同手机号的专家" in response.content.decode()
    assert Expert.objects.count() == 1


def test_the_api_answers_as_its_published_schema_says(world: Any) -> None:
    from rest_framework.test import APIClient
    from tests.test_api_schema import response_schema, violations

    expert = make_expert(world.pingdingshan, "王建", PHONE, unit=world.kexie)
    Appointment.objects.create(
        expert=expert, title="chief", level="city", start=date(2024, 1, 1), end=date(2028, 12, 31)
    )
    make_expert(world.pingdingshan, "刘强", "13800000009")  # no unit, no birth year, no appointment
    client = APIClient()
    client.force_authenticate(world.pds_office)
    document = client.get("/api/schema/", {"format": "json"}).json()
    listing = client.get("/api/experts/").json()
    assert violations(response_schema(document, "/api/experts/") or {}, listing) == []
    detail = client.get(f"/api/experts/{expert.pk}/").json()
    assert violations(response_schema(document, "/api/experts/{id}/") or {}, detail) == []
    assert detail["phone"] == "138****5678" and detail["appointments"][0]["status_label"] == "在聘"

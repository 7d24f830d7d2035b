"""ID numbers and phones over HTTP, for each persona: masked everywhere, revealed only to the region's office, audited."""

from __future__ import annotations

import io
import shutil
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from kesu.core.models import AuditEvent
from kesu.testing import api_token
from kesu.volunteers import actions
from kesu.volunteers.models import Volunteer
from kesu.volunteers.testing import id_number

NUMBER = id_number(5)
PHONE = "13812345678"


@pytest.fixture
def volunteer(world: Any) -> Volunteer:
    volunteer = actions.create_volunteer(
        world.pds_office, world.pingdingshan, id_number=NUMBER, name="王小明", phone=PHONE
    )
    activity = actions.create_activity(
        None, world.pingdingshan, name="科普进校园", start_date=date(2025, 3, 1), end_date=date(2025, 3, 1)
    )
    actions.record_service(None, activity, volunteer, date(2025, 3, 1), declared_hours=Decimal(3))
    return volunteer


def _pages(client: Any, volunteer: Volunteer) -> list[bytes]:
    bodies = [
        client.get("/volunteers/people/").content,
        client.get(f"/volunteers/people/{volunteer.pk}/").content,
        client.get("/volunteers/").content,
    ]
    export = client.get("/volunteers/people/", {"format": "xlsx"})
    if export.status_code == 200 and export["Content-Type"].startswith("application/vnd"):
        sheet = load_workbook(io.BytesIO(export.content), read_only=True).worksheets[0]
        bodies.append(repr(list(sheet.iter_rows(values_only=True))).encode())
    return bodies


@pytest.mark.parametrize("persona", ["pds_office", "pds_leader", "xz_office", "kexie_liaison", "admin"])
def test_no_persona_reads_a_full_id_number_or_phone_on_pages_exports_or_the_api(
    world: Any, client_for: Any, volunteer: Volunteer, persona: str
) -> None:
    user = getattr(world, persona)
    for body in _pages(client_for(user), volunteer):
        assert NUMBER.encode() not in body and PHONE.encode() not in body
    api = client_for(None).get("/api/volunteers/", HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    assert NUMBER.encode() not in api.content and PHONE.encode() not in api.content
    for event in AuditEvent.objects.all():
        assert NUMBER not in f"{event.before}{event.after}{event.note}{event.target_repr}"


def test_the_list_shows_the_last_four_digits_and_a_masked_phone(
    world: Any, client_for: Any, volunteer: Volunteer
) -> None:
    page = client_for(world.pds_office).get("/volunteers/people/").content.decode()
    assert "*" * 14 + NUMBER[-4:] in page and "138****5678" in page
    rows = (
        client_for(None)
        .get(
            "/api/volunteers/",
            {"region": "410400"},
            HTTP_AUTHORIZATION=f"Token {api_token(world.pds_office)}",
        )
        .json()
    )
    assert rows["results"][0]["id_number"] == "*" * 14 + NUMBER[-4:]


def test_the_office_of_the_region_reveals_the_number_once_and_the_reveal_is_audited(
    world: Any, client_for: Any, volunteer: Volunteer
) -> None:
    response = client_for(world.pds_office).post(f"/volunteers/people/{volunteer.pk}/reveal/")
    assert response.status_code == 200 and NUMBER in response.content.decode()
    event = AuditEvent.objects.get(verb="personal.reveal")
    assert event.actor == world.pds_office and NUMBER not in f"{event.before}{event.after}{event.note}"
    assert (
        NUMBER not in client_for(world.pds_office).get(f"/volunteers/people/{volunteer.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    ("persona", "status"), [("pds_leader", 403), ("xz_office", 404), ("kexie_liaison", 404)]
)
def test_no_one_else_may_reveal(
    world: Any, client_for: Any, volunteer: Volunteer, persona: str, status: int
) -> None:
    response = client_for(getattr(world, persona)).post(f"/volunteers/people/{volunteer.pk}/reveal/")
    assert response.status_code == status and NUMBER not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="personal.reveal").exists()


def test_the_office_above_does_not_get_the_reveal_right(world: Any, client_for: Any) -> None:
    county = world.pingdingshan.children.get(code="410402000000")
    volunteer = actions.create_volunteer(None, county, id_number=id_number(8), name="赵六")
    assert client_for(world.pds_office).post(f"/volunteers/people/{volunteer.pk}/reveal/").status_code == 403


def test_the_public_check_page_shows_only_the_masked_name_hours_and_issuer(
    world: Any, client_for: Any, volunteer: Volunteer
) -> None:
    certificate = actions.issue_certificate(world.pds_office, volunteer, issuer="平顶山市科协")
    page = client_for(None).get("/volunteers/check/", {"code": certificate.code.lower()})
    body = page.content.decode()
    assert page.status_code == 200 and "王**" in body and "3 小时" in body and "平顶山市科协" in body
    assert "王小明" not in body and NUMBER[-4:] not in body and "138" not in body
    assert "没有找到" in client_for(None).get("/volunteers/check/", {"code": "NOPE"}).content.decode()


def test_the_certificate_downloads_as_a_word_file_with_a_masked_number(
    world: Any, client_for: Any, volunteer: Volunteer
) -> None:
    from docx import Document

    certificate = actions.issue_certificate(world.pds_office, volunteer, issuer="平顶山市科协")
    response = client_for(world.pds_office).get(f"/volunteers/certificates/{certificate.pk}/download/")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert certificate.code in text and "3 小时" in text and NUMBER not in text and NUMBER[-4:] in text
    page = document.sections[0]
    assert page.page_width is not None and page.page_height is not None
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)  # A4, as it is printed
    assert (
        client_for(world.xz_office).get(f"/volunteers/certificates/{certificate.pk}/download/").status_code
        == 404
    )


@pytest.mark.skipif(
    not shutil.which("soffice") and not shutil.which("libreoffice"), reason="未安装 LibreOffice"
)
def test_the_certificate_downloads_as_a_pdf_to_print_named_for_the_volunteer(
    world: Any, client_for: Any, volunteer: Volunteer
) -> None:
    certificate = actions.issue_certificate(world.pds_office, volunteer, issuer="平顶山市科协")
    url = f"/volunteers/certificates/{certificate.pk}/download/"
    response = client_for(world.pds_office).get(url, {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    assert quote(f"志愿服务记录证明-王小明-{certificate.code}.pdf") in response["Content-Disposition"]
    page = client_for(world.pds_office).get(f"/volunteers/people/{volunteer.pk}/").content.decode()
    assert f"{url}?format=pdf" in page


def test_without_libreoffice_the_pdf_link_gives_the_word_file_and_says_why(
    world: Any, client_for: Any, volunteer: Volunteer, monkeypatch: Any
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    certificate = actions.issue_certificate(world.pds_office, volunteer, issuer="平顶山市科协")
    client = client_for(world.pds_office)
    response = client.get(f"/volunteers/certificates/{certificate.pk}/download/", {"format": "pdf"})
    assert response["Content-Disposition"].endswith(".docx")
    assert "服务器未安装 LibreOffice" in client.get(f"/volunteers/people/{volunteer.pk}/").content.decode()

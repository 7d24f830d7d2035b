"""Who sees and changes which bases, over HTTP: pages, export, API and the public page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.core.models import AuditEvent
from kesu.regions.models import Region
from kesu.testing import PASSWORD
from kesu.venues import actions
from kesu.venues.models import Designation, DesignationLevel, Institution
from kesu.venues.testing import add, make_base

pytestmark = pytest.mark.django_db


@pytest.fixture
def bases(world: Any) -> dict[str, Institution]:
    baofeng = Region.objects.get(code="410421000000")
    this_year = datetime.date.today().year
    window = (this_year - 1, this_year + 3)
    return {
        "city": make_base(world.pingdingshan, "市科技馆", number=1, unit=world.kexie, years=window),
        "county": make_base(
            baofeng,
            "宝丰县农业科普园",
            number=2,
            unit=world.edu_bureau,
            years=window,
            contact_phone="13812345678",
        ),
        "hidden": make_base(baofeng, "宝丰县未公开基地", number=3, years=window, published=False),
        "expired": make_base(baofeng, "宝丰县过期基地", number=4, years=(this_year - 6, this_year - 2)),
        "xinzheng": make_base(world.xinzheng, "新郑市黄帝故里科普馆", number=5, years=window),
    }


@pytest.fixture
def county_office(world: Any) -> Any:
    baofeng = Region.objects.get(code="410421000000")
    return account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)


def test_a_county_office_sees_and_changes_only_its_subtree(
    bases: dict[str, Institution], county_office: Any, client_for: Any
) -> None:
    client = client_for(county_office)
    page = client.get("/bases/").content.decode()
    assert "宝丰县农业科普园" in page and "市科技馆" not in page and "新郑市" not in page
    assert client.get(f"/bases/{bases['city'].pk}/").status_code == 404
    assert client.post(f"/bases/{bases['city'].pk}/edit/", {"name": "改名"}).status_code == 404
    assert client.get(f"/bases/{bases['county'].pk}/edit/").status_code == 200
    designation = bases["city"].designations.get()
    assert client.post(f"/bases/designations/{designation.pk}/revoke/", {"reason": "越权"}).status_code == 404
    assert Designation.objects.get(pk=designation.pk).status == "valid"


def test_a_liaison_sees_only_the_institutions_its_unit_recommends(
    bases: dict[str, Institution], world: Any, client_for: Any
) -> None:
    client = client_for(world.edu_liaison)
    page = client.get("/bases/").content.decode()
    assert "宝丰县农业科普园" in page and "市科技馆" not in page
    assert client.get(f"/bases/{bases['county'].pk}/").status_code == 200
    assert client.get(f"/bases/{bases['city'].pk}/").status_code == 404
    assert client.get(f"/bases/{bases['county'].pk}/edit/").status_code == 403  # reads, never changes
    api = client.get("/api/bases/").json()
    assert [row["name"] for row in api["results"]] == ["宝丰县农业科普园"]


def test_a_leader_reads_but_cannot_change(bases: dict[str, Institution], world: Any, client_for: Any) -> None:
    client = client_for(world.pds_leader)
    assert client.get(f"/bases/{bases['county'].pk}/").status_code == 200
    assert client.post(f"/bases/{bases['county'].pk}/edit/", {"name": "改名"}).status_code == 403
    assert client.get("/bases/new/").status_code == 403


def test_phones_are_masked_on_the_list_export_and_api_and_a_reveal_is_audited(
    bases: dict[str, Institution], world: Any, client_for: Any
) -> None:
    client = client_for(world.pds_office)
    assert "13812345678" not in client.get("/bases/").content.decode()
    assert "138****5678" in client.get("/bases/").content.decode()
    api = client.get("/api/bases/", {"q": "农业"}).json()["results"][0]
    assert api["contact_phone"] == "138****5678"
    assert "13812345678" not in str(
        AuditEvent.objects.for_target(bases["county"]).values_list("after", flat=True)
    )
    shown = client.post(f"/bases/{bases['county'].pk}/phone/")
    assert "13812345678" in shown.content.decode()
    assert AuditEvent.objects.filter(verb="institution.reveal").count() == 1
    assert client_for(world.edu_liaison).post(f"/bases/{bases['county'].pk}/phone/").status_code == 403


def test_the_public_page_lists_only_valid_published_bases_without_sign_in(
    bases: dict[str, Institution],
) -> None:
    page = Client().get("/bases/public/410400000000/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "市科技馆" in text and "宝丰县农业科普园" in text
    assert "宝丰县未公开基地" not in text and "宝丰县过期基地" not in text and "新郑市" not in text
    assert "13812345678" not in text and "138****" not in text


def test_a_revoked_base_leaves_the_public_page(bases: dict[str, Institution]) -> None:
    actions.revoke_designation(None, bases["city"].designations.get(), reason="年度考核不合格")
    assert "市科技馆" not in Client().get("/bases/public/410400000000/").content.decode()


def test_a_region_without_public_bases_has_no_public_page(bases: dict[str, Institution]) -> None:
    assert Client().get("/bases/public/370124000000/").status_code == 404


def test_the_api_filters_by_subtree_level_system_status_and_year(
    bases: dict[str, Institution], world: Any, client_for: Any
) -> None:
    client = client_for(world.pds_office)
    names = lambda **q: sorted(r["name"] for r in client.get("/api/bases/", q).json()["results"])  # noqa: E731
    assert names(region="410421000000") == ["宝丰县农业科普园", "宝丰县未公开基地", "宝丰县过期基地"]
    assert names(status="expired") == ["宝丰县过期基地"]
    assert names(region="410421000000", status="valid") == ["宝丰县农业科普园", "宝丰县未公开基地"]
    add(bases["city"], level=DesignationLevel.PROVINCE, system="keji", years=(2021, 2025))
    assert names(level=DesignationLevel.PROVINCE, system="keji") == ["市科技馆"]
    assert names(level=DesignationLevel.PROVINCE, system="kexie") == []
    assert names(year=2021) == ["宝丰县过期基地", "市科技馆"]
    assert "designations" in client.get("/api/bases/").json()["results"][0]
    assert names() == sorted(["市科技馆", "宝丰县农业科普园", "宝丰县未公开基地", "宝丰县过期基地"])


def test_the_expiry_page_lists_lapsed_designations_and_not_current_ones(world: Any, client_for: Any) -> None:
    this_year = datetime.date.today().year
    make_base(world.pingdingshan, "五年后到期的基地", number=31, years=(this_year, this_year + 4))
    make_base(world.pingdingshan, "去年到期的基地", number=32, years=(this_year - 5, this_year - 1))
    page = client_for(world.pds_office).get("/bases/expiry/").content.decode()
    assert "去年到期的基地" in page and "五年后到期的基地" not in page
    assert client_for(world.edu_liaison).get("/bases/expiry/").status_code == 404


def test_designations_ending_within_six_and_three_months(world: Any) -> None:
    base = make_base(world.pingdingshan, "到期测试", number=33, years=(2021, 2025))
    add(base, level=DesignationLevel.PROVINCE, system="kexie", years=(2022, 2026))
    ending = Designation.objects.filter(institution=base)
    in_months = lambda months, day: sorted(d.end_year for d in ending.expiring_within(months, day))  # noqa: E731
    assert in_months(6, datetime.date(2025, 8, 1)) == [2025]  # 31 Dec 2025 is five months away
    assert in_months(3, datetime.date(2025, 8, 1)) == []
    assert in_months(3, datetime.date(2025, 10, 15)) == [2025]
    assert in_months(6, datetime.date(2026, 1, 2)) == []  # 2025's has lapsed; 2026's ends in twelve months
    assert [d.end_year for d in ending.lapsed(datetime.date(2026, 1, 2))] == [2025]

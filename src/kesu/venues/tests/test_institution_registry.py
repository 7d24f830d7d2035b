"""The bases registry on the shared registry shape: list, export, detail, create, edit, import, scope."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.core.testing_registry import ImportChecks, RegistryChecks
from kesu.venues.models import Institution
from kesu.venues.testing import credit_code, make_base

pytestmark = pytest.mark.django_db


class TestInstitutionRegistry(RegistryChecks, ImportChecks):
    list_url, create_url, edit_url = "/bases/", "/bases/new/", "/bases/{pk}/edit/"
    manager, outsider = "pds_office", "xz_office"
    export_headers = (
        "名称",
        "所在区划",
        "有效认定",
        "类别",
        "推荐单位",
        "统一社会信用代码",
        "联系人",
        "联系电话",
        "开放时间",
        "对外公开",
    )
    create_data = {
        "name": "市天文馆",
        "credit_code": credit_code(11),
        "region": "410402000000",
        "published": "on",
    }
    edit_data = {"name": "平顶山市科技馆", "credit_code": credit_code(1), "region": "410400000000"}
    verbs = ("institution.create", "institution.update")
    import_url, import_verb = "/bases/import/", "institution.import"

    def sample(self, world: Any) -> Institution:
        return make_base(world.pingdingshan, "市科技馆", number=1, unit=world.kexie)

    def created(self) -> Any:
        return Institution.objects.filter(name="市天文馆")

    def good_file(self, world: Any) -> tuple[str, bytes]:
        text = (
            "单位名称,统一社会信用代码,所在区划,体系,级别,有效期起,有效期止\n"
            f"市地质博物馆,{credit_code(21)},宝丰县,科协,市级,2023,2027\n"
        )
        return "基地.csv", text.encode("gbk")

    def bad_file(self, world: Any) -> tuple[str, bytes, str]:
        bad = credit_code(22)[:-1] + ("0" if credit_code(22)[-1] != "0" else "1")
        text = f"单位名称,统一社会信用代码,所在区划\n市地质博物馆,{bad},宝丰县\n"
        return "基地.csv", text.encode(), "第 2 行：“统一社会信用代码”"

    def imported(self) -> Any:
        return Institution.objects.all()

"""The funding register on the shared registry checks (list, export, page, create, edit, scope, import)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kesu.core.testing_registry import ImportChecks, RegistryChecks
from kesu.funding.models import FundingLine
from kesu.funding.testing import make_line
from kesu.regions.models import Unit

AMOUNTS = {"nature": "special", "project_type": "recurring", "budget": "80000", "received": "80000"}


class TestFundingRegistry(RegistryChecks, ImportChecks):
    list_url, create_url, edit_url = "/funding/", "/funding/new/", "/funding/{pk}/edit/"
    manager, outsider = "pds_office", "xz_office"
    export_headers = (
        "年度",
        "单位",
        "项目名称",
        "资金性质",
        "科普专项",
        "预算数（元）",
        "到位数（元）",
        "执行数（元）",
        "执行率",
        "状态",
    )
    edit_data = {"name": "科普惠农与社区益民行动计划", "spent": "60000", **AMOUNTS}
    verbs = ("funding_line.create", "funding_line.update")
    import_url, import_verb = "/funding/import/", "funding_line.import"

    @property
    def create_data(self) -> dict[str, Any]:  # type: ignore[override]
        unit = Unit.objects.get(region__code="410400000000", name="市教育体育局")
        return {"unit": unit.pk, "year": "2025", "name": "科技活动周", "spent": "0", **AMOUNTS}

    def sample(self, world: Any) -> FundingLine:
        return make_line(world.edu_bureau, "科普惠农与社区益民行动")

    def created(self) -> QuerySet[FundingLine]:
        return FundingLine.objects.filter(name="科技活动周")

    def good_file(self, world: Any) -> tuple[str, bytes]:
        return (
            "经费.csv",
            "单位,年度,项目名称,资金性质,预算数（元）\n市教体局,2025,科技活动周,财政拨款,50000\n".encode(
                "gbk"
            ),
        )

    def bad_file(self, world: Any) -> tuple[str, bytes, str]:
        data = "单位,年度,项目名称,资金性质,预算数（元）\n市教育体育局,2025,科技活动周,众筹,50000\n".encode()
        return "经费.csv", data, "第 2 行：资金性质：“众筹”无效"

    def imported(self) -> QuerySet[FundingLine]:
        return FundingLine.objects.all()

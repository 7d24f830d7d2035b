"""The registry shape's generic views with their generic templates, on a model every world has (units)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import Http404
from django.test import RequestFactory
from openpyxl import load_workbook

from kesu.core.objectviews import Column, ObjectDetailView, ObjectListView
from kesu.regions.filters import UnitFilterSet
from kesu.regions.models import Unit

pytestmark = pytest.mark.django_db
COLUMNS = (
    Column("单位", "name", link=True),
    Column("区划", "region.name"),
    Column("类别", "get_kind_display"),
    Column("成员单位", "is_member"),
    Column("别名", "aliases"),
)


class Units(ObjectListView):
    model = Unit
    columns = COLUMNS
    filterset_class = UnitFilterSet
    title = "单位"


class UnitPage(ObjectDetailView):
    model = Unit
    fields = COLUMNS[1:]


def _get(view: Any, user: Any, path: str = "/x/", **kwargs: Any) -> Any:
    request: Any = RequestFactory().get(path)
    request.user, request.session = user, {}
    request._messages = FallbackStorage(request)
    return view.as_view()(request, **kwargs)


def test_columns_read_paths_methods_booleans_and_related_rows(world: Any) -> None:
    unit = world.edu_bureau
    assert [column.of(unit) for column in COLUMNS] == [
        "市教育体育局",
        "平顶山市",
        "政府部门",
        "是",
        "市教体局 → 市教育体育局",
    ]
    assert Column("无", "region.parent.parent.parent.name").of(unit) == ""
    assert Column("长度", lambda u: len(u.name)).of(unit) == 6


def test_the_generic_list_shows_filters_links_and_only_what_the_user_may_see(world: Any) -> None:
    page = _get(Units, world.pds_office, "/x/?kind=government").content.decode()
    assert f'<a href="{world.edu_bureau.get_absolute_url()}">市教育体育局</a>' in page
    assert "市科协" not in page  # filtered out: a mass organisation
    assert "县科协" not in _get(Units, world.pds_office).content.decode()  # another province's unit
    assert "<th>别名</th>" in page and "名称或别名" in page


class OneUnitAPage(Units):
    paginate_by = 1


def test_the_pager_links_keep_the_lists_filters(world: Any) -> None:
    page = _get(OneUnitAPage, world.pds_office, "/x/?q=市&sort=name").content.decode()
    assert "第 1 / " in page
    # 下一页 must not drop the filter: the office would page through every unit instead of those it searched for.
    assert 'href="?q=%E5%B8%82&amp;sort=name&amp;page=2">下一页' in page
    second = _get(OneUnitAPage, world.pds_office, "/x/?q=市&sort=name&page=2").content.decode()
    assert 'href="?q=%E5%B8%82&amp;sort=name&amp;page=1">上一页' in second


def test_the_generic_export_has_the_page_columns_and_the_filtered_rows(world: Any) -> None:
    response = _get(Units, world.pds_office, "/x/?format=xlsx&q=教体")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows == [
        ("单位", "区划", "类别", "成员单位", "别名"),
        ("市教育体育局", "平顶山市", "政府部门", "是", "市教体局 → 市教育体育局"),
    ]


def test_the_generic_detail_shows_fields_and_history_to_its_manager_and_404_to_others(world: Any) -> None:
    page = _get(UnitPage, world.pds_office, pk=world.edu_bureau.pk).content.decode()
    assert "平顶山市" in page and "变更记录" in page and "新增单位" in page
    assert "变更记录" not in _get(UnitPage, world.edu_liaison, pk=world.edu_bureau.pk).content.decode()
    with pytest.raises(Http404):
        _get(UnitPage, world.py_office, pk=world.edu_bureau.pk)

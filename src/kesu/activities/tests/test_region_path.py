"""Each activity carries a copy of its region's path (``Activity.region_path``), read by the scope and the
subtree filter: it follows every write and every region move, and an office sees exactly its subtree
through it, on the first page and on the deep ones (reached by 下一页 links or by number)."""

from __future__ import annotations

import html
import io
import random
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.activities import actions, views
from kesu.activities.demo import Spread, generate_activities
from kesu.activities.models import Activity, ActivityStatus
from kesu.activities.testing import make_activity
from kesu.regions import actions as region_actions
from kesu.regions.models import Region
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

XINHUA, BAOFENG, ZHENGZHOU = "410402000000", "410421000000", "410100000000"  # two counties of 平顶山市


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def office_of(code: str) -> Any:
    return account_actions.create_user(
        None, f"office-{code}", PASSWORD, display_name=f"{code}素质办", role=Role.OFFICE, region=region(code)
    )


def stored_path(activity: Activity) -> str:
    return Activity.objects.filter(pk=activity.pk).values_list("region_path", flat=True).get()


def held(unit: Any, name: str, *, days_ago: int, place: Region | None = None, **fields: Any) -> Activity:
    """An activity held ``days_ago`` days ago at nine (no photos: the lists are what is tested)."""
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    fields = {"starts_at": start, "ends_at": start + timedelta(hours=2)} | fields
    return make_activity(unit, name, region=place, photo_count=0, **fields)


def every_row_carries_its_regions_path() -> bool:
    return not Activity.objects.exclude(region_path=F("region__path")).exists()


# ---- the copy follows the writes -----------------------------------------------------------------


def test_the_copied_path_follows_a_create_an_edit_an_import_and_the_bulk_writes(
    world: World, client_for
) -> None:
    xinhua, baofeng = region(XINHUA), region(BAOFENG)
    activity = held(world.edu_bureau, "新华区的讲座", days_ago=3, place=xinhua)
    assert stored_path(activity) == xinhua.path

    actions.update_activity(world.edu_liaison, activity, {"region": baofeng})
    assert stored_path(activity) == baofeng.path

    header = "活动名称,主办单位,活动形式,开始时间,结束时间,活动地区代码,重点人群,参与人次\n"
    row = "宝丰县导入的讲座,市教育体育局,讲座,2025-09-20 09:00,2025-09-20 11:00,410421,老年人,80\n"
    upload = SimpleUploadedFile("活动.csv", (header + row).encode("gbk"), "text/csv")
    assert client_for(world.pds_office).post("/activities/import/", {"file": upload}).status_code == 302
    assert stored_path(Activity.objects.get(name="宝丰县导入的讲座")) == baofeng.path

    # The demo's and the benchmark's generator (bulk_create), and a batch 采用 (bulk_update) after it.
    spread = Spread([world.edu_bureau], [xinhua, baofeng], date(2025, 1, 1), date(2025, 6, 30), [], 0)
    generate_activities(random.Random(3), spread, 12)
    submitted = make_activity(world.edu_bureau, "待采用", region=xinhua, submit=True)
    actions.adopt_activities(
        world.pds_office, Activity.objects.filter(pk=submitted.pk), region=world.pingdingshan
    )
    assert Activity.objects.get(pk=submitted.pk).status == ActivityStatus.ADOPTED
    assert Activity.objects.count() == 15 and every_row_carries_its_regions_path()


def test_a_county_moved_to_another_city_takes_its_activities_and_their_visibility_along(
    world: World, client_for
) -> None:
    baofeng_unit = region_actions.create_unit(None, region(BAOFENG), "宝丰县科协")
    moved = held(baofeng_unit, "宝丰县的科普大集", days_ago=4)
    stays = held(world.edu_bureau, "新华区的讲座", days_ago=5, place=region(XINHUA))
    zhengzhou_office = office_of(ZHENGZHOU)

    with CaptureQueriesContext(connection) as statements:
        region_actions.move_region(None, region(BAOFENG), region(ZHENGZHOU))

    # the moved subtree's rows found by their old path prefix, not by joining every activity of the
    # two provinces to its region
    rewrite = [
        q["sql"] for q in statements.captured_queries if q["sql"].startswith('UPDATE "activities_activity"')
    ]
    assert len(rewrite) == 1 and "regions_region" not in rewrite[0]
    assert stored_path(moved) == region(BAOFENG).path and region(BAOFENG).path.startswith(
        region(ZHENGZHOU).path
    )
    assert stored_path(stays) == region(XINHUA).path and every_row_carries_its_regions_path()
    city_list = client_for(world.pds_office).get("/activities/").content.decode()
    assert "新华区的讲座" in city_list and "宝丰县的科普大集" not in city_list
    zhengzhou_list = client_for(zhengzhou_office).get("/activities/").content.decode()
    assert "宝丰县的科普大集" in zhengzhou_list and "新华区的讲座" not in zhengzhou_list
    assert client_for(world.pds_office).get(moved.get_absolute_url()).status_code == 404


# ---- an office sees its subtree, page after page ---------------------------------------------------------


def listed(response: Any) -> list[str]:
    return [row["object"].name for row in response.context["rows"]]


def link(body: str, label: str) -> str | None:
    found = re.search(rf'href="([^"]*)">{label}', body)
    return "/activities/" + html.unescape(found.group(1)) if found else None


def pages_by_links(client: Any, url: str, label: str = "下一页") -> tuple[list[list[str]], list[str]]:
    """The rows of every page reached by clicking ``label`` from ``url``, and the URLs visited."""
    pages: list[list[str]] = []
    urls: list[str] = []
    next_url: str | None = url
    while next_url is not None:
        response = client.get(next_url)
        assert response.status_code == 200
        pages.append(listed(response))
        urls.append(next_url)
        next_url = link(response.content.decode(), label)
    return pages, urls


def test_a_county_office_sees_exactly_its_subtree_on_every_page_and_in_the_export_and_api(
    world: World, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views.ActivityList, "paginate_by", 2)
    xinhua_unit = region_actions.create_unit(None, region(XINHUA), "新华区教育局")
    baofeng_unit = region_actions.create_unit(None, region(BAOFENG), "宝丰县教育局")
    for day in range(1, 6):  # the two counties' rows interleaved in time, some on the same hour
        held(xinhua_unit, f"新华区活动{day}", days_ago=day)
        held(baofeng_unit, f"宝丰县活动{day}", days_ago=day)
    held(world.edu_bureau, "市本级活动", days_ago=1)
    client = client_for(office_of(XINHUA))

    pages, urls = pages_by_links(client, "/activities/")
    assert [name for page in pages for name in page] == [f"新华区活动{day}" for day in range(1, 6)]
    assert len(pages) == 3 and all("_a" in url for url in urls[1:])  # deep pages from the row's key
    for number, page in enumerate(pages, start=1):
        body = client.get("/activities/", {"page": number}).content.decode()
        assert listed(client.get("/activities/", {"page": number})) == page
        assert "宝丰县" not in body and "市本级活动" not in body

    export = load_workbook(io.BytesIO(client.get("/activities/", {"format": "xlsx"}).content)).active
    assert sorted(row[0] for row in export.iter_rows(min_row=2, values_only=True) if row[0]) == sorted(
        f"新华区活动{day}" for day in range(1, 6)
    )
    api = client.get("/api/activities/").json()
    assert sorted(item["name"] for item in api["results"]) == sorted(
        f"新华区活动{day}" for day in range(1, 6)
    )
    # Asking for the sibling county by code gives nothing, on the page and through the API.
    assert listed(client.get("/activities/", {"region": BAOFENG[:6]})) == []
    assert client.get("/api/activities/", {"region": BAOFENG[:6]}).json()["results"] == []


def test_deep_pages_list_the_same_rows_in_the_same_order_as_by_position_either_way(
    world: World, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views.ActivityList, "paginate_by", 3)
    for n in range(11):  # ties on the start time: the id decides, as in the lists' order
        held(world.edu_bureau, f"讲座{n:02d}", days_ago=1 + n // 4, kind="exhibition" if n % 3 else "lecture")
    office = world.pds_office
    everything = list(Activity.objects.visible_to(office).values_list("name", flat=True))
    by_position = [everything[i : i + 3] for i in range(0, len(everything), 3)]
    client = client_for(office)

    forward, urls = pages_by_links(client, "/activities/")
    assert forward == by_position
    backward, _ = pages_by_links(client, urls[-1], "上一页")
    assert backward == by_position[::-1]
    assert [listed(client.get("/activities/", {"page": n})) for n in range(1, 5)] == by_position

    # A filter is kept by the links and the key pages within it.
    shows = list(Activity.objects.visible_to(office).filter(kind="exhibition").values_list("name", flat=True))
    filtered, urls = pages_by_links(client, "/activities/?kind=exhibition")
    assert filtered == [shows[i : i + 3] for i in range(0, len(shows), 3)]
    assert all("kind=exhibition" in url for url in urls)

    # A sort other than the lists' order pages by number; an unreadable or stale key falls back to it.
    by_name, urls = pages_by_links(client, "/activities/?sort=name")
    assert [name for page in by_name for name in page] == sorted(everything)
    assert not any("_a" in url for url in urls)
    assert listed(client.get("/activities/", {"page": "2_a0_0"})) == by_position[1]
    assert listed(client.get("/activities/", {"page": "两页"})) == by_position[0]
    assert listed(client.get("/activities/", {"page": f"2_a{10**19}_1"})) == by_position[1]

"""The activity form chooses its experts and volunteers from the registers by searching, never by
listing them, and only from the registers its user may see."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.activities import people
from kesu.activities.models import Activity
from kesu.activities.testing import personas
from kesu.experts.testing import make_expert
from kesu.testing import World
from kesu.volunteers import actions as volunteer_actions
from kesu.volunteers.testing import id_number

from .test_activities import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _volunteer(region: Any, serial: int, name: str) -> Any:
    return volunteer_actions.create_volunteer(
        None, region, id_number=id_number(serial, region.code[:6]), name=name, employer="市第一中学"
    )


def test_a_search_finds_people_in_the_users_registers_only_and_shows_no_phone_or_id(
    world: World, client_for
) -> None:
    who = personas(world)
    make_expert(who.city, "张明远", "13900000001")
    make_expert(world.xinzheng, "张其他", "13900000002")  # another city's register
    _volunteer(who.city, 1, "张小红")
    client = client_for(who.host)

    experts = client.get("/activities/people/", {"register": "experts", "q": "张"}).content.decode()
    assert "张明远" in experts and "张其他" not in experts
    assert "0001" not in experts  # a name (and employer), never the phone, not even masked
    volunteers = client.get("/activities/people/", {"register": "volunteers", "q": "张小"}).content.decode()
    assert "张小红 · 市第一中学" in volunteers and id_number(1, who.city.code[:6])[-4:] not in volunteers
    nobody = client.get("/activities/people/", {"register": "volunteers", "q": "李"}).content.decode()
    assert "没有姓名以“李”开头的志愿者" in nobody
    assert client.get("/activities/people/", {"register": "users", "q": "张"}).status_code == 404


def test_a_city_units_liaison_finds_the_volunteers_of_the_citys_counties_too(
    world: World, client_for
) -> None:
    from kesu.regions.models import Region

    who = personas(world)
    county = Region.objects.filter(parent=who.city).first()
    assert county is not None
    _volunteer(county, 4, "周县里")
    found = client_for(who.host).get("/activities/people/", {"register": "volunteers", "q": "周"})
    assert "周县里" in found.content.decode()
    assert (
        "周县里"
        not in client_for(world.xz_office)
        .get("/activities/people/", {"register": "volunteers", "q": "周"})
        .content.decode()
    )


def test_people_ticked_before_a_search_stay_ticked_after_it(world: World, client_for) -> None:
    who = personas(world)
    chosen = make_expert(who.city, "王建国", "13900000003")
    make_expert(who.city, "赵丽", "13900000004")
    client = client_for(who.host)
    page = client.get("/activities/people/", {"register": "experts", "q": "赵", "experts": [chosen.pk]})
    body = page.content.decode()
    assert body.index("王建国") < body.index("赵丽")
    assert f'value="{chosen.pk}" id="id_experts-{chosen.pk}" checked' in body
    assert body.count("checked") == 1


def test_the_form_links_the_ticked_people_and_the_edit_form_shows_only_them(world: World, client_for) -> None:
    who = personas(world)
    expert = make_expert(who.city, "刘医生", "13900000005")
    volunteer = _volunteer(who.city, 2, "陈志愿")
    _volunteer(who.city, 3, "不相干的人")
    client = client_for(who.host)
    data = form_data(region=str(who.city.pk), experts=[str(expert.pk)], volunteers=[str(volunteer.pk)])
    assert client.post("/activities/new/", data).status_code == 302
    activity = Activity.objects.get(name="社区防诈骗科普讲座")
    assert list(activity.experts.all()) == [expert] and list(activity.volunteers.all()) == [volunteer]

    edit = client.get(f"/activities/{activity.pk}/edit/").content.decode()
    assert "陈志愿" in edit and f'value="{volunteer.pk}"' in edit
    assert "不相干的人" not in edit  # the register is searched, never listed
    detail = client.get(activity.get_absolute_url()).content.decode()
    assert "刘医生" in detail and "陈志愿" in detail and "13900000005" not in detail


def test_someone_from_another_register_cannot_be_posted_onto_an_activity(world: World, client_for) -> None:
    who = personas(world)
    elsewhere = make_expert(world.xinzheng, "外地专家", "13900000006")
    client = client_for(who.host)
    response = client.post(
        "/activities/new/", form_data(region=str(who.city.pk), experts=[str(elsewhere.pk)])
    )
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_search_with_too_many_matches_asks_for_more_of_the_name(world: World, client_for) -> None:
    who = personas(world)
    for serial in range(people.MATCHES + 1):
        _volunteer(who.city, 10 + serial, f"李{serial:02d}")
    page = client_for(who.host).get("/activities/people/", {"register": "volunteers", "q": "李"})
    body = page.content.decode()
    assert body.count('type="checkbox"') == people.MATCHES and "请多输入几个字缩小范围" in body
    narrower = client_for(who.host).get("/activities/people/", {"register": "volunteers", "q": "李2"})
    assert "缩小范围" not in narrower.content.decode()


def test_a_tampered_id_in_a_search_is_ignored_not_an_error(world: World, client_for) -> None:
    who = personas(world)
    make_expert(who.city, "钱工", "13900000009")
    page = client_for(who.host).get(
        "/activities/people/", {"register": "experts", "q": "钱", "experts": ["²", "9" * 40, "x"]}
    )
    assert page.status_code == 200 and "钱工" in page.content.decode()

"""A liaison enters an activity on one form, submits it with evidence, and the office reviews it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kesu.activities import actions
from kesu.activities.models import Activity, ActivityStatus, Campaign
from kesu.activities.testing import jpeg_bytes, make_activity, personas, when
from kesu.core.models import AuditEvent
from kesu.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def form_data(**overrides: Any) -> dict[str, Any]:
    start, end = when()
    data = {
        "name": "社区防诈骗科普讲座",
        "kind": "lecture",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
        "address": "光明路社区活动室",
        "mode": "offline",
        "key_groups": ["老年人"],
        "attendance": "85",
        "count_method": "sign_in",
    }
    return data | overrides


def camera(count: int) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"IMG_{i}.jpg", jpeg_bytes((20 * i, 80, 160), (1600, 1200)), "image/jpeg")
        for i in range(count)
    ]


def test_a_liaison_enters_an_activity_with_three_photos_and_submits_it(world: World, client_for) -> None:
    who = personas(world)
    client = client_for(who.host)
    page = client.get("/activities/new/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'capture="environment"' in body and 'accept="image/*"' in body and "multiple" in body
    data = form_data(region=str(who.city.pk), co_organisers="市科协", photos=camera(3), submit="1")
    response = client.post("/activities/new/", data)
    activity = Activity.objects.get(name="社区防诈骗科普讲座")
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert activity.unit == who.host_unit and activity.status == ActivityStatus.SUBMITTED
    assert activity.photos.count() == 3
    photo = activity.photos.first()
    assert photo is not None and photo.thumbnail.name and photo.width == 1600
    assert [o.unit for o in activity.organisers.all()] == [who.partner_unit]
    verbs = list(
        AuditEvent.objects.filter(target_type="activities.activity", target_id=str(activity.pk)).values_list(
            "verb", flat=True
        )
    )
    assert sorted(verbs) == ["activity.create", "activity.submit"]


def test_the_next_activity_opens_with_the_last_place_region_and_partners(world: World, client_for) -> None:
    who = personas(world)
    client = client_for(who.host)
    client.post("/activities/new/", form_data(region=str(who.city.pk), co_organisers="市科协"))
    body = client.get("/activities/new/").content.decode()
    assert 'value="光明路社区活动室"' in body
    assert 'value="市科协"' in body
    assert f'value="{timezone.localdate():%Y-%m-%d}T' in body  # today


def test_two_photos_save_the_draft_but_do_not_submit_it(world: World, client_for) -> None:
    who = personas(world)
    client = client_for(who.host)
    response = client.post(
        "/activities/new/", form_data(region=str(who.city.pk), photos=camera(2), submit="1"), follow=True
    )
    activity = Activity.objects.get()
    assert activity.status == ActivityStatus.HELD and activity.photos.count() == 2
    assert "现场照片至少 3 张（现有 2 张）" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": "2020-01-01T08:00"}, "结束时间早于开始时间"),
        ({"attendance": "-5"}, "参与人次不能为负数"),
        ({"attendance": "900000"}, "超过单场活动的合理上限"),
        ({"mode": "online"}, "线上活动请填写线上链接"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(
    world: World, client_for, overrides: dict[str, str], message: str
) -> None:
    who = personas(world)
    client = client_for(who.host)
    events = AuditEvent.objects.count()
    response = client.post("/activities/new/", form_data(region=str(who.city.pk), **overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'value="社区防诈骗科普讲座"' in body  # what was typed stays on the page
    assert not Activity.objects.exists() and AuditEvent.objects.count() == events


def test_a_photo_that_is_not_an_image_is_refused(world: World, client_for) -> None:
    who = personas(world)
    fake = SimpleUploadedFile("现场.jpg", b"%PDF-1.4 not a photo", "image/jpeg")
    response = client_for(who.host).post(
        "/activities/new/", form_data(region=str(who.city.pk), photos=[*camera(2), fake])
    )
    assert "“现场.jpg”不是图片" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_date_outside_the_campaign_window_is_refused(world: World, client_for) -> None:
    who = personas(world)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        region=who.city,
        name="2026年全国科普月",
        kind="science_day",
        year=today.year,
        starts_on=today + timedelta(days=10),
        ends_on=today + timedelta(days=40),
    )
    response = client_for(who.host).post(
        "/activities/new/", form_data(region=str(who.city.pk), campaign=str(campaign.pk))
    )
    assert "不在“2026年全国科普月”的活动时间" in response.content.decode()
    assert not Activity.objects.exists()


def test_attendance_above_what_the_base_can_hold_is_refused() -> None:
    from kesu.activities.activity_checks import check_attendance

    start, end = when(hours=3)
    assert check_attendance(5000, starts_at=start, ends_at=end, base_name="市科技馆", base_area=2000) == []
    (problem,) = check_attendance(5000, starts_at=start, ends_at=end, base_name="市科技馆", base_area=500)
    assert problem[0] == "attendance" and "超过市科技馆的接待能力" in problem[1]


def test_an_unknown_co_organiser_is_named(world: World, client_for) -> None:
    who = personas(world)
    response = client_for(who.host).post(
        "/activities/new/", form_data(region=str(who.city.pk), undertakers="火星科协")
    )
    assert "单位“火星科协”不存在" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_planned_activity_cannot_be_submitted_until_it_has_happened(world: World) -> None:
    who = personas(world)
    start = timezone.now() + timedelta(days=5)
    activity = make_activity(who.host_unit, starts_at=start, ends_at=start + timedelta(hours=2))
    assert activity.status == ActivityStatus.PLANNED
    with pytest.raises(actions.ActivityError, match="尚未开展"):
        actions.submit_activity(who.host, activity)


def test_a_photo_gets_an_upright_small_thumbnail_without_the_camera_location() -> None:
    import io

    from PIL import Image

    from kesu.activities.activity_photos import THUMB_SIZE, check_photo

    original = Image.new("RGB", (4000, 3000), (200, 100, 50))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: shown rotated by 90°
    exif[0x8825] = {1: "N", 2: (34.0, 44.0, 0.0)}  # GPS
    out = io.BytesIO()
    original.save(out, "JPEG", exif=exif)
    photo = check_photo(out.getvalue(), "IMG_0001.jpg")
    thumb = Image.open(io.BytesIO(photo.thumbnail))
    assert max(thumb.size) == THUMB_SIZE and thumb.size[1] > thumb.size[0]  # upright portrait
    assert not thumb.getexif()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "是空文件"),
        (b"GIF89a broken", "不是图片"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "不是图片"),
    ],
)
def test_what_is_not_a_usable_photo_is_refused_in_chinese(data: bytes, message: str) -> None:
    from kesu.activities.activity_photos import PhotoError, check_photo

    with pytest.raises(PhotoError, match=message):
        check_photo(data, "a.jpg")


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    import io

    from PIL import Image

    from kesu.activities.activity_photos import PhotoError, check_photo

    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 megapixels in a few KB
    with pytest.raises(PhotoError, match="超过上限"):
        check_photo(out.getvalue(), "bomb.png")

"""A liaison enters an activity on a 390 px phone with three photos from the camera and submits it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from kesu.activities.models import Activity, ActivityStatus
from kesu.activities.testing import jpeg_bytes
from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/act")


def _shot(page, name: str) -> None:
    path = SCREENSHOTS / f"activities-{name}.png"
    page.screenshot(path=path, full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_a_liaison_enters_an_activity_on_a_phone_with_three_photos(
    live_server,
    browser_page,  # noqa: F811
    settings,
    tmp_path,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    build_world()
    phone = browser_page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True, is_mobile=True
    ).new_page()
    log_in(phone, live_server.url, "edu-liaison", PASSWORD)
    phone.goto(f"{live_server.url}/activities/new/")
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(phone, "form-phone")
    started = time.monotonic()
    phone.fill("#id_name", "社区防诈骗科普讲座")
    phone.select_option("#id_kind", "lecture")
    phone.fill("#id_address", "光明路社区活动室")
    phone.click("label:has-text('老年人')")
    phone.fill("#id_attendance", "85")
    photos = [
        {
            "name": f"IMG_{i}.jpg",
            "mimeType": "image/jpeg",
            "buffer": jpeg_bytes((60 * i, 120, 180), (1600, 1200)),
        }
        for i in range(3)
    ]
    phone.set_input_files("#id_photos", files=photos)
    assert "IMG_0.jpg" in phone.locator("#id_photos-name").inner_text()
    _shot(phone, "form-filled-phone")
    for target in ("label:has-text('老年人')", ".camera-button", "button:has-text('保存并提交')"):
        box = phone.locator(target).bounding_box()
        assert box is not None and box["height"] >= 44, target  # thumb-sized targets
    phone.click("button:has-text('保存并提交')")
    phone.wait_for_load_state("networkidle")
    elapsed = time.monotonic() - started
    assert "已提交审核" in phone.locator("main").inner_text()
    activity = Activity.objects.get(name="社区防诈骗科普讲座")
    assert activity.status == ActivityStatus.SUBMITTED and activity.photos.count() == 3
    assert phone.locator(".activity-photos img").count() == 3
    assert all(
        phone.evaluate("(img) => img.complete && img.naturalWidth > 0", img.element_handle())
        for img in phone.locator(".activity-photos img").all()
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(phone, "detail-phone")
    print(f"entry took {elapsed:.1f} s of automated input (5 fields, 3 photos)")
    phone.goto(f"{live_server.url}/activities/")
    assert "社区防诈骗科普讲座" in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls in its card
    _shot(phone, "list-phone")
    phone.goto(f"{live_server.url}/activities/new/")  # the next one remembers the place
    assert phone.input_value("#id_address") == "光明路社区活动室"
    assert not phone.console_errors if hasattr(phone, "console_errors") else True

"""A desktop browser runs a campaign to its summary: the office creates it, units' activities are adopted,
the campaign page shows the figures and the 总结 downloads. Screenshots go to /tmp/shots/camp/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from tests.browser import browser_page, log_in  # noqa: F401

from kesu.testing import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/camp")


def test_an_office_runs_a_campaign_to_its_summary_docx(
    live_server: Any,
    browser_page: Any,  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    from docx import Document

    from kesu.activities.models import Campaign
    from kesu.activities.tests.camp_support import activity, moment
    from kesu.regions.models import Region

    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.goto(f"{live_server.url}/activities/campaigns/")
    page.click("main a:has-text('添加')")
    page.fill("#id_name", "2025年平顶山市科技活动周")
    page.select_option("#id_kind", "science_week")
    page.fill("#id_starts_on", "2025-05-17")
    page.fill("#id_ends_on", "2025-05-24")
    page.fill("#id_theme", "矢志创新 共享未来")
    page.fill("#id_notice", "各成员单位于活动周期间开展活动并在平台报送。")
    page.fill("#id_summary_due", "2025-06-05")
    page.screenshot(path=SHOTS / "campaign-form.png", full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    campaign = Campaign.objects.get(name="2025年平顶山市科技活动周")

    # Units report their activities (the activities part's own actions); the office adopted them.
    xinhua = Region.objects.get(code="410402000000")
    activity(
        world.edu_bureau,
        xinhua,
        campaign=campaign,
        name="青少年航天科普讲座",
        attendance=320,
        when=moment(2025, 5, 18),
        co=[world.kexie],
    )
    activity(
        world.kexie,
        campaign=campaign,
        name="科技馆开放日",
        kind="open_day",
        attendance=1500,
        key_groups=["青少年", "老年人"],
        when=moment(2025, 5, 20),
    )
    activity(
        world.kexie,
        campaign=campaign,
        name="待审核的展览",
        kind="exhibition",
        adopt=False,
        when=moment(2025, 5, 21),
    )

    page.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    figures = page.locator("#figures").inner_text()
    assert "1820" in figures and "1 / 2" in figures
    assert "青少年航天科普讲座" in page.locator("#activities").inner_text()
    page.screenshot(path=SHOTS / "campaign-page.png", full_page=True)

    with page.expect_download() as download_info:
        page.click("text=生成活动总结")
    path = download_info.value.path()
    text = "\n".join(p.text for p in Document(io.BytesIO(Path(path).read_bytes())).paragraphs)
    assert "2025年平顶山市科技活动周活动总结" in text and "经审核采用 2 项" in text
    assert page.console_errors == []

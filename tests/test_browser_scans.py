"""In a real browser an office uploads photographed pages of a plan, puts them in order, waits for
the recognition job and reviews the parse with the doubtful text marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLE = Path(__file__).resolve().parent.parent / "src/kesu/data/sample_plans/xinzheng_2021_2025.txt"


def photographed_pages(tmp_path: Path) -> list[Path]:
    """Two pages of the plan's opening: a clean scan and a poor, small phone photo."""
    from kesu.docparse.tests import scans

    if scans.font_path() is None:
        pytest.skip("Noto CJK font missing: cannot typeset test scans")
    text = scans.leading_paragraphs(SAMPLE.read_text(encoding="utf-8"), 1100)
    first, second = list(scans.scanned_pages(text, "scan", dpi=150, seed=4))[:2]
    poor = scans.photo(second.convert("L"), __import__("random").Random(7))
    poor = poor.resize((poor.width * 3 // 5, poor.height * 3 // 5))
    paths = [tmp_path / "IMG_0101.jpg", tmp_path / "IMG_0102.jpg"]
    paths[0].write_bytes(scans.jpeg(first))
    paths[1].write_bytes(scans.jpeg(poor, quality=35))
    return paths


def test_photographed_pages_show_the_doubtful_text(live_server, browser_page, tmp_path, settings) -> None:  # noqa: F811
    pytest.importorskip("rapidocr_onnxruntime")
    settings.MEDIA_ROOT = tmp_path / "media"
    build_world()
    first, second = photographed_pages(tmp_path)
    page = browser_page
    page.set_default_timeout(180_000)  # the test backend reads the pages inside the upload request
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.goto(f"{live_server.url}/plans/upload/")
    page.set_input_files("input[type=file]", [str(second), str(first)])  # chosen in the wrong order
    items = page.locator("#scan-page-list li")
    assert items.count() == 2
    page.click("#scan-page-list li >> nth=1 >> button[title=上移]")
    assert page.locator("#scan-page-list li >> nth=0").inner_text().startswith("IMG_0101.jpg")
    page.screenshot(path=SCREENSHOTS / "scan-upload-order.png", full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/plans/scans/**")
    page.wait_for_selector("text=打开解析结果")
    page.screenshot(path=SCREENSHOTS / "scan-job-done.png", full_page=True)
    page.click("text=打开解析结果")
    page.wait_for_load_state("networkidle")
    assert "新郑市" in page.locator("h1").inner_text()
    assert "文字由 OCR 从扫描件识别（共 2 页）" in page.locator("#parse-warnings").inner_text()
    doubtful = page.locator(".plan-source mark.uncertain")
    assert doubtful.count() >= 1
    assert doubtful.first.get_attribute("title") == "OCR 识别把握不大，请对照原件核对"
    page.locator(".plan-source mark.uncertain").first.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "scan-plan-uncertain.png")
    assert page.console_errors == []

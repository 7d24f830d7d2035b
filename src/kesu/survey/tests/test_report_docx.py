"""The Word report: a chart per domain drawn on the server, beside the tables and the key numbers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from kesu.survey import charts, report
from kesu.survey.models import Wave
from kesu.survey.tests.conftest import towns_of
from kesu.survey.tests.test_survey import estimate, import_responses, response_rows

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts" / "screenshots"  # to look at the charts


def estimated(world, client_for, wave: Wave, capture) -> str:
    office = client_for(world.py_office)
    import_responses(office, wave, response_rows(towns_of(world.pingyin)))
    estimate(office, wave, capture)
    return f"/survey/waves/{wave.pk}/report.docx"


def docx_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_word_report_has_a_chart_per_domain_beside_the_national_figures_and_the_key_numbers(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    if charts.cjk_font() is None:
        pytest.skip("没有中文字体（fonts-noto-cjk），图表被省略；见下一个测试")
    url = estimated(world, client_for, pingyin_wave, django_capture_on_commit_callbacks)
    document = Document(io.BytesIO(client_for(world.py_office).get(url).content))
    built = report.build(pingyin_wave, pingyin_wave.latest_run)
    assert len(document.inline_shapes) == len(built.domains) == 6
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for shape, domain in zip(document.inline_shapes, built.domains, strict=True):
        image = document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed]
        assert image.blob.startswith(PNG) and len(image.blob) > 5000
        (ARTIFACTS / f"survey-docx-chart-{domain.variable}.png").write_bytes(image.blob)
    text = docx_text(document)
    sex = next(d for d in built.domains if d.variable == "sex")
    assert "15.37%" in text and f"{sex.rows[0].estimate:.2f}" in text
    assert any(r.national is not None for r in sex.rows)  # the chart's national markers have figures to show
    assert charts.NO_FONT_NOTE not in text


def test_without_a_chinese_font_the_word_report_has_its_tables_and_says_charts_are_left_out(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    url = estimated(world, client_for, pingyin_wave, django_capture_on_commit_callbacks)
    response = client_for(world.py_office).get(url)
    document = Document(io.BytesIO(response.content))
    assert response.status_code == 200 and len(document.inline_shapes) == 0
    text = docx_text(document)
    assert "省略了图表" in text and "15.37%" in text and "按性别" in text


def test_a_domain_chart_is_a_png_with_whiskers_clipped_at_zero() -> None:
    font = charts.cjk_font()
    if font is None:
        pytest.skip("没有中文字体")
    png = charts.bars_png(
        charts.Bars("按性别", ["男", "女"], [10.0, 2.0], [5.0, -1.5], [15.0, 5.5], [14.1, None]), font
    )
    assert png.startswith(PNG)

"""Scanned and photographed pages read by OCR end to end (a page or two each: OCR takes seconds).

The scans are made at run time from the sample plans (``scans.py``); the whole-plan accuracy on
every seed and scan style is measured by ``benchmarks/ocr_bench.py``.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from kesu.docparse import cli, errors, parse_extraction, read_images
from kesu.docparse.readers import extract_document

from . import scans
from .conftest import sample_text
from .pdf_maker import text_pdf

pytest.importorskip("rapidocr_onnxruntime")
if scans.font_path() is None:
    pytest.skip("Noto CJK font missing: cannot typeset test scans", allow_module_level=True)

_SPACE = re.compile(r"\s+")


def opening(name: str, chars: int = 700) -> str:
    return scans.leading_paragraphs(sample_text(name), chars)


def similarity(reference: str, recognised: str) -> float:
    return difflib.SequenceMatcher(
        None, _SPACE.sub("", reference), _SPACE.sub("", recognised), autojunk=False
    ).ratio()


def test_an_image_only_pdf_at_150_dpi_reads_back_as_the_plans_paragraphs() -> None:
    text = opening("pingdingshan_2021_2025.txt", 1200)
    pages = list(
        scans.scanned_pages(text, "scan", dpi=150, seed=1, header="平顶山市全民科学素质行动规划纲要实施方案")
    )
    assert len(pages) == 2
    extraction = extract_document(scans.image_pdf(pages, 150), "扫描件.pdf")
    assert similarity(text, extraction.text) > 0.97
    paragraphs = extraction.text.split("\n")
    assert "一、总体要求" in paragraphs  # a heading is its own paragraph, as in a text PDF
    assert not any(re.fullmatch(r"[—\-\s]*\d+[—\-\s]*", p) for p in paragraphs)  # page numbers gone
    assert sum("平顶山市全民科学素质行动规划纲要实施方案" in p for p in paragraphs) == 0  # running head gone
    assert extraction.ocr_pages == 2 and "OCR" in extraction.notes[0]


def test_a_photographed_page_with_a_seal_over_the_text_keeps_the_text_and_its_dash_bullets() -> None:
    text = opening("pingdingshan_2021_2025.txt", 900)
    page = next(scans.scanned_pages(text, "photo", dpi=150, seed=3))
    extraction = read_images([(scans.jpeg(page), "IMG_0001.jpg")])
    assert similarity(text[: len(extraction.text)], extraction.text) > 0.95
    assert "——突出价值引领" in extraction.text and "——坚持协同推进" in extraction.text
    assert "理性质疑" in extraction.text  # the words under the seal


def test_a_pdf_mixing_text_and_scanned_pages_reads_the_text_and_recognises_the_rest() -> None:
    import pypdfium2

    text_part = "关于印发全民科学素质行动实施方案的通知\n一、总体要求\n（一）指导思想。坚持党的全面领导。"
    scanned_part = "二、重点任务\n（一）青少年科学素质提升行动。每年举办科技节活动10场以上。"
    document = pypdfium2.PdfDocument(text_pdf(text_part))
    image = pypdfium2.PdfDocument(
        scans.image_pdf(list(scans.scanned_pages(scanned_part, "scan", dpi=150)), 150)
    )
    document.import_pages(image)
    buffer = io.BytesIO()
    document.save(buffer)
    extraction = extract_document(buffer.getvalue(), "混合.pdf")
    assert extraction.text.startswith("关于印发全民科学素质行动实施方案的通知")
    assert "每年举办科技节活动10场以上" in extraction.text
    assert extraction.pages == 2 and extraction.ocr_pages == 1
    assert "1 页有文字层" in extraction.notes[0]


def test_a_blank_page_among_photographed_pages_is_named_in_a_warning() -> None:
    text = opening("xinzheng_2021_2025.txt", 500)
    page = next(scans.scanned_pages(text, "scan", dpi=150))
    blank = io.BytesIO()
    Image.new("L", (1240, 1754), 250).save(blank, format="PNG")
    extraction = read_images([(scans.jpeg(page), "p1.jpg"), (blank.getvalue(), "p2.png")])
    assert extraction.blank_pages == [2]
    assert any("第 2 页没有识别出文字" in note for note in extraction.notes)
    with pytest.raises(errors.EmptyDocumentError):
        read_images([(blank.getvalue(), "blank.png")])


def test_parse_plan_reads_a_scan_and_says_so_in_its_warnings(tmp_path: Path) -> None:
    text = opening("pingyin_2021_2025.txt", 800)
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(scans.image_pdf(list(scans.scanned_pages(text, "scan", dpi=200, max_pages=1)), 200))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main([str(path)]) == 0
    draft = json.loads(out.getvalue())
    assert draft["warnings"][0].startswith("文字由 OCR")
    assert isinstance(draft["uncertain_spans"], list)
    assert draft["sections"], "the outline is found in the recognised text"


def test_uncertain_spans_of_a_scan_point_into_the_draft_text() -> None:
    text = opening("yunxi_2022_2025.txt", 700)
    page = next(scans.scanned_pages(text, "photo", dpi=150, seed=5))
    small = page.resize((page.width * 2 // 3, page.height * 2 // 3))  # a low-resolution photo: some doubt
    draft = parse_extraction(read_images([(scans.jpeg(small, quality=40), "IMG_0002.jpg")]))
    for start, end in draft.uncertain_spans:
        assert 0 <= start < end <= len(draft.text)
    if draft.uncertain_spans:
        assert any("把握不大" in w for w in draft.warnings)


def test_a_two_column_scan_reads_the_left_column_before_the_right() -> None:
    text = opening("pingdingshan_2017_work_points.txt", 1500)
    (page,) = scans.scanned_pages(text, "twocol", dpi=200, seed=2, max_pages=1)
    extraction = extract_document(scans.image_pdf([page], 200), "两栏扫描件.pdf")
    recognised = _SPACE.sub("", extraction.text)
    # lines read across the gutter as one (what detection does with the whole page) score 0.93
    assert similarity(_SPACE.sub("", text)[: len(recognised)], recognised) > 0.97

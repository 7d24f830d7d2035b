"""Recognised lines put back into reading order and paragraphs, and page images checked before
decoding; no OCR runs here (see test_ocr_scans.py for that)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from kesu.docparse import errors, layout, ocr, scan

EM = 40.0
PAGE_W, PAGE_H = 1654.0, 2339.0


def line(
    text: str,
    x0: float,
    row: int,
    *,
    x1: float | None = None,
    top: float = 300.0,
    unsure: tuple[tuple[int, int], ...] = (),
) -> ocr.OcrLine:
    y0 = top + row * 66
    return ocr.OcrLine(text, x0, y0, x1 if x1 is not None else x0 + len(text) * EM, y0 + EM, 0.95, unsure)


def full(text: str, row: int, indent: int = 0, **kw: object) -> ocr.OcrLine:
    """A line that runs from the margin (200) to the right edge (1440)."""
    return line(text, 200 + indent * EM, row, x1=1440, **kw)  # type: ignore[arg-type]


def test_wrapped_lines_join_into_paragraphs_and_indented_lines_open_new_ones() -> None:
    lines = [
        full("一、总体要求", 0, indent=2),
        full("（一）指导思想。以习近平新时代中国特色社会主义思想为指导，", 1, indent=2),
        full("深入贯彻党的十九大精神，全面贯彻落实习近平总书记关于科普", 2),
        line("的重要论述。", 200, 3),
        full("（二）基本原则。坚持党的领导。", 4, indent=2),
    ]
    page = layout.page_layout(lines, PAGE_W, PAGE_H)
    assert [p.text for p in page.paragraphs] == [
        "一、总体要求",
        "（一）指导思想。以习近平新时代中国特色社会主义思想为指导，深入贯彻党的十九大精神，全面贯彻落实习近平总书记关于科普的重要论述。",
        "（二）基本原则。坚持党的领导。",
    ]


def test_page_numbers_and_a_running_header_are_dropped_but_a_first_page_title_is_kept() -> None:
    header = ocr.OcrLine("平顶山市全民科学素质行动实施方案", 500, 120, 1150, 160, 0.99)
    number = ocr.OcrLine("—2—", 780, 2200, 860, 2240, 0.99)
    pages = [
        [ocr.OcrLine("平顶山市全民科学素质行动实施方案", 400, 150, 1250, 200, 0.99), full("正文一", 1)],
        [header, full("正文二", 1), number],
        [header, full("正文三", 1), ocr.OcrLine("- 3 -", 780, 2200, 860, 2240, 0.99)],
    ]
    running = layout.margin_texts(pages, [PAGE_H] * 3)
    texts = [
        [p.text for p in layout.page_layout(page, PAGE_W, PAGE_H, running, first=i == 0).paragraphs]
        for i, page in enumerate(pages)
    ]
    assert texts[1:] == [["正文二"], ["正文三"]]
    assert texts[0][0] == "平顶山市全民科学素质行动实施方案"


def test_two_columns_are_read_left_column_first() -> None:
    left = [line(f"左栏第{i}行文字内容" * 1, 200, i, x1=780) for i in range(6)]
    right = [line(f"右栏第{i}行文字内容", 838, i, x1=1440) for i in range(6)]  # a gutter of 1.45 line heights
    title = line("两栏排版的标题横跨整页宽度的一行文字", 300, -2, x1=1300)
    page = layout.page_layout([title, *right, *left], PAGE_W, PAGE_H)
    text = "".join(p.text for p in page.paragraphs)
    assert (
        text.index("两栏排版") < text.index("左栏第0行") < text.index("左栏第5行") < text.index("右栏第0行")
    )


def test_a_slanted_photographed_page_still_tells_indents_from_wrapped_lines() -> None:
    # the left margin drifts 60 px to the right down the page (perspective)
    lines = []
    for row in range(12):
        drift = row * 5
        indent = 2 if row % 4 == 0 else 0
        lines.append(
            line(f"第{row}行", 200 + drift + indent * EM, row, x1=1440 + drift if row % 4 != 3 else 900)
        )
    page = layout.page_layout(lines, PAGE_W, PAGE_H)
    assert len(page.paragraphs) == 3


def test_a_paragraph_cut_by_the_page_break_is_joined_across_it() -> None:
    first = layout.page_layout(
        [
            full("（一）开头的段落，一直写到", 0, indent=2),
            full("页面的最右边并且没有写完", 1),
            full("还在继续写到最后一行也是满的", 2),
        ],
        PAGE_W,
        PAGE_H,
    )
    second = layout.page_layout(
        [full("下一页接着写完。", 0), line("短行。", 200, 1), full("（二）新的段落。", 2, indent=2)],
        PAGE_W,
        PAGE_H,
    )
    joined = layout.join_pages([first.paragraphs, second.paragraphs])
    assert joined[0].text.endswith("还在继续写到最后一行也是满的下一页接着写完。短行。")
    assert joined[1].text == "（二）新的段落。"


def test_unsure_characters_keep_their_offsets_in_the_joined_text() -> None:
    lines = [full("（一）第一行文字", 0, indent=2), line("第二行有疑问字", 200, 1, unsure=((5, 6),))]
    paragraphs = layout.page_layout(lines, PAGE_W, PAGE_H).paragraphs
    extraction = scan._assemble(paragraphs)
    ((start, end),) = extraction.uncertain
    assert extraction.text[start:end] == "问"


def test_year_ranges_get_the_documents_dash_and_low_confidence_specks_go() -> None:
    text, sure = ocr._normalise("（2021－2035年）科，学", [0.99] * 13 + [0.3, 0.99])
    assert text == "（2021—2035年）科学" and len(sure) == len(text)
    assert ocr._normalise("达到9.0%", [0.99, 0.99, 0.99, 0.4, 0.99, 0.99])[0] == "达到90%"  # a speck, unsure
    assert ocr._normalise("达到7.0%", [0.99] * 6)[0] == "达到7.0%"  # a decimal point read with confidence
    assert ocr._unsure_runs([0.99, 0.5, 0.99, 0.4, 0.99, 0.99, 0.99, 0.2]) == ((1, 4), (7, 8))


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares its size and then stops: enough for a decoder to be tempted."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(9000, 9000), (200_000, 200_000)])
def test_an_image_declaring_too_many_pixels_is_refused_before_decoding(size: tuple[int, int]) -> None:
    with pytest.raises(errors.ImageTooLargeError) as caught:
        scan.open_image(_png_header(*size), "图片“bomb.png”")
    assert "拒绝" in caught.value.message and "bomb.png" in caught.value.message


def test_a_corrupt_or_truncated_image_is_refused_as_damaged() -> None:
    buffer = io.BytesIO()
    Image.new("L", (400, 300), 255).save(buffer, format="JPEG")
    truncated = buffer.getvalue()[: len(buffer.getvalue()) // 3]
    for data in (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, truncated):
        with pytest.raises(errors.CorruptImageError) as caught:
            scan.open_image(data, "第 2 页（p2.jpg）")
        assert "第 2 页" in caught.value.message and "损坏" in caught.value.message


def test_a_head_set_apart_above_the_body_is_dropped_even_when_it_appears_once() -> None:
    head = ocr.OcrLine("某某区全民科学素质行动实施方案", 500, 110, 1150, 150, 0.99)
    body = [full(f"正文第{i}行", i) for i in range(5)]
    assert [p.text for p in layout.page_layout([head, *body], PAGE_W, PAGE_H, first=False).paragraphs] == [
        "".join(f"正文第{i}行" for i in range(5))
    ]
    kept = layout.page_layout([head, *body], PAGE_W, PAGE_H, first=True).paragraphs
    assert kept[0].text == "某某区全民科学素质行动实施方案"

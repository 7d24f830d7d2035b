"""Recognised lines put back into reading order and paragraphs, and page images checked before
decoding; no OCR runs here (see test_ocr_scans.py for that)."""

from __future__ import annotations

import io
import random
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from kesu.docparse import clean, errors, layout, ocr, parse_plan_text, scan

from . import scans
from .conftest import sample_text

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
    assert ocr._normalise("培训15万大次，", [0.99] * 8)[0] == "培训15万人次，"  # 人次's small 人
    assert ocr._normalise("大次数", [0.99] * 3)[0] == "大次数"  # no number before it


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


# --- two-column pages are cut at the gutter before detection ---------------------------------


def _plan_text() -> str:
    return scans.leading_paragraphs(sample_text("xinzheng_2021_2025.txt"), 2500)


def _page(columns: int, title: str = "", seed: int = 3) -> np.ndarray:
    if scans.font_path() is None:
        pytest.skip("Noto CJK font missing: cannot typeset test pages")
    page = scans.typeset(_plan_text(), scans.PageSpec(dpi=150, columns=columns))[0]
    if title:
        draw = ImageDraw.Draw(page)
        font = ImageFont.truetype(scans.font_path() or "", 36, index=2)
        draw.text((page.width / 2, 100), title, font=font, fill=0, anchor="mm")
    return np.asarray(ocr._ink(scans.scanner(page, random.Random(seed))))


def test_a_two_column_scan_is_read_column_by_column_below_its_page_wide_bands() -> None:
    regions = ocr.page_regions(_page(columns=2))
    sides = [r.side for r in regions]
    assert sides.count("left") == 1 and sides.count("right") == 1
    (left,) = [r for r in regions if r.side == "left"]
    width = _page(columns=2).shape[1]
    assert width * 0.4 < left.a + left.b * (left.top + left.bottom) / 2 < width * 0.6
    assert regions[-1].side == "full"  # the page number under both columns


def test_a_one_column_scan_is_not_split_whatever_its_skew() -> None:
    for seed in range(4):
        page = _page(columns=1, seed=seed)
        assert ocr.page_regions(page) == [ocr.Region(0, page.shape[0])]


def test_a_one_column_page_whose_lines_repeat_one_pattern_is_not_split_at_its_aligned_commas() -> None:
    text = "\n".join(
        f"（{n}）加强第{n}项科普能力建设。推动科普基础设施共建共享，完善科普工作体系，"
        "提升公民科学素质，到2025年建成示范基地五个以上，每年开展科普活动不少于十次。"
        for n in "一二三四五六七八九十"
    )
    for dpi in (150, 200):
        page = scans.typeset(text, scans.PageSpec(dpi=dpi, columns=1))[0]
        grey = np.asarray(ocr._ink(scans.scanner(page, random.Random(1))))
        assert len(ocr.page_regions(grey)) == 1


def test_a_title_across_the_top_of_a_two_column_page_is_read_across_the_page() -> None:
    page = _page(columns=2, title="平顶山市全民科学素质行动工作要点")
    regions = ocr.page_regions(page)
    assert regions[0].side == "full" and regions[0].bottom > 110  # the title's band, whole
    assert [r.side for r in regions[1:3]] == ["left", "right"]
    crop, dx, dy = regions[1].crop(page)
    assert (dx, dy) == (0, regions[1].top)
    assert crop.shape[1] < page.shape[1] * 0.6  # the left column alone


def test_a_scanned_plan_pasted_twice_keeps_one_copy_though_the_copies_differ_by_misread_characters() -> None:
    text = scans.leading_paragraphs(sample_text("pingyin_2021_2025.txt"), 2500)
    second = text
    for right, misread in {"科普": "科昔", "推动": "推勤", "体系": "休系"}.items():
        second = second.replace(right, misread, 3)
    draft = parse_plan_text(text + "\n" + second)
    assert any("两遍" in w for w in draft.warnings)
    assert len(draft.tasks) == len(parse_plan_text(text).tasks)


def test_columns_found_in_the_pixels_are_read_left_then_right_under_the_page_wide_title() -> None:
    title = ocr.OcrLine("两栏排版的标题横跨整页宽度", 300, 150, 1300, 190, 0.95)
    # a left line reaching into the gutter must not be taken for a line across the page
    left = [
        ocr.OcrLine(f"左栏第{i}行", 200, 300 + 66 * i, 900, 340 + 66 * i, 0.95, column=1) for i in range(4)
    ]
    right = [
        ocr.OcrLine(f"右栏第{i}行", 850, 300 + 66 * i, 1440, 340 + 66 * i, 0.95, column=2) for i in range(4)
    ]
    page = layout.page_layout([*right, title, *left], PAGE_W, PAGE_H)
    text = "".join(p.text for p in page.paragraphs)
    assert text.index("标题") < text.index("左栏第0行") < text.index("左栏第3行") < text.index("右栏第0行")


def test_brackets_misread_as_ascii_are_made_full_width_so_the_unit_clause_is_read() -> None:
    tidied, dropped = ocr.tidy_paragraph("（一）实施青少年科学素质行动（牵头部门：市教育局、团市委、市科协).")
    assert tidied == "（一）实施青少年科学素质行动（牵头部门：市教育局、团市委、市科协）" and dropped == 0
    assert ocr.tidy_paragraph("见附件(2016—2020)")[0] == "见附件(2016—2020)"  # no Chinese inside: as read


def test_a_unit_clause_whose_closing_bracket_was_lost_is_closed() -> None:
    assert ocr.tidy_paragraph("开展活动。（责任单位：市科协、各县（市、区）")[0].endswith("各县（市、区））")
    assert ocr.tidy_paragraph("提高健康素养。（县卫生健康局、县科协按职责分工负责")[0].endswith("负责）")
    assert ocr.tidy_paragraph("加强（一）与（二）的衔接")[0] == "加强（一）与（二）的衔接"


def test_a_speck_read_as_punctuation_before_an_item_number_is_dropped_and_spans_shift() -> None:
    assert ocr.tidy_paragraph("：16.深入实施社区科普益民计划。") == ("16.深入实施社区科普益民计划。", 1)
    extraction = scan._assemble([layout.Paragraph("：16.深入实施计划。", [(4, 6)])])
    assert extraction.text == "16.深入实施计划。" and extraction.uncertain == [(3, 5)]


def test_a_paragraph_cut_after_an_enumeration_comma_goes_on_in_the_next() -> None:
    paragraphs = [
        layout.Paragraph("普及科学膳食、体育锻炼、", [(0, 2)]),
        layout.Paragraph("合理用药等知识。", [(2, 4)]),
        layout.Paragraph("3.实施银龄科普行动。", []),
    ]
    extraction = scan._assemble(paragraphs)
    assert extraction.text.split("\n") == ["普及科学膳食、体育锻炼、合理用药等知识。", "3.实施银龄科普行动。"]
    assert extraction.uncertain == [(0, 2), (14, 16)]


def test_a_numbered_item_after_a_sentence_end_opens_a_paragraph_though_its_indent_was_lost() -> None:
    lines = [
        full("1．提升应急科普能力。建立应急科普协调联系机制，坚持党委统一领导", 0, indent=2),
        full("，积极开展知识宣讲、技能培训、案例解读等应急科普宣教活动。", 1),
        full("2．提升基层科普能力。推动乡镇卫生院院长、农技站站长等进入基层", 2),
        full("科协领导班子。到2025年，力争超过20万人，其中不少于", 3),
        line("2.5万人为志愿者。", 200, 4),
    ]
    texts = [p.text for p in layout.page_layout(lines, PAGE_W, PAGE_H).paragraphs]
    assert len(texts) == 2
    assert texts[1].startswith("2．提升基层科普能力。") and texts[1].endswith("其中不少于2.5万人为志愿者。")


def test_a_photographed_pages_uneven_light_is_evened_out_but_a_scanners_page_is_kept() -> None:
    shade = np.tile(np.linspace(110, 250, 800, dtype=np.float32), (1000, 1))
    page = shade.copy()
    page[400:430, 100:700] *= 0.3  # a line of text in the shade and in the light
    evened = np.asarray(ocr._even_light(Image.fromarray(page.astype(np.uint8))))
    assert evened[200, 50] == 255 and evened[200, 750] == 255  # paper is white in the shade too
    assert evened[415, 120] < 100 and evened[415, 680] < 100  # the text stays dark
    flat = Image.fromarray(np.full((1000, 800), 235, dtype=np.uint8))
    assert ocr._even_light(flat) is flat


def _line_crop(text: str, speck_after: int | None = None) -> tuple[np.ndarray, list[int]]:
    """A recognised line's crop as the recogniser gets it (grey paper, padded box) and the step
    at which it read each character; a scanner's speck drawn after character ``speck_after``."""
    if scans.font_path() is None:
        pytest.skip("Noto CJK font missing: cannot typeset test lines")
    size = 39  # 14 pt at 200 dpi
    font = ImageFont.truetype(scans.font_path() or "", size, index=2)
    image = Image.new("L", (int(font.getlength(text)) + 20, 52), 235)
    draw = ImageDraw.Draw(image)
    draw.text((10, 6), text, font=font, fill=40)
    if speck_after is not None:  # on the baseline, where a decimal point would sit
        x = 10 + font.getlength(text[: speck_after + 1])
        draw.ellipse((x - 1, 38, x + 1, 40), fill=30)
    step = image.height / 48 * 8
    columns = [
        int((10 + (font.getlength(text[:i]) + font.getlength(text[: i + 1])) / 2) / step)
        for i in range(len(text))
    ]
    crop = np.repeat(np.asarray(image)[:, :, None], 3, axis=2)
    return crop, columns


def test_a_speck_between_two_digits_is_told_from_a_decimal_point_by_the_room_it_takes() -> None:
    # the recogniser read both as a point; only the real one stands between digits set apart
    crop, columns = _line_crop("知晓率达到90％以上", speck_after=5)
    read = "知晓率达到9.0％以上"
    columns = columns[:6] + [columns[5] + 1] + columns[6:]  # the speck, read between 9 and 0
    assert ocr._points_without_room(crop, read, columns) == frozenset({6})
    text, sure = ocr._normalise(read, [0.99] * len(read), frozenset({6}))
    assert text == "知晓率达到90％以上"
    assert ocr._unsure_runs(sure) == ((5, 7),)  # “90” marked for the office to check
    for real in ("水平达到7.0％的目标", "比例达到18.5％，城乡", "力争2.5万人"):
        crop, columns = _line_crop(real)
        assert ocr._points_without_room(crop, real, columns) == frozenset(), real


def test_the_last_page_of_a_two_column_plan_with_a_few_short_lines_on_the_right_is_read_by_column() -> None:
    if scans.font_path() is None:
        pytest.skip("Noto CJK font missing: cannot typeset test pages")
    spec = scans.PageSpec(dpi=150, columns=2)
    # a left column filled to the bottom, then a few short lines at the top of the right one
    body = _plan_text().replace("\n", "")
    rows = 28  # lines per column at 150 dpi
    left = body[: 13 + (rows - 1) * 15]  # one paragraph: an indented first line, then full lines
    short = ["众创新", "活动周、“创新驱动", "助力转型", "科技论坛", "等双创系列活动，"]
    page = scans.typeset("\n".join([left, *short]), spec)[0]
    assert len(scans.typeset("\n".join([left, *short]), spec)) == 1
    grey = np.asarray(ocr._ink(scans.scanner(page, random.Random(2))))
    regions = ocr.page_regions(grey)
    sides = [r.side for r in regions]
    assert sides.count("left") == 1 and sides.count("right") == 1
    (column,) = [r for r in regions if r.side == "left"]
    assert column.bottom > 0.85 * grey.shape[0]  # down to the left column's last line
    width = grey.shape[1]
    assert width * 0.4 < column.a + column.b * (column.top + column.bottom) / 2 < width * 0.6


def test_a_second_copy_whose_opening_lost_characters_is_cut_at_its_own_start() -> None:
    text = scans.leading_paragraphs(sample_text("pingyin_2021_2025.txt"), 2500).strip()
    opening = text.index("平阴县人民政府")
    # the copy's 文号 line read without its brackets, and a few characters misread further on
    second = text[:opening].replace("〔", "").replace("〕", "") + text[opening:]
    for right, misread in {"科普": "科昔", "推动": "推勤"}.items():
        second = second.replace(right, misread, 2)
    cleaned = clean.clean(text + "\n" + second[: len(second) // 2])
    assert any("两遍" in note for note in cleaned.notes)
    assert cleaned.text.rstrip().endswith(text[-30:])  # the first copy's last characters are kept


def test_a_dash_bullet_read_as_one_dash_gets_its_second_but_a_year_range_wrapped_does_not() -> None:
    blank = np.full((400, 1200), 235, dtype=np.uint8)  # no stroke in the pixels to look at
    half = ocr.OcrLine("—实施乡村振兴科技支撑行动", 200, 100, 800, 140, 0.99, ((3, 4),))
    restored = ocr._restore_dash(half, blank)
    assert restored.text == "——实施乡村振兴科技支撑行动" and restored.unsure == ((4, 5),)
    wrapped = ocr.OcrLine("—2035年）", 200, 200, 400, 240, 0.99)
    assert ocr._restore_dash(wrapped, blank).text == "—2035年）"


def test_a_dash_bullet_inside_the_box_with_specks_before_it_is_still_found_in_the_pixels() -> None:
    if scans.font_path() is None:
        pytest.skip("Noto CJK font missing: cannot typeset test lines")
    font = ImageFont.truetype(scans.font_path() or "", 39, index=2)
    image = Image.new("L", (900, 80), 235)
    draw = ImageDraw.Draw(image)
    draw.text((110, 15), "——大力加强科普基地建设。", font=font, fill=40)
    for x, y in ((92, 45), (101, 52), (118, 58)):  # a scanner's specks before and under the dash
        draw.ellipse((x, y, x + 2, y + 2), fill=30)
    grey = np.asarray(image)
    read = ocr.OcrLine(
        "，大力加强科普基地建设。", 110, 12, 110 + 13 * 39, 60, 0.95, ((0, 1),)
    )  # dash read as ，
    restored = ocr._restore_dash(read, grey)
    assert restored.text == "——大力加强科普基地建设。"

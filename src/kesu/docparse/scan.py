"""Scanned plans: pages of an image-only (or partly image) PDF, or JPG/PNG photos, read by OCR.

Images are checked before they are decoded: the header's size against ``MAX_PAGE_PIXELS``
(a decompression bomb declares a huge canvas in a few bytes), then a full decode (a truncated or
corrupt file fails here, in the request, before any job starts). PDF pages are rendered at
``RENDER_DPI`` with the long side capped, so a page of absurd dimensions cannot blow up memory.
Pages are recognised by ``ocr.workers()`` threads side by side (two on a 2-core server), in a
window of a few pages so a long scan is never held decoded at once; only their lines are kept.
"""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import layout, ocr
from .errors import CorruptDocumentError, CorruptImageError, EmptyDocumentError, ImageTooLargeError

if TYPE_CHECKING:
    from PIL import Image

MAX_PAGE_PIXELS = 50_000_000  # A4 at 600 dpi is 35 million; larger is a poster or a bomb
MAX_PAGES = 200
RENDER_DPI = 200
MAX_RENDER_SIDE = 2400
IMAGE_SUFFIXES = frozenset({"jpg", "jpeg", "png"})
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"

PageProgress = Callable[[int, int], None]  # pages done, pages in all


@dataclass
class Extraction:
    """The text a plan's parse works on, and where it came from."""

    text: str
    uncertain: list[tuple[int, int]] = field(default_factory=list)  # low-confidence OCR spans in ``text``
    notes: list[str] = field(default_factory=list)  # warnings for the draft
    pages: int = 0
    ocr_pages: int = 0
    blank_pages: list[int] = field(default_factory=list)  # 1-based


def sniff_image(data: bytes) -> str | None:
    if data.startswith(_PNG):
        return "png"
    if data.startswith(_JPEG):
        return "jpeg"
    return None


def open_image(data: bytes, label: str = "图片") -> Image.Image:
    """Decode a JPG/PNG page after checking its declared size; Chinese errors name the page."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(
            f"{label}的尺寸超过 {MAX_PAGE_PIXELS // 10_000} 万像素的上限（疑似恶意构造的图片），已拒绝读取。"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CorruptImageError(f"{label}不是有效的 JPG/PNG 图片，文件可能已损坏。") from exc
    width, height = image.size
    if width * height > MAX_PAGE_PIXELS:
        raise ImageTooLargeError(
            f"{label}的尺寸为 {width}×{height} 像素，超过 {MAX_PAGE_PIXELS // 10_000} 万像素的上限"
            "（可能是异常或恶意构造的图片），已拒绝读取。请以 300 dpi 以下重新扫描或拍摄。"
        )
    if image.format not in ("JPEG", "PNG"):
        raise CorruptImageError(f"{label}的格式为 {image.format}，请转换为 JPG 或 PNG 后再上传。")
    try:
        image.load()
    except Exception as exc:  # PIL raises OSError, SyntaxError, struct.error… on damaged data
        raise CorruptImageError(f"{label}已损坏或不完整，无法解码，请重新导出后再上传。") from exc
    return image


def read_images(files: Sequence[tuple[bytes, str]], progress: PageProgress | None = None) -> Extraction:
    """Photographed or scanned pages, in the order given."""
    if len(files) > MAX_PAGES:
        raise EmptyDocumentError(f"一次最多识别 {MAX_PAGES} 页图片，请拆分后再上传。")
    for index, (data, name) in enumerate(files, start=1):  # refuse bad pages before any OCR
        open_image(data, _label(index, name, len(files))).close()

    def pages() -> Iterator[Image.Image | str]:
        for index, (data, name) in enumerate(files, start=1):
            yield open_image(data, _label(index, name, len(files)))

    return _read(pages(), len(files), progress)


def _label(index: int, name: str, total: int) -> str:
    return f"第 {index} 页（{name}）" if total > 1 else f"图片“{name}”"


def read_pdf(data: bytes, page_texts: Sequence[str], progress: PageProgress | None = None) -> Extraction:
    """A PDF some of whose pages have no text layer: those are rendered and recognised."""
    import pypdfium2

    if len(page_texts) > MAX_PAGES:
        raise EmptyDocumentError(
            f"扫描件共 {len(page_texts)} 页，超过一次识别 {MAX_PAGES} 页的上限，请拆分后再上传。"
        )
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise CorruptDocumentError("PDF 文件已损坏，无法读取其中的页面图像。") from exc

    def pages() -> Iterator[Image.Image | str]:
        for index, text in enumerate(page_texts):
            if text:  # a text layer (or "\n" for an empty page): no OCR
                yield text
                continue
            page = document[index]
            width, height = page.get_size()
            scale = min(RENDER_DPI / 72, MAX_RENDER_SIDE / max(width, height, 1))
            bitmap = page.render(scale=scale, grayscale=True)
            # a copy: the page is read later by another thread, after pdfium's bitmap is gone
            yield bitmap.to_pil().copy()
            bitmap.close()
            page.close()

    try:
        return _read(pages(), len(page_texts), progress)
    finally:
        document.close()


PageLines = tuple[list[ocr.OcrLine], float, float]  # a recognised page: lines, width, height


def _read(pages: Iterator[Image.Image | str], total: int, progress: PageProgress | None) -> Extraction:
    recognised: list[tuple[int, list[ocr.OcrLine], float, float]] = []
    text_pages: dict[int, str] = {}
    for number, page in enumerate(_recognise_in_order(pages), start=1):
        if isinstance(page, str):
            text_pages[number] = page
        else:
            recognised.append((number, *page))
        if progress is not None:
            progress(number, total)
    running = layout.margin_texts([lines for _, lines, _, _ in recognised], [h for _, _, _, h in recognised])
    by_page: dict[int, list[layout.Paragraph]] = {}
    blank: list[int] = []
    for index, (number, lines, width, height) in enumerate(recognised):
        # the first page's top line is the plan's title, which running heads repeat: keep it there
        paragraphs = layout.page_layout(lines, width, height, running, first=index == 0).paragraphs
        if sum(len(p.text) for p in paragraphs) < 3:
            blank.append(number)
            paragraphs = []
        by_page[number] = paragraphs
    ordered: list[list[layout.Paragraph]] = []
    for number in range(1, total + 1):
        if number in text_pages:
            ordered.append([layout.Paragraph(text_pages[number], [], opens_indented=True)])
        else:
            ordered.append(by_page.get(number, []))
    extraction = _assemble(layout.join_pages(ordered))
    extraction.pages, extraction.ocr_pages, extraction.blank_pages = total, len(recognised), blank
    if not extraction.text.strip():
        raise EmptyDocumentError(
            "扫描件中没有识别出文字（页面空白或过于模糊），请以 200–300 dpi 重新扫描，或拍摄清晰、端正的照片后再上传。"
        )
    extraction.notes = _notes(extraction, total - len(recognised))
    return extraction


def _recognise_in_order(pages: Iterator[Image.Image | str]) -> Iterator[PageLines | str]:
    """Each page's lines (a text page as it is), in page order, recognised by a few threads at
    once. At most two pages per thread are decoded ahead, so memory stays flat on long scans."""
    count = ocr.workers()
    threads = 1 if count > 1 else None  # side by side, each page's inference on one core
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="ocr") as pool:
        pending: deque[Future[PageLines | str]] = deque()
        for page in pages:
            pending.append(pool.submit(_recognise_page, page, threads))
            if len(pending) >= 2 * count:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _recognise_page(page: Image.Image | str, threads: int | None) -> PageLines | str:
    if isinstance(page, str):
        return page
    try:
        return ocr.recognise(page, threads), float(page.width), float(page.height)
    finally:
        page.close()


# an item or heading opens the next paragraph: never a sentence's continuation
_OPENS_ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．、])"
)


def _rejoin(paragraphs: list[layout.Paragraph]) -> list[layout.Paragraph]:
    """A paragraph cut after “、” or “，” (a column's or page's last line taken for the end of a
    paragraph) goes on in the next one, unless that opens an item of its own."""
    joined: list[layout.Paragraph] = []
    for paragraph in paragraphs:
        last = joined[-1] if joined else None
        if last and last.text.endswith(("、", "，")) and not _OPENS_ITEM.match(paragraph.text):
            shift = len(last.text)
            last.text += paragraph.text
            last.uncertain = last.uncertain + [(s + shift, e + shift) for s, e in paragraph.uncertain]
            last.ends_full = paragraph.ends_full
            continue
        joined.append(paragraph)
    return joined


def _assemble(paragraphs: list[layout.Paragraph]) -> Extraction:
    paragraphs = _rejoin(paragraphs)
    parts: list[str] = []
    uncertain: list[tuple[int, int]] = []
    offset = 0
    for paragraph in paragraphs:
        text, dropped = ocr.tidy_paragraph(paragraph.text)
        parts.append(text)
        for start, end in paragraph.uncertain:
            start, end = max(0, start - dropped), min(len(text), end - dropped)
            if start < end:
                uncertain.append((offset + start, offset + end))
        offset += len(text) + 1
    return Extraction(text="\n".join(parts), uncertain=uncertain)


def _notes(extraction: Extraction, text_pages: int) -> list[str]:
    notes = []
    if text_pages:
        notes.append(
            f"文字由 OCR 识别：共 {extraction.pages} 页，其中 {text_pages} 页有文字层直接读取，"
            f"{extraction.ocr_pages} 页为图片已识别。"
        )
    else:
        notes.append(f"文字由 OCR 从扫描件识别（共 {extraction.pages} 页）。")
    if extraction.uncertain:
        notes.append(
            f"有 {len(extraction.uncertain)} 处文字识别把握不大，已在原文中标出，请对照原件核对后再发布。"
        )
    for number in extraction.blank_pages:
        notes.append(f"第 {number} 页没有识别出文字（空白页或无法辨认），请核对原件。")
    return notes

"""Test scans made from plan text at run time: pages typeset with Noto CJK, then degraded.

Styles (``STYLES``): ``scan`` (grey, slight skew, blur, speckle, as a flatbed scanner gives),
``twocol`` (the same on two-column pages), ``photo`` (a phone photo: perspective, uneven light,
JPEG). Every page has a running header (from page 2) and a page number (“— 3 —”) that the reader
must drop. Nothing is stored in the repository: callers render what they need.

    python -m kesu.docparse.tests.scans SEED.txt OUT.pdf [--dpi 200] [--style scan] [--pages N]
"""

from __future__ import annotations

import argparse
import io
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
STYLES = ("scan", "twocol", "photo")
A4_INCHES = (8.27, 11.69)


def font_path() -> str | None:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return None


@dataclass(frozen=True)
class PageSpec:
    dpi: int = 200
    columns: int = 1
    font_pt: float = 14.0
    header: str = ""


def _font(size_px: int) -> ImageFont.FreeTypeFont:
    path = font_path()
    if path is None:
        raise RuntimeError("Noto CJK font not installed (apt-get install fonts-noto-cjk)")
    return ImageFont.truetype(path, size_px, index=2)  # index 2 of the .ttc: the SC (简体) face


def _char_width(ch: str) -> float:
    return 0.5 if ord(ch) < 0x2E80 else 1.0


def _wrap(paragraph: str, per_line: float, indent: int) -> list[str]:
    """Cut a paragraph into lines of at most ``per_line`` full-width characters (first line indented)."""
    lines: list[str] = []
    line, width, limit = "", 0.0, per_line - indent
    for ch in paragraph:
        w = _char_width(ch)
        if width + w > limit and line:
            lines.append(line)
            line, width, limit = "", 0.0, per_line
        line += ch
        width += w
    if line:
        lines.append(line)
    return lines


def typeset(text: str, spec: PageSpec) -> list[Image.Image]:
    """White A4 pages (mode L) holding ``text``: paragraphs indented by two characters."""
    width_px, height_px = (round(side * spec.dpi) for side in A4_INCHES)
    size = round(spec.font_pt / 72 * spec.dpi)
    font, small = _font(size), _font(round(size * 0.75))
    margin_x, margin_top, margin_bottom = (
        round(width_px * 0.12),
        round(height_px * 0.1),
        round(height_px * 0.1),
    )
    gutter = size * 2
    column_width = (width_px - 2 * margin_x - gutter * (spec.columns - 1)) / spec.columns
    per_line = column_width // size
    line_height = round(size * 1.7)
    rows = (height_px - margin_top - margin_bottom) // line_height
    lines: list[tuple[str, int]] = []  # (text, indent in characters)
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip().replace("\u3000", "")
        if not paragraph:
            continue
        for i, line in enumerate(_wrap(paragraph, per_line, 2)):
            lines.append((line, 2 if i == 0 else 0))
    per_page = rows * spec.columns
    pages: list[Image.Image] = []
    for page_index, first in enumerate(range(0, len(lines), per_page)):
        page = Image.new("L", (width_px, height_px), 255)
        draw = ImageDraw.Draw(page)
        for slot, (line, indent) in enumerate(lines[first : first + per_page]):
            column, row = divmod(slot, rows)
            x = margin_x + column * (column_width + gutter) + indent * size
            draw.text((x, margin_top + row * line_height), line, font=font, fill=0)
        number = f"— {page_index + 1} —"
        draw.text((width_px / 2, height_px - margin_bottom / 2), number, font=small, fill=0, anchor="mm")
        if spec.header and page_index > 0:
            draw.text((width_px / 2, margin_top / 2), spec.header, font=small, fill=0, anchor="mm")
            draw.line((margin_x, margin_top * 0.7, width_px - margin_x, margin_top * 0.7), fill=0, width=2)
        pages.append(page)
    return pages


def scanner(page: Image.Image, rng: random.Random) -> Image.Image:
    """Grey paper, a slight skew, blur and speckle."""
    angle = rng.uniform(-1.2, 1.2)
    page = page.point(lambda v: 40 + v * 0.8)  # grey paper, dark-grey ink
    page = page.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=235)
    page = page.filter(ImageFilter.GaussianBlur(radius=page.width / 1654 * 0.9))
    return _speckle(page, rng, density=0.0015)


def photo(page: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of the page: perspective, light falling off to one corner, JPEG."""
    w, h = page.size
    page = _seal(page.convert("RGB"), rng)
    dx, dy = w * 0.05, h * 0.04
    # source quadrilateral: upper left, lower left, lower right, upper right
    corners = [
        (-rng.uniform(0, dx), -rng.uniform(0, dy)),
        (-rng.uniform(0, dx), h + rng.uniform(0, dy)),
        (w + rng.uniform(0, dx), h + rng.uniform(0, dy)),
        (w + rng.uniform(0, dx), -rng.uniform(0, dy)),
    ]
    page = page.transform(
        (w, h),
        Image.Transform.QUAD,
        [c for xy in corners for c in xy],
        resample=Image.Resampling.BILINEAR,
        fillcolor=(90, 90, 90),
    )
    page = page.filter(ImageFilter.GaussianBlur(radius=w / 1654 * 1.0))
    light = (
        Image.linear_gradient("L").resize((w, h)).rotate(rng.uniform(0, 360)).point(lambda v: 150 + v * 0.4)
    )
    page = Image.composite(page, Image.new("RGB", (w, h), (0, 0, 0)), light)  # paper darkens unevenly
    page = Image.eval(page, lambda v: min(255, round(v * 255 / 230)))
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, format="JPEG", quality=70)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _seal(page: Image.Image, rng: random.Random) -> Image.Image:
    """A red round seal (公章) stamped over the lower text of the page, translucent like ink."""
    w, h = page.size
    radius = w * 0.11
    cx, cy = w * rng.uniform(0.55, 0.7), h * rng.uniform(0.55, 0.75)
    stamp = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(stamp)
    red = (215, 40, 40)
    draw.ellipse(
        (cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=max(3, round(w / 250))
    )
    points = [
        (
            cx + radius * 0.35 * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
            cy - radius * 0.35 * math.sin(math.pi / 2 + k * 4 * math.pi / 5),
        )
        for k in range(5)
    ]
    draw.polygon(points, fill=red)
    size = round(radius * 0.28)
    label = "全民科学素质工作领导小组办公室"
    for k, ch in enumerate(label):
        angle = math.pi * (1.1 - 1.2 * k / (len(label) - 1))
        x, y = cx + radius * 0.75 * math.cos(angle), cy - radius * 0.75 * math.sin(angle)
        draw.text((x, y), ch, font=_font(size), fill=red, anchor="mm")
    return ImageChops.multiply(page, stamp)


def _speckle(page: Image.Image, rng: random.Random, density: float) -> Image.Image:
    draw = ImageDraw.Draw(page)
    w, h = page.size
    for _ in range(int(w * h * density / 20)):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.choice((1, 1, 2))
        draw.ellipse((x, y, x + r, y + r), fill=rng.choice((30, 60, 255)))
    return page


def scanned_pages(
    text: str,
    style: str = "scan",
    dpi: int = 200,
    seed: int = 0,
    max_pages: int | None = None,
    header: str = "",
) -> Iterator[Image.Image]:
    spec = PageSpec(dpi=dpi, columns=2 if style == "twocol" else 1, header=header)
    rng = random.Random(seed)
    for index, page in enumerate(typeset(text, spec)):
        if max_pages is not None and index >= max_pages:
            return
        yield photo(page, rng) if style == "photo" else scanner(page, rng)


def image_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    """An image-only PDF: one JPEG per page, no text layer."""
    buffer = io.BytesIO()
    first, *rest = [p if p.mode in ("L", "RGB") else p.convert("RGB") for p in pages]
    first.save(buffer, format="PDF", save_all=True, append_images=rest, resolution=float(dpi), quality=85)
    return buffer.getvalue()


def jpeg(page: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def leading_paragraphs(text: str, max_chars: int) -> str:
    """The first paragraphs of ``text`` up to about ``max_chars`` characters (small test scans)."""
    out, size = [], 0
    for paragraph in text.split("\n"):
        if size > max_chars:
            break
        out.append(paragraph)
        size += len(paragraph)
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("text")
    parser.add_argument("out")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--style", choices=STYLES, default="scan")
    parser.add_argument("--pages", type=int, default=None)
    args = parser.parse_args()
    text = Path(args.text).read_text(encoding="utf-8")
    pages = list(
        scanned_pages(text, args.style, args.dpi, max_pages=args.pages, header=text.split("\n")[0][:30])
    )
    Path(args.out).write_bytes(image_pdf(pages, args.dpi))
    print(f"{len(pages)} pages → {args.out} ({math.ceil(Path(args.out).stat().st_size / 1024)} KB)")


if __name__ == "__main__":
    main()

"""A real PDF with a Chinese text layer, written by hand (no PDF library needed).

The text uses the standard CJK font STSong-Light with the UniGB-UCS2-H encoding, which every PDF
reader, pdfminer included, knows without an embedded font: enough to test extraction end to end.
"""

from __future__ import annotations

PAGE_WIDTH, PAGE_HEIGHT = 595, 842
FONT_SIZE = 12
MARGIN = 60


def _lines(text: str, per_line: int) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        while paragraph:
            out.append(paragraph[:per_line])
            paragraph = paragraph[per_line:]
    return out


def _hex(line: str) -> str:
    return "".join(f"{ord(c):04X}" for c in line if ord(c) <= 0xFFFF)


def text_pdf(text: str, per_line: int = 38) -> bytes:
    """Lines of ``per_line`` characters, as many pages as needed."""
    lines = _lines(text, per_line)
    per_page = (PAGE_HEIGHT - 2 * MARGIN) // (FONT_SIZE + 6)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    streams = []
    for page in pages:
        ops = [f"BT /F1 {FONT_SIZE} Tf"]
        y = PAGE_HEIGHT - MARGIN
        for line in page:
            ops.append(f"1 0 0 1 {MARGIN} {y} Tm <{_hex(line)}> Tj")
            y -= FONT_SIZE + 6
        ops.append("ET")
        streams.append("\n".join(ops).encode("ascii"))
    return _assemble(streams, with_font=True)


def image_only_pdf() -> bytes:
    """One page that draws a grey box and has no text at all, like a scan."""
    return _assemble([b"0.5 g 100 100 300 300 re f"], with_font=False)


def _assemble(streams: list[bytes], with_font: bool) -> bytes:
    objects: list[bytes] = []
    n_pages = len(streams)
    first_page = 3
    font_id = first_page + 2 * n_pages
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    resources = f"/Resources << /Font << /F1 {font_id} 0 R >> >>" if with_font else "/Resources << >>"
    for i, stream in enumerate(streams):
        content_id = first_page + 2 * i + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] {resources} "
            f"/Contents {content_id} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    if with_font:
        objects.append(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
            f"/DescendantFonts [{font_id + 1} 0 R] >>".encode()
        )
        objects.append(
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
            b"/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
            b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 "
            b"/StemV 93 >> /DW 1000 >>"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)

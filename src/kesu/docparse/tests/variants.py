"""The seed plans in other clothes: docx, GB18030 bytes, and PDF-like wrapped text."""

from __future__ import annotations

import io
import re

import docx


def as_docx(text: str) -> bytes:
    """One Word paragraph per line, as a converter would produce."""
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def as_gb18030(text: str) -> bytes:
    return text.encode("gb18030")


def _display_width(ch: str) -> float:
    return 0.5 if ch < "\u0080" else 1.0


def wrapped_like_pdf(text: str, width: int = 35) -> str:
    """Lines cut at the page width, spaces around numbers, no blank lines: what PDF extraction gives."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = re.sub(r"(\d+(?:\.\d+)?)", r" \1 ", paragraph.strip()).strip()
        if not paragraph:
            continue
        line = ""
        used = 0.0
        for ch in paragraph:
            if used + _display_width(ch) > width:
                out.append(line)
                line, used = "", 0.0
            line += ch
            used += _display_width(ch)
        if line:
            out.append(line)
    return "\n".join(out)

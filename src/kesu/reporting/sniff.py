"""What an evidence file really is, read from its first bytes (magic numbers), never its name."""

from __future__ import annotations

import io
import zipfile

ALLOWED_LABEL = "图片（JPG、PNG、GIF、WEBP）、PDF、Word（docx）或 Excel（xlsx）"


def sniff(data: bytes) -> str | None:
    """'jpg', 'png', 'gif', 'webp', 'pdf', 'docx', 'xlsx', or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return None


def _office_kind(data: bytes) -> str | None:
    """A docx or xlsx is a zip whose content types name the main part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None

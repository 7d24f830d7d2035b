"""What an evidence file really is, read from its first bytes (magic numbers), never its name."""

from __future__ import annotations

import io
import zipfile

ALLOWED_LABEL = (
    "图片（JPG、PNG、GIF、WEBP）、PDF、Word（doc、docx、wps）、Excel（xls、xlsx）、"
    "PowerPoint（ppt、pptx）、zip 压缩包或 MP4 视频"
)

# Kinds a browser shows by itself: the reviewer sees these inline (thumbnail, embedded PDF).
INLINE_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
}
IMAGE_KINDS = frozenset({"jpg", "png", "gif", "webp"})

_PROGRAMS = (".exe", ".bat", ".cmd", ".com", ".scr", ".js", ".vbs", ".msi", ".ps1", ".dll", ".lnk")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names inside an OLE2 compound file (doc, wps, xls, ppt), as the directory stores them: UTF-16LE.
_OLE_STREAMS = (
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)


def sniff(data: bytes, filename: str = "") -> str | None:
    """'jpg', 'png', 'gif', 'webp', 'pdf', 'doc', 'wps', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'zip',
    'mp4', or None for anything else. ``filename`` only tells a WPS document from a Word 97 one:
    their content is the same format."""
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
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        kind = _ole_kind(data)
        if kind == "doc" and filename.lower().endswith(".wps"):
            return "wps"
        return kind
    if data[4:8] == b"ftyp" and data[8:12] in (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V "):
        return "mp4"
    return None


def _zip_kind(data: bytes) -> str | None:
    """A docx, xlsx or pptx is a zip whose content types name the main part; any other zip is a zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if any(name.lower().endswith(_PROGRAMS) for name in names):
        return None  # a program inside an archive is no evidence, and a risk to whoever opens it
    if "[Content_Types].xml" not in names:
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return "zip"


def _ole_kind(data: bytes) -> str | None:
    """Which Office 97 document an OLE2 file holds, from the stream names in its directory."""
    for stream, kind in _OLE_STREAMS:
        if stream.encode("utf-16-le") in data:
            return kind
    return None

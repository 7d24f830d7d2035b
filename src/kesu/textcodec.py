"""Decoding the text files Chinese offices produce. Plain Python, shared by every importer.

Excel and Notepad on Chinese Windows save CSV and text as GBK; newer tools save UTF-8, often with
a BOM. GB18030 is a superset of GBK, so trying UTF-8 then GB18030 reads both without guessing.
"""

from __future__ import annotations


def decode_chinese_text(data: bytes) -> str | None:
    """The text of ``data`` as UTF-8 (with or without BOM) or GB18030/GBK; None if it is neither.

    Callers raise their own error, worded for what the user was uploading.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None

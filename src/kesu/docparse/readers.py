"""Bytes of an uploaded plan → plain text: txt (UTF-8 / GB18030), docx, pdf, and doc/wps via LibreOffice."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import PurePath

from charset_normalizer import from_bytes

from kesu.textcodec import decode_chinese_text

from . import docx_text, pdf_tables, scan
from .errors import (
    ConversionFailedError,
    ConverterMissingError,
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    FileTooLargeError,
    TextEncodingError,
    UnsupportedFileTypeError,
    ZipBombError,
)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# A docx is a zip: refuse members that would expand past these before reading any of them.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 150
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONVERT_TIMEOUT_SECONDS = 120


def read_document(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of an uploaded plan. Raises PlanReadError subclasses with a Chinese message."""
    return extract_document(data, filename, max_bytes=max_bytes).text


def extract_document(
    data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES, progress: scan.PageProgress | None = None
) -> scan.Extraction:
    """The text of an uploaded plan with what OCR was unsure of (scans and photos); ``progress``
    hears of each page of a scan."""
    if len(data) > max_bytes:
        raise FileTooLargeError(
            f"文件大小为 {_megabytes(len(data))}，超过了 {_megabytes(max_bytes)} 的上限，请压缩或拆分后再上传。"
        )
    if not data.strip():
        raise EmptyDocumentError("文件是空的，没有可读取的内容。")
    kind = _kind(data, filename)
    if kind == "image":
        return scan.read_images([(data, PurePath(filename or "图片").name)], progress)
    if kind == "txt":
        text = _decode_text(data)
    elif kind == "docx":
        text = _read_docx(data)
    elif kind == "pdf":
        page_texts = _pdf_page_texts(data)
        if "" in page_texts:  # scanned pages: recognised by OCR
            return scan.read_pdf(data, page_texts, progress)
        text = "\n".join(page_texts)
    else:
        text = _read_docx(_convert_to_docx(data, kind))
    if not text.strip():
        raise EmptyDocumentError("文件中没有可读取的文字内容。")
    return scan.Extraction(text=text)


def needs_ocr(data: bytes, filename: str) -> bool:
    """Whether reading this upload means OCR (a JPG/PNG, or a PDF with pages that are only images):
    long work for a background job. Damaged files raise PlanReadError here, in the request."""
    kind = _kind(data, filename)
    if kind == "image":
        return True
    return kind == "pdf" and "" in _pdf_page_texts(data)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _kind(data: bytes, filename: str) -> str:
    """The document type from the name, checked against the leading bytes."""
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    sniffed = _sniff(data)
    if suffix in {"txt", "text"}:
        return "txt"
    if suffix == "docx":
        if data.startswith(_OLE_MAGIC):
            raise EncryptedDocumentError("该 docx 文件设有密码（已加密），请去除密码后再上传。")
        if sniffed != "zip":
            raise CorruptDocumentError("文件扩展名是 docx，但内容不是有效的 Word 文档，文件可能已损坏。")
        return "docx"
    if suffix == "pdf":
        if sniffed != "pdf":
            raise CorruptDocumentError("文件扩展名是 pdf，但内容不是有效的 PDF，文件可能已损坏。")
        return "pdf"
    if suffix in {"doc", "wps"}:
        return suffix
    if suffix in scan.IMAGE_SUFFIXES:
        if scan.sniff_image(data) is None:
            raise CorruptDocumentError(
                f"文件扩展名是 {suffix}，但内容不是有效的 JPG/PNG 图片，文件可能已损坏。"
            )
        return "image"
    if not suffix:
        if scan.sniff_image(data) is not None:
            return "image"
        if sniffed == "pdf":
            return "pdf"
        if sniffed == "zip":
            return "docx"
        if sniffed == "ole":
            return "doc"
        if sniffed == "text":
            return "txt"
    raise UnsupportedFileTypeError(
        f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 txt、docx、pdf（含扫描件）、doc、wps 文件，或 JPG/PNG 图片。"
    )


def _sniff(data: bytes) -> str:
    head = data[:8]
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if b"\x00" not in data[:4096] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "text"
    return "binary"


# --- txt ------------------------------------------------------------------------------------


def _decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK; else the best statistical guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    text = decode_chinese_text(data)
    if text is not None:
        return text
    best = from_bytes(data).best()
    if best is None:
        raise TextEncodingError("无法识别文本文件的编码，请另存为 UTF-8 或 GB18030 编码后再上传。")
    return str(best)


# --- docx -----------------------------------------------------------------------------------


def _read_docx(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CorruptDocumentError("Word 文档已损坏，无法打开（不是有效的 docx 压缩包）。") from exc
    with archive:
        _check_members(archive)
        try:
            return docx_text.extract(archive)
        except KeyError as exc:
            raise CorruptDocumentError("Word 文档缺少正文（word/document.xml），文件可能已损坏。") from exc
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise CorruptDocumentError("Word 文档已损坏，无法读取其中的内容。") from exc


def _check_members(archive: zipfile.ZipFile) -> None:
    total = 0
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise EncryptedDocumentError("该 docx 文件设有密码（已加密），请去除密码后再上传。")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED_BYTES or (
            info.file_size > 10 * 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO
        ):
            raise ZipBombError("该 docx 文件解压后体积异常（疑似压缩炸弹），已拒绝读取。")
    if "word/document.xml" not in archive.namelist():
        if "EncryptionInfo" in archive.namelist():
            raise EncryptedDocumentError("该 docx 文件设有密码（已加密），请去除密码后再上传。")
        raise CorruptDocumentError("Word 文档缺少正文（word/document.xml），文件可能已损坏。")


# --- pdf ------------------------------------------------------------------------------------


def _pdf_page_texts(data: bytes) -> list[str]:
    """The text layer of each page; an empty string for a page drawn without text (a scan)."""
    import pdfplumber  # imported here: it is slow to import and only PDFs need it
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    pages: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                text = pdf_tables.page_text(page)
                if not text.strip():  # drawn (a scan, text as curves) → "" to recognise; empty → skipped
                    text = "" if page.objects else "\n"
                pages.append(text)
    except PDFPasswordIncorrect as exc:
        raise EncryptedDocumentError("该 PDF 文件设有密码，请去除密码后再上传。") from exc
    except PDFSyntaxError as exc:
        raise CorruptDocumentError("PDF 文件已损坏，无法读取。") from exc
    except Exception as exc:  # pdfminer raises many ad-hoc types on damaged files
        if "password" in str(exc).lower() or "encrypt" in type(exc).__name__.lower():
            raise EncryptedDocumentError("该 PDF 文件设有密码，请去除密码后再上传。") from exc
        raise CorruptDocumentError("PDF 文件已损坏，无法读取。") from exc
    if not pages:
        raise EmptyDocumentError("PDF 文件中没有任何页面。")
    return pages


# --- doc / wps ------------------------------------------------------------------------------


def _convert_to_docx(data: bytes, kind: str) -> bytes:
    """Convert .doc/.wps with ``soffice --headless --convert-to docx`` in a private directory."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise ConverterMissingError(
            f"读取 .{kind} 文件需要安装 LibreOffice（soffice），服务器上未找到，请另存为 docx 后再上传。"
        )
    with tempfile.TemporaryDirectory(prefix="kesu-docparse-") as workdir:
        source = os.path.join(workdir, f"plan.{kind}")
        with open(source, "wb") as handle:
            handle.write(data)
        profile = "file://" + os.path.join(workdir, "profile")
        try:
            subprocess.run(
                [
                    office,
                    f"-env:UserInstallation={profile}",
                    "--headless",
                    "--convert-to",
                    "docx",
                    "--outdir",
                    workdir,
                    source,
                ],
                check=False,
                capture_output=True,
                timeout=_CONVERT_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired as exc:
            raise ConversionFailedError(f"LibreOffice 转换 .{kind} 文件超时，文件可能已损坏。") from exc
        target = os.path.join(workdir, "plan.docx")
        if not os.path.exists(target):
            raise ConversionFailedError(f"LibreOffice 无法转换该 .{kind} 文件，文件可能已损坏或设有密码。")
        with open(target, "rb") as handle:
            return handle.read()

"""Uploads we cannot use are refused with a clear Chinese message, each by its own error type."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kesu.docparse import PlanReadError, errors, parse_plan_bytes, parse_plan_text, read_document
from kesu.docparse.readers import MAX_UNCOMPRESSED_BYTES

from .pdf_maker import image_only_pdf
from .variants import as_docx


def _is_chinese(message: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in message) and "\n" not in message


def test_an_empty_file_is_refused_as_empty() -> None:
    with pytest.raises(errors.EmptyDocumentError) as caught:
        read_document(b"", "plan.txt")
    assert "空" in caught.value.message


def test_a_file_of_blank_lines_is_refused_as_empty() -> None:
    with pytest.raises(errors.EmptyDocumentError):
        read_document(b" \n\r\n\t\n", "plan.txt")


def test_an_image_only_pdf_without_any_text_on_its_page_is_refused_as_blank() -> None:
    with pytest.raises(errors.EmptyDocumentError) as caught:
        read_document(image_only_pdf(), "scan.pdf")
    assert "没有识别出文字" in caught.value.message


def test_a_corrupt_docx_is_refused_as_damaged() -> None:
    with pytest.raises(errors.CorruptDocumentError) as caught:
        read_document(b"PK\x03\x04 this is not really a zip archive", "plan.docx")
    assert "损坏" in caught.value.message


def test_a_docx_without_a_document_part_is_refused_as_damaged() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(errors.CorruptDocumentError):
        read_document(buffer.getvalue(), "plan.docx")


def test_a_password_protected_docx_is_refused_as_encrypted() -> None:
    # Word stores an encrypted docx as an OLE compound file, not as a zip
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    with pytest.raises(errors.EncryptedDocumentError) as caught:
        read_document(ole, "plan.docx")
    assert "密码" in caught.value.message


def test_a_zip_bomb_docx_is_refused_before_anything_is_decompressed() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        # far more than the limit once inflated, a few hundred kilobytes as stored
        chunk = b"\0" * (16 * 1024 * 1024)
        with archive.open("word/media/bomb.bin", "w", force_zip64=True) as member:
            for _ in range(MAX_UNCOMPRESSED_BYTES // len(chunk) + 2):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(errors.ZipBombError) as caught:
        read_document(data, "plan.docx")
    assert "压缩炸弹" in caught.value.message


def test_a_file_over_the_size_limit_is_refused_naming_the_limit() -> None:
    with pytest.raises(errors.FileTooLargeError) as caught:
        read_document("一、总体要求\n".encode() * 100, "plan.txt", max_bytes=1024)
    assert "上限" in caught.value.message


def test_the_default_size_limit_is_fifty_megabytes() -> None:
    with pytest.raises(errors.FileTooLargeError):
        read_document(b"a" * (50 * 1024 * 1024 + 1), "plan.txt")


def test_a_document_without_numbered_sections_is_refused_saying_so() -> None:
    with pytest.raises(errors.NoSectionsError) as caught:
        parse_plan_text("这是一段没有任何编号标题的文字。\n只有两段而已。")
    assert "章节" in caught.value.message


def test_an_unknown_file_type_is_refused_listing_the_accepted_types() -> None:
    with pytest.raises(errors.UnsupportedFileTypeError) as caught:
        read_document(b"BM\x00\x00\x00\x00", "photo.bmp")
    assert "docx" in caught.value.message and "pdf" in caught.value.message


def test_a_pdf_name_on_other_bytes_is_refused_as_damaged() -> None:
    with pytest.raises(errors.CorruptDocumentError):
        read_document(b"just some text", "plan.pdf")


def test_a_doc_file_needs_libreoffice_and_says_so_when_it_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(errors.ConverterMissingError) as caught:
        read_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "plan.doc")
    assert "LibreOffice" in caught.value.message


def test_every_error_is_a_plan_read_error_with_a_one_line_chinese_message() -> None:
    cases = [
        lambda: read_document(b"", "a.txt"),
        lambda: read_document(image_only_pdf(), "a.pdf"),
        lambda: read_document(b"PK\x03\x04 broken", "a.docx"),
        lambda: read_document(b"x" * 10, "a.xls"),
        lambda: parse_plan_bytes("没有章节的文字。".encode(), "a.txt"),
    ]
    for case in cases:
        with pytest.raises(PlanReadError) as caught:
            case()
        assert _is_chinese(caught.value.message), caught.value.message


def _run_cli(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kesu.docparse", str(path)], capture_output=True, text=True, check=False
    )


def test_the_command_prints_one_json_object_and_exits_zero(tmp_path: Path) -> None:
    import json

    plan = tmp_path / "plan.docx"
    plan.write_bytes(
        as_docx("某县全民科学素质行动实施方案\n一、重点任务\n（一）加强组织领导。各单位要落实责任。")
    )
    result = _run_cli(plan)
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["tasks"][0]["title"] == "加强组织领导"


def test_the_command_exits_nonzero_with_one_chinese_line_for_an_unreadable_file(tmp_path: Path) -> None:
    plan = tmp_path / "empty.txt"
    plan.write_bytes(b"")
    result = _run_cli(plan)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and _is_chinese(result.stderr.strip())


def test_the_command_reports_a_missing_file_in_chinese(tmp_path: Path) -> None:
    result = _run_cli(tmp_path / "nowhere.txt")
    assert result.returncode == 2 and "找不到文件" in result.stderr

"""The seed plans saved by a real office suite as .doc, .wps-named .doc and PDF, then parsed back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kesu.docparse import parse_plan_bytes

from .conftest import SEEDS, assert_meets_thresholds, sample_text, score
from .variants import as_docx

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice 未安装（scripts/setup.sh 会用 apt 安装）"
)


def office_export(docx_bytes: bytes, target: str, tmp_path: Path) -> bytes:
    """Save a docx as ``target`` (doc, pdf) with LibreOffice, as an office clerk would."""
    source = tmp_path / "plan.docx"
    source.write_bytes(docx_bytes)
    profile = tmp_path / "profile"
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (tmp_path / f"plan.{target.split(':')[0]}").read_bytes()


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_saved_as_word_97_doc_meets_the_thresholds(name: str, tmp_path: Path) -> None:
    doc = office_export(as_docx(sample_text(name)), "doc", tmp_path)
    assert doc[:4] == b"\xd0\xcf\x11\xe0"  # an OLE compound file, as Word 97-2003 writes
    draft = parse_plan_bytes(doc, name.replace(".txt", ".doc"))
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


def test_a_wps_file_is_converted_the_same_way(tmp_path: Path) -> None:
    name = "pingyin_2021_2025.txt"
    doc = office_export(as_docx(sample_text(name)), "doc", tmp_path)
    draft = parse_plan_bytes(doc, "平阴县方案.wps")
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_printed_to_pdf_by_libreoffice_meets_the_thresholds(name: str, tmp_path: Path) -> None:
    pdf = office_export(as_docx(sample_text(name)), "pdf", tmp_path)
    draft = parse_plan_bytes(pdf, name.replace(".txt", ".pdf"))
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))

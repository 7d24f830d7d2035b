"""File answers every app gives the same way: a download whose Chinese name survives every browser,
and a Word document offered as PDF when the server has LibreOffice (certificates, 证明)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
_CONVERT_TIMEOUT_SECONDS = 90


def attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """A download whose Chinese name survives every browser (RFC 5987)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def word_or_pdf(request: HttpRequest, document: bytes, name: str) -> HttpResponse:
    """``name``.docx, or ``name``.pdf when the page asked for ``?format=pdf`` and LibreOffice could
    make it (else the Word file, with a message saying why)."""
    if request.GET.get("format") == "pdf":
        pdf = docx_to_pdf(document)
        if pdf is not None:
            return attachment(pdf, f"{name}.pdf", PDF_TYPE)
        messages.info(request, "服务器未安装 LibreOffice，已改为下载 Word 版")
    return attachment(document, f"{name}.docx", DOCX_TYPE)


def docx_to_pdf(docx: bytes) -> bytes | None:
    """The document as PDF through ``soffice --headless`` in a private directory and profile; None
    when LibreOffice is missing, fails or takes longer than 90 s."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return None
    with tempfile.TemporaryDirectory(prefix="kesu-pdf-") as workdir:
        source = os.path.join(workdir, "document.docx")
        with open(source, "wb") as handle:
            handle.write(docx)
        profile = "file://" + os.path.join(workdir, "profile")
        command = [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
        try:
            subprocess.run(
                [*command, "--outdir", workdir, source],
                check=False,
                capture_output=True,
                timeout=_CONVERT_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return None
        target = os.path.join(workdir, "document.pdf")
        if not os.path.exists(target):
            return None
        with open(target, "rb") as handle:
            return handle.read()

"""The 认定证书: a Word document filled from a template, and a PDF of it when LibreOffice is installed.

A template is a .docx with placeholders in double braces (``{{名称}}``, ``{{证书编号}}`` …, listed in
``PLACEHOLDERS``). An office may upload its own per region (``CertificateTemplate``); an application's
certificate uses the template of the batch's region or of the nearest region above it that has one,
else the built-in one (``builtin_template``, made here in Reporting's document habits: A4, 宋体 body).
A placeholder Word split over several runs (as it does after an edit) is still found: each paragraph
is filled across its runs, the text keeping the formatting of the run the placeholder starts in.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from kesu.reporting.documents import _bytes, _new_document, _run
from kesu.text import printable
from kesu.venues.models import Application, CertificateTemplate

__all__ = [
    "PLACEHOLDERS",
    "TemplateProblem",
    "builtin_template",
    "certificate_docx",
    "check_template",
    "fill_docx",
    "template_for",
]

# Placeholder → what it is filled with (shown on the template page).
PLACEHOLDERS = {
    "名称": "基地名称，如：平顶山市科技馆",
    "级别": "认定级别，如：市级",
    "体系": "认定体系，如：科协",
    "批次": "批次，如：2025年度",
    "证书编号": "证书编号，如：PDS-2025-001",
    "文号": "认定文号，如：平科协〔2025〕12号",
    "有效期": "有效期，如：2025年至2029年",
    "有效期起": "有效期起始年，如：2025",
    "有效期止": "有效期截止年，如：2029",
    "认定日期": "认定日期，如：2025年4月18日",
    "发证单位": "发证单位，如：平顶山市全民科学素质工作领导小组办公室",
}
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]{1,20})\s*\}\}")
TEMPLATE_MAX_BYTES = 10 * 1024 * 1024
TEMPLATE_MAX_UNPACKED = 60 * 1024 * 1024


class TemplateProblem(ValueError):
    """An uploaded template the certificate cannot be made from, in words the office reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def fields_of(application: Application) -> dict[str, str]:
    batch = application.batch
    return {
        "名称": application.name,
        "级别": str(batch.get_level_display()),
        "体系": str(batch.get_system_display()),
        "批次": batch.label,
        "证书编号": application.certificate_number,
        "文号": application.doc_number,
        "有效期": f"{batch.start_year}年至{batch.end_year}年",
        "有效期起": str(batch.start_year),
        "有效期止": str(batch.end_year),
        "认定日期": f"{application.certified_on:%Y年%-m月%-d日}" if application.certified_on else "",
        "发证单位": f"{batch.region.name}全民科学素质工作领导小组办公室",
    }


# ---- the built-in template ----------------------------------------------------------------------

BUILTIN_LINES = (
    "{{名称}}：",
    "经申报、推荐单位审核、形式审查、专家评审和社会公示，你单位被认定为{{级别}}{{体系}}科普教育基地"
    "（{{批次}}），有效期{{有效期}}。",
    "特发此证。",
)


def builtin_template() -> bytes:
    """The certificate Kesu ships, with the same placeholders an office's own template uses (it is
    also the sample offered for download)."""
    document = _new_document("科普教育基地认定证书")
    section = document.sections[0]
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.orientation = WD_ORIENT.LANDSCAPE
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(number, "证书编号：{{证书编号}}", size=11)
    for line in BUILTIN_LINES:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(12)
        _run(paragraph, line, size=16)
    for line in ("{{发证单位}}", "{{认定日期}}", "（{{文号}}）"):
        signature = document.add_paragraph()
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signature.paragraph_format.first_line_indent = 0
        _run(signature, line, size=14)
    return _bytes(document)


# ---- filling a template -------------------------------------------------------------------------


def _paragraphs(document: DocxDocument) -> Iterator[Paragraph]:
    """Every paragraph: body, tables, text boxes, headers and footers."""
    parts = [document.element.body]
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if not part.is_linked_to_previous:
                parts.append(part._element)
    for root in parts:
        for element in root.iter(qn("w:p")):
            yield Paragraph(element, None)  # type: ignore[arg-type]


def _fill_paragraph(paragraph: Paragraph, values: dict[str, str]) -> None:
    """Replace each known placeholder across the runs it spans; unknown ones stay visible."""
    position = 0
    while True:
        runs = paragraph.runs
        texts = [run.text for run in runs]
        match = PLACEHOLDER.search("".join(texts), position)
        if match is None:
            return
        name = match.group(1)
        if name not in values:
            position = match.end()
            continue
        value = printable(values[name])
        starts, offset = [], 0
        for text in texts:
            starts.append(offset)
            offset += len(text)
        first = max(i for i, s in enumerate(starts) if s <= match.start() and texts[i])
        last = max(i for i, s in enumerate(starts) if s < match.end() and texts[i])
        head = texts[first][: match.start() - starts[first]]
        tail = texts[last][match.end() - starts[last] :]
        if first == last:
            runs[first].text = head + value + tail
        else:
            runs[first].text = head + value
            for middle in runs[first + 1 : last]:
                middle.text = ""
            runs[last].text = tail
        position = match.start() + len(value)


def placeholders_in(document: DocxDocument) -> list[str]:
    found: list[str] = []
    for paragraph in _paragraphs(document):
        for name in PLACEHOLDER.findall("".join(run.text for run in paragraph.runs)):
            if name not in found:
                found.append(name)
    return found


def fill_docx(template: bytes, values: dict[str, str]) -> bytes:
    document = Document(io.BytesIO(template))
    for paragraph in _paragraphs(document):
        if "{{" in paragraph.text:
            _fill_paragraph(paragraph, values)
    return _bytes(document)


def check_template(data: bytes, filename: str) -> list[str]:
    """The placeholders of an uploaded template, or TemplateProblem saying what is wrong with it."""
    if not filename.lower().endswith(".docx"):
        raise TemplateProblem("证书模板须为 Word 文档（.docx）；.doc 或 WPS 文件请先另存为 .docx")
    if len(data) > TEMPLATE_MAX_BYTES:
        raise TemplateProblem(f"证书模板超过 {TEMPLATE_MAX_BYTES // 1024 // 1024} MB，请删去大图片后再上传")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > TEMPLATE_MAX_UNPACKED:
                raise TemplateProblem("证书模板解压后过大，请删去大图片后再上传")
            if "word/document.xml" not in archive.namelist():
                raise TemplateProblem(
                    "文件不是有效的 Word（.docx）文档，请用 Word 或 WPS 另存为 .docx 后再上传"
                )
        document = Document(io.BytesIO(data))
    except TemplateProblem:
        raise
    except Exception as error:  # noqa: BLE001  (python-docx raises many kinds on a broken file)
        raise TemplateProblem(
            "文件已损坏或不是 Word（.docx）文档，请用 Word 或 WPS 另存为 .docx 后再上传"
        ) from error
    found = placeholders_in(document)
    unknown = [name for name in found if name not in PLACEHOLDERS]
    if unknown:
        names = "、".join("{{" + name + "}}" for name in unknown)
        raise TemplateProblem(f"模板中的 {names} 不是可用的占位符，请对照页面上的列表修改")
    if not found:
        raise TemplateProblem("模板中没有找到占位符，请在证书上要填写的位置写上 {{名称}}、{{证书编号}} 等")
    return found


def template_for(application: Application) -> CertificateTemplate | None:
    """The office's own template of the batch's region, or of the nearest region above it."""
    region = application.batch.region
    paths = [r.path for r in region.ancestors(include_self=True)]
    templates = {t.region.path: t for t in CertificateTemplate.objects.filter(region__path__in=paths)}
    return next((templates[path] for path in reversed(paths) if path in templates), None)


def certificate_docx(application: Application) -> bytes:
    own = template_for(application)
    template = own.read() if own is not None else None
    return fill_docx(template or builtin_template(), fields_of(application))

"""Plan documents (实施方案, 工作要点) to plan drafts: plain Python, no Django.

>>> draft = parse_plan_bytes(data, "方案.docx")
>>> draft.to_json_dict()["tasks"][0]["lead_units"]
"""

from __future__ import annotations

from .errors import PlanReadError
from .groups import key_groups
from .model import PlanDraft, Section, Task
from .ocr_units import repair_units
from .parser import parse_plan_text
from .readers import DEFAULT_MAX_BYTES, extract_document, needs_ocr, read_document
from .scan import Extraction, PageProgress, read_images
from .targets import Target

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PlanDraft",
    "PlanReadError",
    "Section",
    "Target",
    "Task",
    "Extraction",
    "PageProgress",
    "extract_document",
    "key_groups",
    "needs_ocr",
    "parse_extraction",
    "parse_plan_bytes",
    "parse_plan_text",
    "read_document",
    "read_images",
]


def parse_plan_bytes(
    data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES, progress: PageProgress | None = None
) -> PlanDraft:
    """Read an uploaded file and parse it; raises PlanReadError subclasses with Chinese messages.
    Scans are read by OCR (``progress`` hears of each page)."""
    return parse_extraction(extract_document(data, filename, max_bytes=max_bytes, progress=progress))


def parse_extraction(extraction: Extraction) -> PlanDraft:
    """Parse extracted text; OCR's notes lead the warnings and its unsure spans come along."""
    # A NUL (a stray byte in a .txt, an unmapped glyph in a PDF) is no text, and PostgreSQL refuses it.
    draft = parse_plan_text(extraction.text.replace("\x00", ""))
    draft.warnings = [*extraction.notes, *draft.warnings]
    draft.uncertain_spans = list(extraction.uncertain)
    if extraction.ocr_pages:  # recognised text: unit names run together or misread
        repair_units(draft)
    return draft

"""Plan documents (实施方案, 工作要点) to plan drafts: plain Python, no Django.

>>> draft = parse_plan_bytes(data, "方案.docx")
>>> draft.to_json_dict()["tasks"][0]["lead_units"]
"""

from __future__ import annotations

from .errors import PlanReadError
from .groups import key_groups
from .model import PlanDraft, Section, Task
from .parser import parse_plan_text
from .readers import DEFAULT_MAX_BYTES, read_document
from .targets import Target

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PlanDraft",
    "PlanReadError",
    "Section",
    "Target",
    "Task",
    "key_groups",
    "parse_plan_bytes",
    "parse_plan_text",
    "read_document",
]


def parse_plan_bytes(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> PlanDraft:
    """Read an uploaded file and parse it; raises PlanReadError subclasses with Chinese messages."""
    return parse_plan_text(read_document(data, filename, max_bytes=max_bytes))

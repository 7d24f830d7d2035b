"""Reporting pages, one module per part of the office's loop (the banners the single file had):
``todo`` (to-do, messages), ``cycles`` (cycles, status board), ``reports`` (a unit's report),
``review`` (review, reopening), ``entries`` (a task's entry, evidence), ``notices`` (督办) and
``assessments`` (考核). ``urls.py`` names the views through this package."""

from kesu.reporting.views.assessments import scheme_detail, scheme_list, score_judge
from kesu.reporting.views.cycles import cycle_board, cycle_list, cycle_summary
from kesu.reporting.views.entries import (
    entry_autosave,
    entry_detail,
    evidence_delete,
    evidence_file,
    evidence_upload,
    task_history,
)
from kesu.reporting.views.notices import (
    notice_attachment,
    notice_detail,
    notice_list,
    notice_new,
    report_notice,
)
from kesu.reporting.views.reports import report_detail, report_submit, report_xlsx
from kesu.reporting.views.review import approve_together, report_reopen, report_review
from kesu.reporting.views.todo import todo

__all__ = [
    "approve_together",
    "cycle_board",
    "cycle_list",
    "cycle_summary",
    "entry_autosave",
    "entry_detail",
    "evidence_delete",
    "evidence_file",
    "evidence_upload",
    "notice_attachment",
    "notice_detail",
    "notice_list",
    "notice_new",
    "report_detail",
    "report_notice",
    "report_reopen",
    "report_review",
    "report_submit",
    "report_xlsx",
    "scheme_detail",
    "scheme_list",
    "score_judge",
    "task_history",
    "todo",
]

"""Job kinds of the core app."""

from __future__ import annotations

from django.core.files.base import ContentFile

from kesu.core.exports import xlsx_bytes
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import AuditEvent, Job


@job_kind("audit_export", retry_safe=True)  # it only reads, and writes its own file
def export_audit_log(job: Job, progress: Progress) -> None:
    """The whole audit trail the requester may see, as xlsx (too large for a request at times)."""
    assert job.created_by is not None
    events = AuditEvent.objects.visible_to(job.created_by).select_related("actor", "region")
    total = events.count() or 1
    rows = []
    for index, e in enumerate(events.iterator(chunk_size=2000), start=1):
        rows.append((e.at, e.actor, e.verb, e.target_repr, e.region, e.note, e.ip))
        if index % 2000 == 0:
            progress(int(index * 90 / total), f"已读取 {index} / {total} 条")
    progress(95, "正在生成 Excel 文件")
    content = xlsx_bytes("审计日志", ["时间", "操作人", "操作", "对象", "区划", "说明", "来源地址"], rows)
    job.result_file.save(f"audit-{job.pk}.xlsx", ContentFile(content), save=True)

"""Job kinds of the plans app: reading a scanned plan (OCR) page by page."""

from __future__ import annotations

import shutil
from pathlib import Path

from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.plans import actions
from kesu.plans.models import Plan
from kesu.regions.models import Region


@job_kind(actions.SCAN_JOB)
def import_scan(job: Job, progress: Progress) -> None:
    """OCR the held pages, then import the plan; the held files go whatever happens, so a failed
    read leaves nothing behind (the job's message says why, in Chinese)."""
    params = job.params
    try:
        files = [(Path(path).read_bytes(), name) for path, name in params["files"]]
        assert job.region_id is not None, "a scan import is always started for a region"
        region = Region.objects.get(pk=job.region_id)
        parent = Plan.objects.filter(pk=params["parent_id"]).first() if params.get("parent_id") else None
        progress(1, f"共 {len(files)} 个文件，开始识别")

        def on_page(done: int, total: int) -> None:
            progress(round(done * 95 / max(total, 1)), f"已识别第 {done} / {total} 页")

        plan = actions.import_scanned_plan(
            job.created_by,
            region,
            files,
            kind=params.get("plan_kind") or None,
            parent=parent,
            progress=on_page,
        )
    finally:
        shutil.rmtree(params.get("folder", ""), ignore_errors=True)
    Job.objects.filter(pk=job.pk).update(params={**params, "plan_id": plan.pk})
    progress(100, f"已解析《{plan.title}》：{plan.tasks.count()} 项任务")

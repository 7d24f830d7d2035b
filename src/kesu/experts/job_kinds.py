"""Job kinds of the experts app: a large expert file checked and stored in a worker, all rows or none."""

from __future__ import annotations

from pathlib import Path

from kesu import tables
from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.experts import actions, importing
from kesu.regions.models import Region


@job_kind(actions.EXPERT_IMPORT_JOB)
def import_expert_file(job: Job, progress: Progress) -> None:
    """Check every row, then store all or none, as the page would; the held file goes whatever happens."""
    params = job.params
    try:
        data = Path(params["path"]).read_bytes()
        if job.created_by is None or job.region_id is None:
            raise tables.TableError("发起导入的账号或区划已不存在，未导入任何数据。")
        region = Region.objects.get(pk=job.region_id)
        progress(5, "正在检查文件")
        checked = importing.check(data, params["filename"], region)
        checked.errors.raise_if_any()
        progress(60, f"检查通过，正在写入 {len(checked.rows)} 位专家")
        created, updated = actions.import_experts(
            job.created_by, region, checked.rows, filename=params["filename"]
        )
    finally:
        uploads.release(params.get("path", ""))
    progress(100, f"已导入 {created + updated} 位专家（新增 {created}，更新 {updated}）")

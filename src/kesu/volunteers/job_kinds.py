"""Job kinds of the volunteers app: a large platform export checked and stored in a worker."""

from __future__ import annotations

from pathlib import Path

from kesu import tables
from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.regions.models import Region
from kesu.volunteers import importing

IMPORT_JOB = "volunteer_registry_import"


@job_kind(IMPORT_JOB, results=("查看志愿者名册", "volunteers:volunteer_list"))
def import_registry_file(job: Job, progress: Progress) -> None:
    """Check every row, then store all or none, as the page would; the held file goes whatever happens."""
    params = job.params
    try:
        if job.created_by is None or job.region_id is None:
            raise tables.TableError("发起导入的账号或区划已不存在，未导入任何数据。")
        data = Path(params["path"]).read_bytes()
        region = Region.objects.get(pk=job.region_id)
        progress(5, "正在检查文件")
        result = importing.run(
            params["registry_kind"], job.created_by, region, data, params["filename"], dry_run=False
        )
        if result.errors:
            errors = tables.RowErrors()
            for error in result.errors:
                errors.add(error.row, error.column, error.message)
            errors.raise_if_any()
    finally:
        uploads.release(params.get("path", ""))
    progress(100, f"已导入：新增 {result.created} 行，更新 {result.updated} 行")

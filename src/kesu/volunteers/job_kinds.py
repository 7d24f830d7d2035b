"""Job kinds of the volunteers app: a large platform export checked and stored in a worker."""

from __future__ import annotations

from kesu import tables
from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.volunteers import importing

IMPORT_JOB = "volunteer_registry_import"


@job_kind(IMPORT_JOB, results=("查看志愿者名册", "volunteers:volunteer_list"))
def import_registry_file(job: Job, progress: Progress) -> None:
    """Check every row, then store all or none, as the page would; the held file goes whatever happens."""
    with uploads.held_import(job) as held:
        progress(5, "正在检查文件")
        result = importing.run(
            job.params["registry_kind"], held.user, held.region, held.data, held.filename, dry_run=False
        )
        if result.errors:
            errors = tables.RowErrors()
            for error in result.errors:
                errors.add(error.row, error.column, error.message)
            errors.raise_if_any()
    progress(100, f"已导入：新增 {result.created} 行，更新 {result.updated} 行")

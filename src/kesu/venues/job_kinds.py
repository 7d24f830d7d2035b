"""Job kinds of the venues app: a large institution file checked and stored in a worker."""

from __future__ import annotations

from kesu import tables
from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.venues import importing

IMPORT_JOB = "venues_institution_import"


@job_kind(IMPORT_JOB, results=("查看科普教育基地", "venues:institution_list"))
def import_institution_file(job: Job, progress: Progress) -> None:
    """Check every row, then store all or none, as the page would; the held file goes whatever happens."""
    with uploads.held_import(job) as held:
        progress(5, "正在检查文件")
        result = importing.run_import(held.user, held.region, held.data, held.filename, dry_run=False)
        if not result.ok:
            problems = tables.RowErrors()
            for error in result.errors:
                problems.add(error.row, error.column, error.message)
            problems.raise_if_any()
    progress(100, f"已导入：新增 {result.created} 个单位，更新 {result.updated} 个单位")

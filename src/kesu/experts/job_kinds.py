"""Job kinds of the experts app: a large expert file checked and stored in a worker, all rows or none."""

from __future__ import annotations

from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.experts import actions, importing


@job_kind(actions.EXPERT_IMPORT_JOB, results=("查看专家库", "experts:expert_list"))
def import_expert_file(job: Job, progress: Progress) -> None:
    """Check every row, then store all or none, as the page would; the held file goes whatever happens."""
    with uploads.held_import(job) as held:
        progress(5, "正在检查文件")
        checked = importing.check(held.data, held.filename, held.region)
        checked.errors.raise_if_any()
        progress(60, f"检查通过，正在写入 {len(checked.rows)} 位专家")
        created, updated = actions.import_experts(
            held.user, held.region, checked.rows, filename=held.filename
        )
    progress(100, f"已导入 {created + updated} 位专家（新增 {created}，更新 {updated}）")

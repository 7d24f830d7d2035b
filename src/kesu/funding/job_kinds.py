"""Job kinds of the funding app: a large funding-line file checked and stored in a worker, all rows or none.

A file of more than ``importing.IN_REQUEST_ROWS`` rows (10,000 rows took 35 s on a loaded host) is held
by the import page and read here with progress; the rules, the messages and the one action that stores
it are the page's.
"""

from __future__ import annotations

from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.funding import actions, importing


@job_kind(actions.IMPORT_JOB, results=("查看经费项目", "funding:line_list"))
def import_line_file(job: Job, progress: Progress) -> None:
    """Check every row, then store all or none, as the page would; the held file goes whatever happens."""
    with uploads.held_import(job) as held:
        progress(5, "正在检查文件")
        checked = importing.check(held.data, held.filename, held.region, held.user, progress)
        checked.errors.raise_if_any()
        progress(60, f"检查通过，正在写入 {len(checked.rows)} 个经费项目")
        created, updated = actions.import_lines(held.user, held.region, checked.rows, filename=held.filename)
    progress(100, f"已导入 {created + updated} 个经费项目（新增 {created}，更新 {updated}）")

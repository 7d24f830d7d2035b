"""Job kinds of the indicators app: a large value file checked and stored in a worker."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from kesu import tables
from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.indicators import actions, importing

PROGRESS_EVERY = 2000  # rows between two progress reports


@job_kind(actions.VALUE_IMPORT_JOB, results=("查看指标数值", "indicators:values"))
def import_value_file(job: Job, progress: Progress) -> None:
    """Check every row, then store all or none, as the page would; the held file goes whatever happens."""
    with uploads.held_import(job) as held:
        progress(2, "正在检查文件")
        try:
            rows = tables.iter_rows(held.data, held.filename, importing.LIMITS)
            parsed = importing.parse_values(_reporting(rows, progress), held.user.access)
        except (tables.TableError, importing.ValueImportError) as error:
            raise tables.TableError(_message(error)) from error
        parsed.problems.raise_if_any()
        progress(70, f"检查通过，正在写入 {len(parsed.rows)} 行")
        count = actions.import_values(
            held.user, held.region, parsed.rows, filename=held.filename, provenance=job.params["provenance"]
        )
    progress(100, f"已导入 {count} 个指标值")


def _reporting(rows: Iterable[tuple[int, list[Any]]], progress: Progress) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in rows:
        if number % PROGRESS_EVERY == 0:
            progress(2 + min(60, number * 60 // importing.MAX_ROWS), f"已读取 {number} 行")
        yield number, cells


def _message(error: Exception) -> str:
    if isinstance(error, importing.ValueImportError):
        return "文件未导入，没有写入任何数据：" + "；".join(error.errors)
    return str(error)

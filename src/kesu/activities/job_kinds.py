"""Job kinds of the activities app: work too long for a request, done in a worker with progress.

- A large campaign's 汇总表: a province 科普月 of 60,000 adopted rows took 36 s to write in the
  request; above ``TABLE_ROWS_IN_REQUEST`` rows the page starts this job and shows its progress, and
  the job page serves the file when it is done.
- A large activities file: above ``core.uploads.BACKGROUND_BYTES`` the import page holds the file and
  this job checks every row and stores all or none with the page's own code (``importing.check``,
  ``actions.import_activities``); the job page names each problem by row and column.
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from kesu.activities import actions, importing
from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job

CAMPAIGN_TABLE_JOB = "activities_campaign_table"
TABLE_ROWS_IN_REQUEST = 5_000  # written in about 3 s; above it, a background job
IMPORT_JOB = "activities_import"


@job_kind(CAMPAIGN_TABLE_JOB, retry_safe=True)  # it only reads, and writes its own file
def write_campaign_table(job: Job, progress: Progress) -> None:
    from kesu.activities import summary
    from kesu.activities.models import Campaign

    campaign = Campaign.objects.filter(pk=job.params["campaign_id"]).first()
    if campaign is None:
        raise ValueError("主题活动已被删除，未生成汇总表。")
    progress(10, "正在汇总采用的活动并写入 Excel")
    content = summary.summary_xlsx(campaign)
    progress(95, "正在保存文件")
    job.result_file.save(f"campaign-{campaign.pk}-{job.pk}.xlsx", ContentFile(content), save=True)


@job_kind(IMPORT_JOB, results=("查看科普活动", "activities:activity_list"))
def import_activity_file(job: Job, progress: Progress) -> None:
    """Check every row, then store all or none, as the page would; the held file goes whatever happens."""
    with uploads.held_import(job) as held:
        progress(5, "正在检查文件")
        checked = importing.check(held.data, held.filename, held.region)
        checked.errors.raise_if_any()
        progress(60, f"检查通过，正在写入 {len(checked.rows)} 项活动")
        created = actions.import_activities(held.user, held.region, checked.rows, filename=held.filename)
    progress(100, f"已导入 {created} 项活动")

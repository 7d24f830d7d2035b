"""Job kinds of the activities app: a large campaign's 汇总表 written in a worker, not in the request.

A province 科普月 of 60,000 adopted rows took 36 s to write in the request; above
``TABLE_ROWS_IN_REQUEST`` rows the page starts this job and shows its progress, and the job page
serves the file when it is done.
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job

CAMPAIGN_TABLE_JOB = "activities_campaign_table"
TABLE_ROWS_IN_REQUEST = 5_000  # written in about 3 s; above it, a background job


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

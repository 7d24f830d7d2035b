"""督办 numbers unique per region (a locked NoticeSequence row gives the next one); ``Report.reopened``
instead of a "重新开放：" prefix in the review comment; ``Entry.role`` with the plan's role choices."""

import re

import django.db.models.deletion
from django.db import migrations, models

REOPENED = "重新开放："  # how a reopening's reason used to start in the review comment
NUMBER = re.compile(r"^督〔(\d+)〕(\d+)号$")


def reopened_from_comments(apps, schema_editor):
    Report = apps.get_model("reporting", "Report")
    for report in Report.objects.filter(review_comment__startswith=REOPENED):
        report.reopened = report.status == "returned"
        report.review_comment = report.review_comment.removeprefix(REOPENED)
        report.save(update_fields=["reopened", "review_comment"])


def reopened_to_comments(apps, schema_editor):
    Report = apps.get_model("reporting", "Report")
    for report in Report.objects.filter(reopened=True):
        report.review_comment = REOPENED + report.review_comment
        report.save(update_fields=["review_comment"])


def number_sequences(apps, schema_editor):
    """Renumber the later of any two notices that got the same number (after the region's highest
    that year), then start each region's sequence at its highest number."""
    Notice = apps.get_model("reporting", "Notice")
    NoticeSequence = apps.get_model("reporting", "NoticeSequence")
    notices = list(Notice.objects.order_by("issued_at", "pk"))
    last: dict[tuple[int, int], int] = {}
    for notice in notices:
        match = NUMBER.match(notice.number)
        if match:
            key = (notice.region_id, int(match[1]))
            last[key] = max(last.get(key, 0), int(match[2]))
    seen = set()
    for notice in notices:
        if (notice.region_id, notice.number) in seen:
            match = NUMBER.match(notice.number)
            year = int(match[1]) if match else notice.issued_at.year
            last[(notice.region_id, year)] = last.get((notice.region_id, year), 0) + 1
            notice.number = f"督〔{year}〕{last[(notice.region_id, year)]}号"
            notice.save(update_fields=["number"])
        seen.add((notice.region_id, notice.number))
    NoticeSequence.objects.bulk_create(NoticeSequence(region_id=region_id, year=year, last=number)
                                       for (region_id, year), number in last.items())


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0001_initial'),
        ('reporting', '0004_scheme_open_cycles_score_not_applicable'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='reopened',
            field=models.BooleanField(default=False, verbose_name='重新开放'),
        ),
        migrations.RunPython(reopened_from_comments, reopened_to_comments),
        migrations.AlterField(
            model_name='entry',
            name='role',
            field=models.CharField(choices=[('lead', '牵头'), ('participating', '参与'), ('responsible', '责任')], max_length=20, verbose_name='角色'),
        ),
        migrations.CreateModel(
            name='NoticeSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('last', models.PositiveIntegerField(default=0)),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='regions.region')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('region', 'year'), name='notice_sequence_unique')],
            },
        ),
        migrations.RunPython(number_sequences, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='notice',
            constraint=models.UniqueConstraint(fields=('region', 'number'), name='notice_unique_number'),
        ),
    ]

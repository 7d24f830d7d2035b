# Each activity carries its region's path, so that an office's subtree (the scope, the region filter)
# is a prefix test on the activities' table read from one index, with no join to the regions
# (docs/activities.md, fourth pass). Existing rows are filled in one statement, before the index is built.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_region_paths(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    Region = apps.get_model("regions", "Region")
    Activity.objects.update(
        region_path=Subquery(Region.objects.filter(pk=OuterRef("region_id")).values("path")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0008_activity_campaign_state_at"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="region_path",
            field=models.CharField(default="", editable=False, max_length=80),
        ),
        migrations.RunPython(fill_region_paths, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="activity", name="activity_status_region"),
        migrations.RemoveIndex(model_name="activity", name="activity_start_desc"),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(fields=["-starts_at", "-id", "region_path"], name="activity_start_path"),
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["status", "region_path"],
                name="activity_status_path",
                opclasses=["", "text_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["region_path", "-starts_at", "-id"],
                name="activity_path_start",
                opclasses=["text_pattern_ops", "", ""],
            ),
        ),
    ]

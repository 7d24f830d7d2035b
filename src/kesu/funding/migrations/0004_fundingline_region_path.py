# Each funding line carries its unit's region path, so that subtree filters and the overview's sums
# read the lines' table alone (docs/funding.md, Benchmark). Existing lines are filled in one statement.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_region_paths(apps, schema_editor):
    FundingLine = apps.get_model("funding", "FundingLine")
    Unit = apps.get_model("regions", "Unit")
    path = Unit.objects.filter(pk=OuterRef("unit_id")).values("region__path")[:1]
    FundingLine.objects.update(region_path=Subquery(path))


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0003_fundingline_funding_line_list_order"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="fundingline",
            name="region_path",
            field=models.CharField(default="", editable=False, max_length=80),
        ),
        migrations.RunPython(fill_region_paths, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="fundingline",
            index=models.Index(
                fields=["region_path", "year"],
                name="funding_line_path_year",
                opclasses=["varchar_pattern_ops", "int2_ops"],
            ),
        ),
    ]

# The columns whose values 0006 moved to RespondentResult; a migration of its own, so the rows that
# 0006 wrote (with deferred foreign-key checks) are committed before the table is altered on PostgreSQL.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("survey", "0006_respondent_result"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="respondent",
            name="grade",
        ),
        migrations.RemoveField(
            model_name="respondent",
            name="literate",
        ),
        migrations.RemoveField(
            model_name="respondent",
            name="score",
        ),
        migrations.RemoveField(
            model_name="respondent",
            name="weight",
        ),
    ]

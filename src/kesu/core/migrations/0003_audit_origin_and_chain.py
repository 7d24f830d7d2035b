"""Audit events carry the client's address and user agent, and a hash chaining each to the one before;
the events stored so far are sealed into the chain in their order."""

from django.db import migrations, models

from kesu.core.auditchain import FIELDS, chain_hash


def seal_existing(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    previous = ""
    for row in AuditEvent.objects.order_by("pk").values("pk", *FIELDS).iterator(chunk_size=2000):
        previous = chain_hash(previous, row)
        AuditEvent.objects.filter(pk=row["pk"]).update(hash=previous)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_job_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="来源地址"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="user_agent",
            field=models.CharField(blank=True, max_length=300, verbose_name="客户端"),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]

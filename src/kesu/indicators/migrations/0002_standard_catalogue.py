from dataclasses import asdict

from django.db import migrations


def load_catalogue(apps, schema_editor):
    from kesu.indicators.catalogue import CATALOGUE

    Indicator = apps.get_model("indicators", "Indicator")
    for order, entry in enumerate(CATALOGUE, start=1):
        fields = {k: v for k, v in asdict(entry).items() if k != "code"}
        Indicator.objects.get_or_create(code=entry.code, defaults={**fields, "order": order})


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]

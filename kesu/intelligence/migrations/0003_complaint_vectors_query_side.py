"""Complaint vectors are made on e5's "query: " side from now on (kesu.intelligence.similarity.
embed_complaints); those made on the "passage: " side are dropped, so the periodic pass makes them
again (the newest 20,000 complaints; older ones with ``catch_up(window=...)``) and no comparison
mixes the two sides."""

from django.db import migrations


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("intelligence", "Vector").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("intelligence", "0002_library_mark"),
    ]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]

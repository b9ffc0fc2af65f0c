"""Two indexes that every registration wrote and nothing read (bench/README.md, stop 28: each
B-tree a registration touches costs about 40–55 µs of a served creation):

* the handler's index holds assigned cases only — a new case has no handler, and a handler's queue
  asks for owner = the person, which SQLite and PostgreSQL both answer from a partial index;
* the timeline events' default index on the actor goes: nothing asks for a person's events.

The actor's index is dropped by name, not by AlterField: on SQLite that would rebuild the events
table and with it drop the append-only triggers (migration 0003, privacy 0001)."""

from django.conf import settings
from django.db import migrations, models

ACTOR_INDEX = "complaints_complaintevent_actor_id_c0807bed"  # Django's name for it, the same on both databases


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0015_receiver_index_with_status'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_owner_status',
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(condition=models.Q(('owner__isnull', False)), fields=['owner', 'status'],
                               name='complaint_owner_status'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='complaintevent',
                    name='actor',
                    field=models.ForeignKey(db_index=False, null=True, on_delete=models.deletion.PROTECT,
                                            related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {ACTOR_INDEX}",
                                  reverse_sql=f"CREATE INDEX {ACTOR_INDEX} ON complaints_complaintevent (actor_id)"),
            ],
        ),
    ]

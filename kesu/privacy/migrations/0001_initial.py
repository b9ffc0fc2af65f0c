"""kesu.privacy's records, and the timeline's one exception to append-only (issue 14).

Timeline events stay append-only (complaints migration 0003): no DELETE (PostgreSQL) and no UPDATE,
except a redaction of an event's text (``reason``, ``changes``) on a case listed in
privacy_anonymised, for an event written before that moment. Every other column (case, number,
time, actor, kind, statuses) must stay as it was: an event cannot be moved, re-dated or
re-attributed, and no word of the timeline of a case that was not anonymised can change. The
trigger reads privacy_anonymised, never the complaint table, so rebuilding the complaint table on
SQLite (which a field change there does) keeps working.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SAME_ROW = """NEW.id = OLD.id AND NEW.complaint_id = OLD.complaint_id AND NEW.seq = OLD.seq AND NEW.at = OLD.at
    AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.kind = OLD.kind
    AND NEW.from_status = OLD.from_status AND NEW.to_status = OLD.to_status"""
ANONYMISED = """EXISTS (SELECT 1 FROM privacy_anonymised a WHERE a.complaint_id = NEW.complaint_id AND OLD.at <= a.at)"""

SQLITE = [
    "DROP TRIGGER complaintevent_no_update;",
    f"""CREATE TRIGGER complaintevent_no_update BEFORE UPDATE ON complaints_complaintevent
       WHEN NOT ({SAME_ROW.replace("IS NOT DISTINCT FROM", "IS")} AND {ANONYMISED})
       BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER complaintevent_no_update;",
    """CREATE TRIGGER complaintevent_no_update BEFORE UPDATE ON complaints_complaintevent
       BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END;""",
]
POSTGRES = [
    f"""CREATE FUNCTION kesu_event_redaction_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND {SAME_ROW} AND {ANONYMISED} THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'timeline events are append-only';
       END $$;""",
    "DROP TRIGGER complaintevent_append_only ON complaints_complaintevent;",
    """CREATE TRIGGER complaintevent_append_only BEFORE UPDATE OR DELETE ON complaints_complaintevent
       FOR EACH ROW EXECUTE FUNCTION kesu_event_redaction_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER complaintevent_append_only ON complaints_complaintevent;",
    """CREATE TRIGGER complaintevent_append_only BEFORE UPDATE OR DELETE ON complaints_complaintevent
       FOR EACH ROW EXECUTE FUNCTION kesu_append_only();""",
    "DROP FUNCTION kesu_event_redaction_only();",
]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('complaints', '0009_legal_hold'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Anonymised',
            fields=[
                ('complaint', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='+', serialize=False, to='complaints.complaint')),
                ('at', models.DateTimeField(verbose_name='匿名化时间')),
                ('kind', models.CharField(max_length=40)),
            ],
            options={
                'verbose_name': '已匿名化的投诉',
                'verbose_name_plural': '已匿名化的投诉',
            },
        ),
        migrations.CreateModel(
            name='PrivacyRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40, verbose_name='事项')),
                ('at', models.DateTimeField(verbose_name='时间')),
                ('reason', models.TextField(blank=True, verbose_name='原因')),
                ('details', models.JSONField(blank=True, default=dict, verbose_name='内容')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
            ],
            options={
                'verbose_name': '个人信息处理记录',
                'verbose_name_plural': '个人信息处理记录',
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]

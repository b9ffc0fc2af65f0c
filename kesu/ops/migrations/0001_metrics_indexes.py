"""An index the metrics need and no page does: e-mails given up (the outbox keeps every sent one, so
counting the failed must not read them all). Plain SQL both databases accept, owned by kesu.ops so
the notifications app's models stay as they are; dropped on the way back."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_customer_threading")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS ops_outbox_failed ON notifications_outboundemail (id) WHERE state = 'failed'",
            "DROP INDEX IF EXISTS ops_outbox_failed",
        ),
    ]

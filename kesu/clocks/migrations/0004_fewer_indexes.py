
import django.db.models.deletion
from django.db import migrations, models

from kesu.db.schema import drop_fk_indexes


class Migration(migrations.Migration):
    """Drop the one-column indexes Django gave these foreign keys (see the models' comment). The
    indexes are dropped by name; the tables are not rebuilt (on SQLite an AlterField would copy
    the table once per field and lose the timeline's append-only triggers)."""

    dependencies = [
        ('clocks', '0003_report_indexes'),
        ('complaints', '0006_customer_email'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_fk_indexes([('clocks_complaintclock', 'complaint_id')])],
            state_operations=[
                migrations.AlterField(
                    model_name='complaintclock',
                    name='complaint',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='clocks', to='complaints.complaint'),
                ),
            ],
        ),
    ]

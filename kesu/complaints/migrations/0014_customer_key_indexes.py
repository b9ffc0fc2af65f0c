from django.db import migrations, models

import kesu.complaints.fields
from kesu.db.schema import drop_fk_indexes


class Migration(migrations.Migration):
    """The same customer over time: each blind index (phone, e-mail, member number) indexed with
    the registration time, so a repeat inside the crisis window is counted from the index alone;
    the one-column indexes they replace are dropped by name, the table is not rebuilt."""

    dependencies = [
        ('complaints', '0013_complaint_base_manager_unseals'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['phone_index', 'registered_at'], name='complaint_phone_at'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['email_index', 'registered_at'], name='complaint_email_at'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['ref_index', 'registered_at'], name='complaint_ref_at'),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_fk_indexes([('complaints_complaint', 'phone_index'),
                                                  ('complaints_complaint', 'email_index'),
                                                  ('complaints_complaint', 'ref_index')], like=True)],
            state_operations=[
                migrations.AlterField(
                    model_name='complaint',
                    name='email_index',
                    field=kesu.complaints.fields.BlindIndexField(kind='email', source='customer_email'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='phone_index',
                    field=kesu.complaints.fields.BlindIndexField(kind='phone', source='customer_phone'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='ref_index',
                    field=kesu.complaints.fields.BlindIndexField(kind='ref', source='customer_ref'),
                ),
            ],
        ),
    ]


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kesu.db.schema import drop_fk_indexes


class Migration(migrations.Migration):
    """Drop the one-column indexes Django gave these foreign keys (see the models' comment). The
    indexes are dropped by name; the tables are not rebuilt (on SQLite an AlterField would copy
    the table once per field and lose the timeline's append-only triggers)."""

    dependencies = [
        ('complaints', '0006_customer_email'),
        ('org', '0001_initial'),
        ('policies', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_fk_indexes([('complaints_complaint', 'complained_department_id'), ('complaints_complaint', 'complained_staff_id'), ('complaints_complaint', 'department_id'), ('complaints_complaint', 'location_id'), ('complaints_complaint', 'owner_id'), ('complaints_complaint', 'policy_version_id'), ('complaints_complaint', 'receiver_id'), ('complaints_complaint', 'responsible_department_id'), ('complaints_complaint', 'responsible_staff_id'), ('complaints_complaint', 'updated_by_id'), ('complaints_complaintevent', 'complaint_id')])],
            state_operations=[
                migrations.AlterField(
                    model_name='complaint',
                    name='complained_department',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='被投诉部门'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='complained_staff',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='被投诉人'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='department',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='org.department', verbose_name='责任部门'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='location',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='发生门店/场所'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='owner',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='owned_complaints', to=settings.AUTH_USER_MODEL, verbose_name='处理人'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='policy_version',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='policies.policyversion', verbose_name='制度版本'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='receiver',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='received_complaints', to=settings.AUTH_USER_MODEL, verbose_name='受理人'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='responsible_department',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='责任部门（调查认定）'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='responsible_staff',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='责任人'),
                ),
                migrations.AlterField(
                    model_name='complaint',
                    name='updated_by',
                    field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='complaintevent',
                    name='complaint',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='complaints.complaint'),
                ),
            ],
        ),
    ]

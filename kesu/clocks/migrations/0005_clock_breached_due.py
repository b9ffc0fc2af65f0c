from django.db import migrations, models


class Migration(migrations.Migration):
    """The missed clocks of a period by their due time (kesu.clocks.outcomes): a partial index
    over breached clocks only, small beside the table (issue 13, reports that add up)."""

    dependencies = [
        ('clocks', '0004_fewer_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='complaintclock',
            index=models.Index(condition=models.Q(('breached_at__isnull', False)), fields=['due_at'], name='clock_breached_due'),
        ),
    ]

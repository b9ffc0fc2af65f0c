"""Issue 14 (kesu.privacy): a legal hold on a case (who, when, why) and when its personal data was
anonymised. Fields only; the timeline's one redaction exception is kesu/privacy/migrations/0001.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0008_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.AddField("complaint", "legal_hold", models.BooleanField(default=False, verbose_name="法律保全")),
        migrations.AddField("complaint", "legal_hold_by", models.ForeignKey(
            blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT, related_name="+",
            to=settings.AUTH_USER_MODEL, verbose_name="保全设置人")),
        migrations.AddField("complaint", "legal_hold_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="保全时间")),
        migrations.AddField("complaint", "legal_hold_reason", models.TextField(blank=True, verbose_name="保全原因")),
        migrations.AddField("complaint", "anonymised_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="匿名化时间")),
    ]

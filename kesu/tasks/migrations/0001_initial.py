from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="TaskRun",
            fields=[
                ("name", models.CharField(max_length=100, primary_key=True, serialize=False, verbose_name="任务")),
                ("last_started_at", models.DateTimeField(blank=True, null=True, verbose_name="最近开始")),
                ("last_ok_at", models.DateTimeField(blank=True, null=True, verbose_name="最近成功")),
                ("last_failed_at", models.DateTimeField(blank=True, null=True, verbose_name="最近失败")),
                ("last_error", models.TextField(blank=True, verbose_name="最近错误")),
                ("runs", models.PositiveBigIntegerField(default=0, verbose_name="运行次数")),
                ("failures", models.PositiveBigIntegerField(default=0, verbose_name="失败次数")),
            ],
            options={"verbose_name": "定时任务运行", "verbose_name_plural": "定时任务运行"},
        ),
    ]

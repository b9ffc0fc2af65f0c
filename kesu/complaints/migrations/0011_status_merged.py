# F13 (issue 17): the "merged" state (a duplicate closed as merged into another case)

import kesu.core.lifecycle
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0010_personal_data_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='complaint',
            name='status',
            field=models.CharField(choices=[('registered', '已登记'), ('classified', '已分类'), ('assigned', '已分派'), ('handling', '处理中'), ('solution_agreed', '已达成初步协议'), ('follow_up', '待回访'), ('satisfied', '客户满意'), ('reopened', '重新处理'), ('signed_off', '客服经理已签字'), ('reviewed', '总经理已审阅'), ('archived', '已归档'), ('invalid_answered', '非有效投诉已答复'), ('objected', '复审中'), ('merged', '已合并')], default=kesu.core.lifecycle.State['REGISTERED'], max_length=20, verbose_name='状态'),
        ),
    ]

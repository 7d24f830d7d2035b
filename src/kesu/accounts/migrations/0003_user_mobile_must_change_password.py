"""The mobile number (the former free-text ``phone``, now checked) and the one-time-password flag."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_access_stamp"),
    ]

    operations = [
        migrations.RenameField(model_name="user", old_name="phone", new_name="mobile"),
        migrations.AlterField(
            model_name="user",
            name="mobile",
            field=models.CharField(
                blank=True,
                max_length=20,
                validators=[
                    django.core.validators.RegexValidator(
                        "^1[3-9]\\d{9}$", "请填写 11 位手机号码，例如 13812345678"
                    )
                ],
                verbose_name="手机号",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="must_change_password",
            field=models.BooleanField(default=False, verbose_name="须修改密码"),
        ),
    ]

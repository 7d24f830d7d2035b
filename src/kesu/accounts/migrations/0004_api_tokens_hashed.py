"""API tokens stored as SHA-256 hashes with a name and an expiry; the plain DRF tokens are hashed
into the new table and deleted, so no usable secret is left in the database."""

import hashlib
from datetime import timedelta

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def hash_plain_tokens(apps, schema_editor):
    try:
        Token = apps.get_model("authtoken", "Token")
    except LookupError:
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = django.utils.timezone.now()
    days = getattr(settings, "KESU_TOKEN_DAYS", 180)
    for token in Token.objects.all():
        ApiToken.objects.create(
            user_id=token.user_id,
            name="迁移前的令牌",
            key_hash=hashlib.sha256(token.key.encode()).hexdigest(),
            prefix=token.key[:12],
            created_at=token.created,
            expires_at=now + timedelta(days=days),
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_mobile_must_change_password"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="failedlogin",
            name="cleared",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, verbose_name="名称")),
                ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("prefix", models.CharField(editable=False, max_length=12, verbose_name="前缀")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="创建时间"),
                ),
                ("expires_at", models.DateTimeField(verbose_name="有效期至")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="最近使用")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="撤销时间")),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="撤销人",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API 令牌",
                "verbose_name_plural": "API 令牌",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop),
    ]

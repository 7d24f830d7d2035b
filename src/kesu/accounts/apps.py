from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kesu.accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        # Imported for what they register: the first demo step (regions, units, accounts), and the
        # audit of sign-outs and failed sign-ins.
        from kesu.accounts import demo, signals  # noqa: F401
        from kesu.core.models import register_verbs

        register_verbs(
            {
                "user.password_change": "修改密码",
                "user.password_reset": "重置密码",
                "user.update": "修改用户信息",
                "user.disable": "停用账号",
                "user.enable": "启用账号",
                "unit.liaison_handover": "联络员交接",
            }
        )

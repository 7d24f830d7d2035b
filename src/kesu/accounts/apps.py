from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kesu.accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from kesu.accounts import demo  # noqa: F401  (registers the first demo step: regions, units, accounts)

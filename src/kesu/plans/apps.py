from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "kesu.plans"
    verbose_name = "实施方案"

    def ready(self) -> None:
        from kesu.plans import demo  # noqa: F401  (registers the demo step)

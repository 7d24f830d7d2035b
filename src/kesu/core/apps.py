from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kesu.core"
    verbose_name = "平台"

    def ready(self) -> None:
        from kesu.core import checks, job_kinds  # noqa: F401  (register the deployment checks, the job kinds)

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kesu.core"
    verbose_name = "平台"

    def ready(self) -> None:
        from kesu.core import job_kinds  # noqa: F401  (registers the job kinds)
        from kesu.core import checks  # noqa: F401  (registers the deployment checks)

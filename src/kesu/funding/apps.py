from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "kesu.funding"
    verbose_name = "科普经费"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.core.registry_imports import register_count_refresher, register_importer
        from kesu.funding import demo  # noqa: F401  (registers the demo step)
        from kesu.funding.actions import VERBS, refresh_year
        from kesu.funding.importing import run_import

        register_verbs(VERBS)
        register_importer("funding", "科普经费项目", run_import)
        register_count_refresher("funding", refresh_year)

from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "kesu.funding"
    verbose_name = "科普经费"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kesu.core.models import register_verbs
        from kesu.core.registry_imports import register_count_refresher, register_importer
        from kesu.funding import demo, job_kinds  # noqa: F401  (register the demo step and the import job)
        from kesu.funding.actions import VERBS, on_tree_changed, on_unit_saved, refresh_year
        from kesu.funding.importing import run_import
        from kesu.regions.models import Unit
        from kesu.regions.signals import tree_changed

        register_verbs(VERBS)
        register_importer("funding", "科普经费项目", run_import)
        register_count_refresher("funding", refresh_year)
        # a line carries its unit's region path: a moved region or unit takes its lines along
        tree_changed.connect(on_tree_changed, dispatch_uid="funding-region-paths")
        post_save.connect(on_unit_saved, sender=Unit, dispatch_uid="funding-unit-region-path")

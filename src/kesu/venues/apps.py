import importlib

from django.apps import AppConfig

# The certification/annual-review part and the 科技馆 system part register their own verbs and hooks
# in these modules; either may be absent.
OPTIONAL_READY_MODULES = ("kesu.venues.ready_certification", "kesu.venues.ready_system")


class VenuesConfig(AppConfig):
    name = "kesu.venues"
    verbose_name = "科普基地与场馆"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.core.registry_imports import register_count_refresher, register_importer
        from kesu.reporting import notify
        from kesu.venues import demo, job_kinds  # noqa: F401  (register the demo step and the import job kind)
        from kesu.venues.actions import refresh_year, send_expiry_reminders
        from kesu.venues.importing import run_import

        register_verbs(
            {
                "institution.create": "新增科普基地单位",
                "institution.update": "修改科普基地单位",
                "institution.import": "导入科普基地",
                "designation.create": "新增基地认定",
                "designation.update": "修改基地认定",
                "designation.revoke": "基地摘牌",
                "category_scheme.create": "建立基地类别体系",
                "count_rule.create": "设置基地计数规则",
                "count_rule.update": "修改基地计数规则",
                "institution.reveal": "查看基地联系电话",
            }
        )
        register_importer("bases", "科普教育基地", run_import)
        register_count_refresher("bases", refresh_year)
        notify.register_reminder_source(send_expiry_reminders)  # titles ending within 6 and 3 months
        for module in OPTIONAL_READY_MODULES:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as error:
                if error.name != module:
                    raise  # a real import error inside the module must not be hidden

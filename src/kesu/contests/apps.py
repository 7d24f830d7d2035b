from django.apps import AppConfig


class ContestsConfig(AppConfig):
    name = "kesu.contests"
    verbose_name = "科普竞赛"

    def ready(self) -> None:
        from kesu.contests import (
            actions_play,
            bank,
            demo,  # noqa: F401  (registers the demo step)
            importing,
            report_link,
        )
        from kesu.contests.actions import VERBS, refresh_year
        from kesu.core.models import register_verbs
        from kesu.core.registry_imports import register_count_refresher, register_importer
        from kesu.reporting.companions import register_entry_companion

        register_verbs(VERBS | actions_play.VERBS)
        register_verbs(bank.VERBS)
        register_importer("contests", "科普竞赛成绩", importing.run_import)
        register_count_refresher("contests", refresh_year)
        register_entry_companion(report_link.panel)

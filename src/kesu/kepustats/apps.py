from django.apps import AppConfig


class KepustatsConfig(AppConfig):
    name = "kesu.kepustats"
    verbose_name = "科普统计"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.kepustats import demo, job_kinds  # noqa: F401  (register the demo step and the job kind)
        from kesu.kepustats.actions import check_before_submit
        from kesu.kepustats.models import KIND
        from kesu.kepustats.views import report_page
        from kesu.reporting.actions import register_report_page, register_submit_check

        register_submit_check(KIND, check_before_submit)
        register_report_page(KIND, report_page)
        register_verbs(
            {
                "kepustats.prefill": "预填科普统计表",
                "kepustats.save": "填写科普统计表",
            }
        )

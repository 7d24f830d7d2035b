"""Registrations of the campaigns part (verbs, count refresher, demo step, the report-link panel)."""


def ready() -> None:
    from kesu.activities import demo, job_kinds  # noqa: F401  (the demo step; the 汇总表 and import jobs)
    from kesu.activities.actions_campaigns import refresh_all
    from kesu.activities.report_link import panel
    from kesu.core.models import register_verbs
    from kesu.core.registry_imports import register_count_refresher
    from kesu.reporting.companions import register_entry_companion

    register_count_refresher("activities", lambda year: refresh_all(None, year))
    register_entry_companion(panel)
    register_verbs(
        {
            "campaign.create": "新建主题活动",
            "campaign.update": "修改主题活动",
            "campaign.summary": "生成主题活动总结或汇总表",
            "resource.create": "添加科普资源",
            "resource.update": "修改科普资源",
            "activity_count_rule.set": "设置活动计数规则",
        }
    )

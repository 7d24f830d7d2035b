from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "kesu.plans"
    verbose_name = "实施方案"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.plans import demo, job_kinds  # noqa: F401  (register the demo step and the scan job)

        register_verbs(
            {
                "plan.import": "导入方案",
                "plan.reimport": "导入修订版",
                "plan.publish": "发布方案",
                "plan.unpublish": "撤回发布",
                "plan.delete": "删除方案草稿",
                "plan.resolve_mention": "核对单位名称",
                "plan.goal_update": "修改总体目标",
                "task.update": "更正任务",
                "task.not_reported": "标记任务不报送",
                "target.save": "保存目标",
                "target.delete": "删除目标",
            }
        )

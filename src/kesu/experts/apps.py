from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "kesu.experts"
    verbose_name = "科普专家"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.core.registry_imports import register_count_refresher, register_importer
        from kesu.experts import actions, demo, importing, job_kinds  # noqa: F401  (demo step, job kind)

        register_importer("experts", "科普专家", importing.run)
        register_count_refresher("experts", actions.refresh_year)
        register_verbs(
            {
                "expert.create": "新增科普专家",
                "expert.update": "修改科普专家",
                "expert.import": "导入科普专家",
                "expert.appoint": "专家聘任",
                "expert.dismiss": "专家解聘",
                "expert.renew": "专家续聘",
                "expert.activity": "登记专家活动",
                "selection.create": "发起专家遴选",
                "selection.quota": "设置推荐名额",
                "application.create": "专家申请",
                "application.recommended": "单位推荐专家",
                "application.qualified": "专家资格审核通过",
                "application.reviewed": "专家评审通过",
                "application.publicised": "专家拟聘公示",
                "application.appointed": "专家聘任（遴选）",
                "application.return": "退回专家申请",
                "topic.save": "保存应急科普主题",
                "event.open": "启动应急科普事件",
                "dispatch.create": "派遣应急科普专家",
                "dispatch.respond": "登记专家响应",
                "count_rule.save": "设置专家统计规则",
            }
        )

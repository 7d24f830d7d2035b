from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "kesu.volunteers"
    verbose_name = "科技志愿者与信息员"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.core.registry_imports import register_count_refresher
        from kesu.volunteers import demo, job_kinds  # noqa: F401  (register the demo step and the job kinds)
        from kesu.volunteers.actions import refresh_all
        from kesu.volunteers.importing import register_importers

        register_importers()
        register_count_refresher("volunteers", lambda year: refresh_all(None, year))
        register_verbs(
            {
                "volunteer.create": "登记科技志愿者",
                "volunteer.update": "修改科技志愿者",
                "volunteer.import": "导入科技志愿者",
                "volunteer_team.create": "新建科技志愿服务队",
                "volunteer_team.update": "修改科技志愿服务队",
                "volunteer_team.import": "导入科技志愿服务队",
                "volunteer_activity.create": "新建志愿服务活动",
                "volunteer_record.create": "记录志愿服务",
                "volunteer_record.import": "导入志愿服务记录",
                "volunteer_record.correction_request": "申请更正服务记录",
                "volunteer_record.correction_review": "审核服务记录更正",
                "volunteer_certificate.issue": "出具志愿服务记录证明",
                "volunteer_scheme.update": "修改志愿服务计时规则",
                "volunteer_count_rule.set": "设置志愿者计数规则",
                "informant_snapshot.import": "导入科普中国信息员数据",
                "grid_post.import": "导入网格科普员",
            }
        )

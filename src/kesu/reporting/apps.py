from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "kesu.reporting"
    verbose_name = "报送、督办与考核"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.reporting import demo  # noqa: F401  (importing demo registers its step)

        register_verbs(
            {
                "cycle.open": "开启报送周期",
                "entry.save": "填报任务进展",
                "evidence.add": "上传佐证材料",
                "evidence.remove": "删除佐证材料",
                "report.submit": "提交报送",
                "report.approve": "审核通过",
                "report.return": "退回修改",
                "report.reopen": "重新开放",
                "cycle.approve_together": "批量审核通过",
                "report.import": "导入报送表",
                "report.remind": "发送提醒",
                "report.urge": "发送催办",
                "notice.issue": "交办督办",
                "notice.sign": "签收督办",
                "notice.respond": "反馈督办",
                "notice.close": "督办办结",
                "notice.escalate": "升级督办",
                "assessment.scheme": "设置考核方案",
                "assessment.compute": "计算考核得分",
                "assessment.judge": "工作质量评分",
                "assessment.adjustment_add": "添加加减分项",
                "assessment.adjustment_remove": "删除加减分项",
            }
        )

"""Run from the venues AppConfig.ready: the Chinese labels of the certification and annual-review verbs."""

from kesu.core.models import register_verbs
from kesu.venues.models.certification import CERTIFICATION_STEPS

register_verbs(
    {
        "certification.batch_open": "开启认定批次",
        "certification.file": "填写认定申报",
        "certification.update": "修改认定申报",
        **{f"certification.{name}": step.label for name, step in CERTIFICATION_STEPS.items()},
        "certification.score": "录入专家评分",
        "certification.objection": "登记公示异议",
        "certification.objection_handle": "处理公示异议",
        "certification.template_set": "上传认定证书模板",
        "certification.template_clear": "恢复默认认定证书模板",
        "annual.rubric_create": "新建考核评分表",
        "annual.rubric_bands": "修改考核等次线",
        "annual.rubric_line": "添加评分项",
        "annual.round_open": "开启年报填报",
        "annual.save": "填写年报",
        "annual.photo": "上传年报照片",
        "annual.photo_remove": "删除年报照片",
        "annual.submit": "提交年报",
        "annual.return": "退回年报",
        "annual.review": "评审年报",
        "annual.publish": "公布年度考核结果",
        "annual.remind": "发送年报提醒",
        "annual.urge": "发送年报催办",
    }
)


def _register_kinds() -> None:
    """The message kinds of the annual round that the message centre does not define itself."""
    from kesu.messaging.kinds import INAPP_EMAIL, INAPP_SMS, MessageKind, is_known, register_kind

    for kind in (
        MessageKind("annual_report_due", "年度报告待提交", "科普基地所在单位", INAPP_EMAIL),
        MessageKind("annual_report_overdue", "年度报告已逾期（催办）", "科普基地的推荐单位联络员", INAPP_SMS),
        MessageKind("annual_report_returned", "年度报告被退回修改", "科普基地的推荐单位联络员", INAPP_SMS),
    ):
        if not is_known(kind.code):
            register_kind(kind)


_register_kinds()


def _register_reminders() -> None:
    """``kesu send_reminders`` also reminds the bases of their annual report (see docs/venues.md, 认定与年报)."""
    from kesu.reporting import notify
    from kesu.venues.actions_annual import send_annual_reminders

    notify.register_reminder_source(send_annual_reminders)


_register_reminders()

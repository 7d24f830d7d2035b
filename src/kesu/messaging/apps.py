from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "kesu.messaging"
    verbose_name = "消息中心"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.messaging import demo, job_kinds  # noqa: F401  (the demo step, the sending task)
        from kesu.messaging.job_messages import connect

        connect()  # tells a job's owner when it finished

        register_verbs(
            {
                "robot.create": "添加群机器人",
                "robot.update": "修改群机器人",
                "robot.delete": "删除群机器人",
                "robot.test": "群机器人测试消息",
                "message.preferences_update": "修改消息接收方式",
                "message.policy_update": "修改消息渠道设置",
                "message.resend_status": "重新发送消息",
            }
        )

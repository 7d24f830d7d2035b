from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "kesu.survey"
    verbose_name = "公民科学素质调查"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.survey import demo, job_kinds  # noqa: F401  (register the demo step and the job kind)

        register_verbs(
            {
                "survey.instrument_import": "导入调查问卷",
                "survey.instrument_version": "建立问卷新版本",
                "survey.wave_create": "建立调查轮次",
                "survey.margins_prefill": "用常住人口预填边际",
                "survey.weighting_update": "修改加权设置",
                "survey.quotas": "设置配额",
                "survey.wave_status": "改变调查状态",
                "survey.frame_import": "导入抽样框",
                "survey.margins_import": "导入普查边际",
                "survey.codes_issue": "生成答题码",
                "survey.response_submit": "提交问卷",
                "survey.responses_import": "导入纸质/面访问卷",
                "survey.estimate_start": "开始评分加权估计",
                "survey.estimate": "完成评分加权估计",
                "survey.indicators": "调查结果写入指标",
            }
        )

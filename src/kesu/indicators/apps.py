from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "kesu.indicators"
    verbose_name = "指标与监测"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.indicators import demo, job_kinds  # noqa: F401  (register the demo step and the job kind)

        register_verbs(
            {
                "indicator_value.record": "录入指标值",
                "indicator_value.delete": "删除指标值",
                "indicator_value.import": "导入指标值",
                "indicator.create": "新增指标",
                "indicator.update": "修改指标",
                "indicator.catalogue_sync": "同步标准指标目录",
                "target.link": "目标对应指标",
                "target.unlink": "取消目标与指标的对应",
                "indicator.publish": "公开指标",
                "indicator.unpublish": "取消公开指标",
                "boundary.upload": "上传边界文件",
                "boundary.publish": "公开分区地图",
                "boundary.unpublish": "撤下公开分区地图",
            }
        )

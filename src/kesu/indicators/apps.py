from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def fill_rollups_after_upgrade(**kwargs: Any) -> None:
    """An install upgraded to stored roll-ups has values but no roll-ups: fill them once, so the
    overviews never show an empty page after ``kesu migrate`` (later writes keep them current)."""
    from kesu.indicators import rollups
    from kesu.indicators.models import IndicatorValue, RolledValue

    if IndicatorValue.objects.exists() and not RolledValue.objects.exists():
        rollups.rebuild_all()


class IndicatorsConfig(AppConfig):
    name = "kesu.indicators"
    verbose_name = "指标与监测"

    def ready(self) -> None:
        from kesu.core.models import register_verbs
        from kesu.indicators import demo, job_kinds, rollups  # noqa: F401  (register the demo step and the job kind)
        from kesu.regions.signals import tree_changed

        tree_changed.connect(rollups.on_tree_changed, dispatch_uid="indicators-rollups")
        post_migrate.connect(fill_rollups_after_upgrade, sender=self, dispatch_uid="indicators-fill-rollups")

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

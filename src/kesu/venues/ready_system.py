"""Run from the venues AppConfig.ready: the Chinese labels of the 科技馆 system, 示范创建 and 表彰 verbs."""

from kesu.core.models import register_verbs
from kesu.venues.models.system import CALL_STEPS, CREATION_STEPS

register_verbs(
    {
        "venue_tour.create": "新增流动科技馆巡展",
        "venue_tour.stop_add": "添加巡展站点",
        "venue_tour.stop_remove": "删除巡展站点",
        "venue_caravan.create": "登记科普大篷车活动",
        "venue_caravan.update": "修改科普大篷车活动",
        "venue_tour.import": "导入流动科技馆巡展站点",
        "venue_caravan.import": "导入科普大篷车活动",
        "venue_checklist.create": "新建示范创建标准",
        "venue_checklist.criterion_add": "添加创建标准条目",
        "venue_creation.create": "新建示范创建",
        "venue_creation.value": "填报创建数据",
        "venue_creation.evidence_add": "上传创建佐证材料",
        **{f"venue_creation.{name}": f"示范创建：{step.label}" for name, step in CREATION_STEPS.items()},
        "venue_award.call_create": "发布表彰",
        "venue_award.nominate": "推荐表彰对象",
        "venue_award.score": "评审表彰对象",
        **{f"venue_award.{name}": f"表彰：{step.label}" for name, step in CALL_STEPS.items()},
        "venue_award.bonus": "表彰计入考核加分",
    }
)

# The demo step runs after the bases registry's (``venues.demo`` is imported first by the app config).
from kesu.venues import demo_system  # noqa: E402,F401
from kesu.venues.importing_system import register as register_system_importers  # noqa: E402

register_system_importers()

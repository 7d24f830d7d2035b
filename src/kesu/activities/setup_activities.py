"""Registrations of the activities part (verbs, importers, demo step, count refreshers)."""


def ready() -> None:
    from kesu.activities import actions, importing
    from kesu.core.models import register_verbs
    from kesu.core.registry_imports import register_importer
    from kesu.regions.signals import tree_changed

    # A region moved under another parent: its activities' copied paths follow (the scope reads them).
    tree_changed.connect(actions.follow_region_move, dispatch_uid="activities-region-path")

    register_importer("activities", "科普活动", importing.run)
    register_verbs(
        {
            "activity.create": "登记科普活动",
            "activity.update": "修改科普活动",
            "activity.submit": "提交科普活动",
            "activity.adopt": "采用科普活动",
            "activity.return": "退回科普活动",
            "activity.adopt_many": "批量采用科普活动",
            "activity.import": "导入科普活动",
        }
    )

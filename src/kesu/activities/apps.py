from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "kesu.activities"
    verbose_name = "科普活动与资源"

    def ready(self) -> None:
        # Two parts, each registering its own verbs, importers, demo steps and job kinds.
        from kesu.activities import setup_activities, setup_campaigns

        setup_activities.ready()
        setup_campaigns.ready()

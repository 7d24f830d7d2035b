from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "kesu.survey"
    verbose_name = "公民科学素质调查"

from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "kesu.indicators"
    verbose_name = "指标与监测"

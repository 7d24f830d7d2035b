from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "kesu.reporting"
    verbose_name = "报送、督办与考核"

from django.urls import path

from kesu.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<int:event_id>/", views.audit_detail, name="audit_detail"),
    path("audit/export/", views.audit_export_start, name="audit_export"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/download/", views.job_download, name="job_download"),
    path("switch-region/", views.switch_region, name="switch_region"),
    path("switch-region/search/", views.region_search, name="region_search"),
    path("healthz", views.health, name="health"),
]

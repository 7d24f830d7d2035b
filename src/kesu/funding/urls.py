"""科普经费: /funding/…"""

from __future__ import annotations

from django.urls import path

from kesu.funding import views

app_name = "funding"
urlpatterns = [
    path("", views.LineList.as_view(), name="line_list"),
    path("overview/", views.overview, name="overview"),
    path("new/", views.LineCreate.as_view(), name="line_create"),
    path("import/", views.LineImport.as_view(), name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("<int:line_id>/", views.LineDetail.as_view(), name="line"),
    path("<int:line_id>/edit/", views.LineEdit.as_view(), name="line_edit"),
    path("<int:line_id>/targets/", views.line_targets, name="line_targets"),
    path("<int:line_id>/advance/", views.line_advance, name="line_advance"),
]

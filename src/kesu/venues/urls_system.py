"""The 科技馆 system, 示范创建 and 表彰 pages, under /bases/system/ (names start with ``system_``)."""

from django.urls import path

from kesu.venues import views_system as views

urlpatterns = [
    path("system/", views.overview, name="system_overview"),
    path("system/region/<str:region_code>/", views.overview, name="system_region"),
    path("system/region/<str:region_code>/refresh/", views.refresh, name="system_refresh"),
    path("system/tours/", views.TourList.as_view(), name="system_tour_list"),
    path("system/tours/new/", views.TourCreate.as_view(), name="system_tour_create"),
    path("system/tours/import/", views.TourStopImport.as_view(), name="system_tour_import"),
    path("system/tours/import/template/", views.tour_import_template, name="system_tour_import_template"),
    path("system/tours/<int:tour_id>/", views.TourDetail.as_view(), name="system_tour"),
    path("system/tours/<int:tour_id>/stops/", views.tour_stop_add, name="system_tour_stop_add"),
    path(
        "system/tour-stops/<int:tour_stop_id>/remove/", views.tour_stop_remove, name="system_tour_stop_remove"
    ),
    path("system/caravan/", views.CaravanList.as_view(), name="system_caravan_list"),
    path("system/caravan/new/", views.CaravanCreate.as_view(), name="system_caravan_create"),
    path("system/caravan/import/", views.CaravanImport.as_view(), name="system_caravan_import"),
    path(
        "system/caravan/import/template/",
        views.caravan_import_template,
        name="system_caravan_import_template",
    ),
    path("system/caravan/<int:caravan_id>/", views.CaravanDetail.as_view(), name="system_caravan"),
    path("system/caravan/<int:caravan_id>/edit/", views.CaravanEdit.as_view(), name="system_caravan_edit"),
    path("system/checklists/", views.ChecklistList.as_view(), name="system_checklist_list"),
    path("system/checklists/standard/", views.checklist_standard, name="system_checklist_standard"),
    path("system/checklists/new/", views.ChecklistCreate.as_view(), name="system_checklist_create"),
    path("system/checklists/<int:checklist_id>/", views.ChecklistDetail.as_view(), name="system_checklist"),
    path("system/checklists/<int:checklist_id>/criteria/", views.criterion_add, name="system_criterion_add"),
    path("system/creations/", views.CreationList.as_view(), name="system_creation_list"),
    path("system/creations/new/", views.CreationCreate.as_view(), name="system_creation_create"),
    path("system/creations/<int:creation_id>/", views.CreationDetail.as_view(), name="system_creation"),
    path("system/creations/<int:creation_id>/values/", views.creation_value, name="system_creation_value"),
    path(
        "system/creations/<int:creation_id>/evidence/",
        views.creation_evidence,
        name="system_creation_evidence",
    ),
    path("system/creations/<int:creation_id>/step/", views.creation_step, name="system_creation_step"),
    path(
        "system/creation-evidence/<int:creation_evidence_id>/",
        views.creation_evidence_file,
        name="system_creation_evidence_file",
    ),
    path("system/awards/", views.CallList.as_view(), name="system_call_list"),
    path("system/awards/new/", views.CallCreate.as_view(), name="system_call_create"),
    path("system/awards/<int:award_call_id>/", views.CallDetail.as_view(), name="system_call"),
    path("system/awards/<int:award_call_id>/nominate/", views.call_nominate, name="system_call_nominate"),
    path("system/awards/<int:award_call_id>/step/", views.call_step, name="system_call_step"),
    path(
        "system/nominations/<int:nomination_id>/review/",
        views.nomination_review,
        name="system_nomination_review",
    ),
    path(
        "system/nominations/<int:nomination_id>/bonus/",
        views.nomination_bonus,
        name="system_nomination_bonus",
    ),
]

"""科技志愿者与信息员: /volunteers/…"""

from __future__ import annotations

from django.urls import path

from kesu.volunteers import importing, views

app_name = "volunteers"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("people/", views.VolunteerList.as_view(), name="volunteer_list"),
    path("people/new/", views.VolunteerCreate.as_view(), name="volunteer_create"),
    path("people/import/", views.VolunteerImportView.as_view(), name="volunteer_import"),
    path("people/<int:pk>/", views.VolunteerDetail.as_view(), name="volunteer"),
    path("people/<int:pk>/edit/", views.VolunteerEdit.as_view(), name="volunteer_edit"),
    path("people/<int:pk>/reveal/", views.volunteer_reveal, name="volunteer_reveal"),
    path("people/<int:pk>/certificate/", views.volunteer_certificate, name="volunteer_certificate"),
    path("certificates/<int:pk>/download/", views.certificate_download, name="certificate_download"),
    path("check/", views.certificate_check, name="check"),
    path("imports/<int:pk>/", views.ImportRunDetail.as_view(), name="import_run"),
    *[
        path(
            f"import/{kind.replace('_', '-')}/",
            views.RegistryImport.as_view(kind=kind),
            name=f"import_{kind}",
        )
        for kind in importing.KINDS
        if kind != "volunteers"
    ],
    *[
        path(
            f"import/{kind.replace('_', '-')}/template/",
            views.import_template,
            {"kind": kind},
            name=f"template_{kind}",
        )
        for kind in importing.KINDS
    ],
    path("teams/", views.TeamList.as_view(), name="team_list"),
    path("teams/new/", views.TeamCreate.as_view(), name="team_create"),
    path("teams/<int:pk>/", views.TeamDetail.as_view(), name="team"),
    path("teams/<int:pk>/edit/", views.TeamEdit.as_view(), name="team_edit"),
    path("activities/new/", views.ActivityCreate.as_view(), name="activity_create"),
    path("activities/<int:pk>/", views.ActivityDetail.as_view(), name="activity"),
    path("activities/<int:pk>/record/", views.record_service, name="record_service"),
    path("records/<int:pk>/correction/", views.record_correction, name="record_correction"),
    path("corrections/<int:pk>/review/", views.correction_review, name="correction_review"),
    path("informants/", views.informant_list, name="informants"),
    path("grids/", views.grid_list, name="grids"),
    path("rules/", views.scheme_edit, name="scheme"),
    path("targets/<int:target_id>/rule/", views.count_rule, name="count_rule"),
]

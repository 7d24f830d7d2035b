from django.urls import path

from kesu.survey import views

app_name = "survey"
urlpatterns = [
    path("", views.index, name="index"),
    path("instruments/import/", views.instrument_import, name="instrument_import"),
    path("instruments/starter/", views.instrument_starter, name="instrument_starter"),
    path("instruments/<int:instrument_id>/", views.instrument_detail, name="instrument"),
    path("instruments/<int:instrument_id>/new-version/", views.instrument_version, name="instrument_version"),
    path("waves/new/", views.wave_create, name="wave_create"),
    path("waves/<int:wave_id>/", views.wave_detail, name="wave"),
    path("waves/<int:wave_id>/frame/", views.frame_import, name="frame_import"),
    path("waves/<int:wave_id>/margins/", views.margins_import, name="margins_import"),
    path("waves/<int:wave_id>/responses/import/", views.responses_import, name="responses_import"),
    path("waves/<int:wave_id>/status/", views.wave_status, name="wave_status"),
    path("waves/<int:wave_id>/codes/", views.codes, name="codes"),
    path("waves/<int:wave_id>/qr.png", views.public_link_qr, name="public_qr"),
    path("waves/<int:wave_id>/template/<str:kind>/", views.import_template, name="import_template"),
    path("waves/<int:wave_id>/quotas/", views.quotas, name="quotas"),
    path("waves/<int:wave_id>/weighting/", views.weighting, name="weighting"),
    path("waves/<int:wave_id>/respondents/", views.respondents, name="respondents"),
    path("waves/<int:wave_id>/items/", views.item_statistics, name="items"),
    path("waves/<int:wave_id>/report/", views.wave_report, name="report"),
    path("waves/<int:wave_id>/report.docx", views.report_docx, name="report_docx"),
    path("waves/<int:wave_id>/indicators/", views.record_indicators, name="record_indicators"),
    # The public questionnaire: no sign-in; the token or the code is the only key.
    path("q/<str:token>/", views.public_start, name="public_start"),
    path("r/<str:code>/", views.respond, name="respond"),
]

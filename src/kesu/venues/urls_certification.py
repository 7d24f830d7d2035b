"""Certification (认定) and the annual report and review (年报与考核), under /bases/."""

from django.urls import path

from kesu.venues import views_annual as annual
from kesu.venues import views_certification as views

urlpatterns = [
    path("certification/", views.batch_list, name="batch_list"),
    path("certification/new/", views.batch_new, name="batch_new"),
    path("certification/template/", views.certificate_template, name="certificate_template"),
    path("certification/<int:batch_id>/", views.batch_detail, name="batch"),
    path("certification/<int:batch_id>/apply/", views.application_new, name="application_new"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path("applications/<int:application_id>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:application_id>/certificate/", views.certificate, name="certificate"),
    path("annual/", annual.annual_home, name="annual"),
    path("annual/rubrics/", annual.rubric_list, name="rubric_list"),
    path("annual/rubrics/<int:rubric_id>/", annual.rubric_detail, name="rubric"),
    path("annual/rounds/new/", annual.round_new, name="round_new"),
    path("annual/rounds/<int:round_id>/", annual.round_board, name="round"),
    path("annual/rounds/<int:round_id>/results/", annual.round_results, name="round_results"),
    path("annual/public/<str:region_code>/<int:year>/", annual.annual_public, name="annual_public"),
    path("annual/reports/<int:annual_report_id>/", annual.annual_report, name="annual_report"),
    path("annual/photos/<int:annual_photo_id>/", annual.annual_photo, name="annual_photo"),
]

"""Contests Part 1: the list, a contest, its rounds and steps, the results import, rankings and 通报."""

from django.urls import path

from kesu.contests import views

urlpatterns = [
    path("", views.ContestList.as_view(), name="contest_list"),
    path("new/", views.ContestCreate.as_view(), name="contest_create"),
    path("mine/", views.my_figures, name="my_figures"),
    path("<int:pk>/", views.ContestDetail.as_view(), name="contest"),
    path("<int:pk>/edit/", views.ContestEdit.as_view(), name="contest_edit"),
    path("<int:pk>/advance/", views.contest_advance, name="contest_advance"),
    path("<int:pk>/rounds/", views.round_save, name="round_save"),
    path("<int:pk>/rounds/<int:number>/delete/", views.round_delete, name="round_delete"),
    path("<int:pk>/results/import/", views.results_import, name="results_import"),
    path("<int:pk>/results/template/", views.import_template, name="results_template"),
    path("<int:pk>/rankings/", views.rankings_page, name="rankings"),
    path("<int:pk>/notice.docx", views.notice, name="notice"),
]

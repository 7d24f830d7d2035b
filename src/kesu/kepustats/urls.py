from django.urls import path

from kesu.kepustats import views

app_name = "kepustats"
urlpatterns = [
    path("", views.index, name="index"),
    path("aggregate/", views.region_aggregate, name="aggregate"),
    path("conversion/", views.conversion, name="conversion"),
    path("rounds/<int:cycle_id>/", views.round_detail, name="round"),
    path("rounds/<int:cycle_id>/xlsx/", views.round_export, name="round_export"),
    path("rounds/<int:cycle_id>/prefill/", views.round_prefill, name="round_prefill"),
    path("forms/<int:form_id>/", views.form_detail, name="form"),
    path("forms/<int:form_id>/prefill/", views.form_prefill, name="form_prefill"),
]

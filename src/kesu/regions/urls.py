from django.urls import path

from kesu.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_list, name="region_list"),
    path("units/", views.UnitList.as_view(), name="unit_list"),
    path("units/new/", views.UnitCreate.as_view(), name="unit_create"),
    path("units/<int:unit_id>/", views.UnitDetail.as_view(), name="unit"),
    path("units/<int:unit_id>/edit/", views.UnitEdit.as_view(), name="unit_edit"),
    path("units/<int:unit_id>/aliases/", views.unit_alias_add, name="unit_alias_add"),
    path("<str:region_code>/", views.region_detail, name="region"),
]

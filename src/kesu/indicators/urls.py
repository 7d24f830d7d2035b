from django.urls import path

from kesu.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.overview_home, name="home"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.indicator_create, name="indicator_create"),
    path("catalogue/<slug:indicator_code>/edit/", views.indicator_edit, name="indicator_edit"),
    path("values/", views.value_list, name="values"),
    path("values/import/", views.ValueImport.as_view(), name="value_import"),
    path("values/template/", views.value_template, name="value_template"),
    path("plans/compare/", views.plan_compare, name="plan_compare"),
    path("plans/<int:plan_id>/links/", views.plan_links, name="plan_links"),
    path("regions/<str:region_code>/", views.region_overview, name="region"),
    path("regions/<str:region_code>/compare/", views.region_compare, name="compare"),
    path("regions/<str:region_code>/publish/", views.publication, name="publication"),
    path("regions/<str:region_code>/boundary/", views.boundary, name="boundary"),
    path("regions/<str:region_code>/boundary.geojson", views.boundary_geojson, name="boundary_geojson"),
    path("regions/<str:region_code>/<slug:indicator_code>/", views.indicator_detail, name="indicator"),
    path("public/<str:region_code>/", views.public_dashboard, name="public"),
]

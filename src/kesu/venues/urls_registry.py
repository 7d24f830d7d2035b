"""The registry's own pages under /bases/: institutions, designations, import, expiry, counts, public list."""

from django.urls import path

from kesu.venues import views

urlpatterns = [
    path("", views.InstitutionList.as_view(), name="institution_list"),
    path("new/", views.InstitutionCreate.as_view(), name="institution_create"),
    path("import/", views.InstitutionImport.as_view(), name="institution_import"),
    path("import/template/", views.import_template, name="import_template"),
    path("expiry/", views.expiry, name="expiry"),
    path("counts/", views.counts, name="counts"),
    path("counts/refresh/", views.refresh, name="counts_refresh"),
    path("targets/<int:target_id>/count-rule/", views.count_rule, name="count_rule"),
    path("public/<str:region_code>/", views.public, name="public"),
    path("<int:institution_id>/", views.InstitutionDetail.as_view(), name="institution"),
    path("<int:institution_id>/edit/", views.InstitutionEdit.as_view(), name="institution_edit"),
    path("<int:institution_id>/phone/", views.reveal_phone, name="institution_phone"),
    path("<int:institution_id>/designations/new/", views.designation_add, name="designation_add"),
    path("designations/<int:designation_id>/edit/", views.designation_edit, name="designation_edit"),
    path("designations/<int:designation_id>/revoke/", views.designation_revoke, name="designation_revoke"),
]

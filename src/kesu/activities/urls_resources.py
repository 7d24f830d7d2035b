from django.urls import path

from kesu.activities import views_resources as views

urlpatterns = [
    path("resources/", views.ResourceList.as_view(), name="resource_list"),
    path("resources/new/", views.ResourceCreate.as_view(), name="resource_create"),
    path("resources/<int:resource_id>/", views.ResourceDetail.as_view(), name="resource"),
    path("resources/<int:resource_id>/edit/", views.ResourceEdit.as_view(), name="resource_edit"),
]

"""All venues pages under /bases/: the registry itself, certification and annual review, the 科技馆 system."""

from django.urls import include, path

app_name = "venues"
urlpatterns = [
    path("", include("kesu.venues.urls_registry")),
    path("", include("kesu.venues.urls_certification")),
    path("", include("kesu.venues.urls_system")),
]

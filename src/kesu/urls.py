from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from kesu.accounts.api.views import me
from kesu.core.registry import app_modules

router = DefaultRouter()
for routes in app_modules("api.routes"):  # each app's api/routes.py registers its viewsets
    routes.register(router)

urlpatterns = [
    path("", include("kesu.core.urls")),
    path("regions/", include("kesu.regions.urls")),
    path("accounts/", include("kesu.accounts.urls")),
    path("plans/", include("kesu.plans.urls")),
    path("reporting/", include("kesu.reporting.urls")),
    path("indicators/", include("kesu.indicators.urls")),
    path("survey/", include("kesu.survey.urls")),
    path("messages/", include("kesu.messaging.urls")),
    path("bases/", include("kesu.venues.urls")),
    path("experts/", include("kesu.experts.urls")),
    path("volunteers/", include("kesu.volunteers.urls")),
    path("activities/", include("kesu.activities.urls")),
    path("funding/", include("kesu.funding.urls")),
    path("statistics/", include("kesu.kepustats.urls")),
    path("contests/", include("kesu.contests.urls")),
    # An own contest's public answering pages (no sign-in).
    path("c/", include("kesu.contests.public_urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include(router.urls)),
    path("api/me/", me, name="api-me"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

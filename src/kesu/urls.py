from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from kesu.accounts.api.views import me
from kesu.core.api.views import AuditEventViewSet
from kesu.plans.api.views import PlanViewSet, TaskViewSet
from kesu.regions.api.views import RegionViewSet, UnitViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("units", UnitViewSet, basename="unit")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("plans", PlanViewSet, basename="plan")
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = [
    path("", include("kesu.core.urls")),
    path("regions/", include("kesu.regions.urls")),
    path("accounts/", include("kesu.accounts.urls")),
    path("plans/", include("kesu.plans.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include(router.urls)),
    path("api/me/", me, name="api-me"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

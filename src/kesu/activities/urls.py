from django.urls import include, path

app_name = "activities"
# Activities (urls_activities), campaigns and resources (urls_campaigns, urls_resources): one namespace.
urlpatterns = [
    path("", include("kesu.activities.urls_activities")),
    path("", include("kesu.activities.urls_campaigns")),
    path("", include("kesu.activities.urls_resources")),
]

"""消息中心: /messages/."""

from __future__ import annotations

from django.urls import path

from kesu.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("read/", views.read_all, name="read_all"),
    path("<int:message_id>/open/", views.open_message, name="open"),
    path("<int:message_id>/read/", views.read_message, name="read"),
    path("today/", views.feed, name="feed"),
    path("sent/", views.sent, name="sent"),
    path("settings/", views.preferences, name="preferences"),
    path("robots/", views.robots, name="robots"),
    path("robots/unit/<int:unit_id>/", views.unit_robots, name="unit_robots"),
    path("robots/region/<str:region_code>/", views.region_robots, name="region_robots"),
    path("robots/<int:robot_id>/", views.robot_edit, name="robot"),
    path("robots/<int:robot_id>/test/", views.robot_test, name="robot_test"),
]

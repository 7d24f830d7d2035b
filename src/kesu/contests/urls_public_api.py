"""The public JSON API of an own contest, under /c/<key>/api/ (see ``api_public``)."""

from django.urls import path

from kesu.contests import api_public as views

urlpatterns = [
    path("challenge", views.challenge, name="api_challenge"),
    path("register", views.register, name="api_register"),
    path("me", views.me, name="api_me"),
    path("attempts", views.attempts, name="api_attempts"),
    path("attempts/current", views.current, name="api_current"),
    path("attempts/<int:attempt_id>/answer", views.answer, name="api_answer"),
    path("attempts/<int:attempt_id>/finish", views.finish, name="api_finish"),
    path("attempts/<int:attempt_id>/result", views.result, name="api_result"),
    path("leaderboard", views.leaderboard, name="api_leaderboard"),
]

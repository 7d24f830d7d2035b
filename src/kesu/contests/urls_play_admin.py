"""The office's pages on an own contest's answering (see ``views_play_admin``)."""

from django.urls import path

from kesu.contests import views_play_admin as views

urlpatterns = [
    path("<int:pk>/participants/", views.participants, name="play_participants"),
    path("<int:pk>/participants/<int:participant_pk>/reveal/", views.participant_reveal, name="play_reveal"),
    path(
        "<int:pk>/participants/<int:participant_pk>/void/",
        views.participant_void,
        name="play_participant_void",
    ),
    path("<int:pk>/attempts/", views.attempts, name="play_attempts"),
    path("<int:pk>/attempts/<int:attempt_pk>/void/", views.attempt_void, name="play_attempt_void"),
    path("<int:pk>/leaderboard/", views.leaderboard, name="play_leaderboard"),
    path("<int:pk>/play/close/", views.close_play, name="play_close"),
]

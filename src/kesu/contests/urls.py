"""The office's side of 科普竞赛. Each part of the app keeps its own URL module (see docs/contests.md)."""

from django.urls import include, path

app_name = "contests"

urlpatterns = [
    path("", include("kesu.contests.urls_contests")),  # contests, rounds, results import, rankings, 通报
    path("", include("kesu.contests.urls_bank")),  # item bank and the own contest's rules
    path("", include("kesu.contests.urls_play_admin")),  # participants, attempts, voiding, leaderboard
]

"""The participants' side of an office's own contest: no sign-in, the contest's public key in the URL."""

from django.urls import include, path

app_name = "contest_public"

urlpatterns = [
    path("<str:key>/api/", include("kesu.contests.urls_public_api")),  # JSON: register, draw, answer, finish
    path("<str:key>/", include("kesu.contests.urls_public_pages")),  # the phone page, QR code, certificate
]

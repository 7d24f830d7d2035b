"""The phone page of an own contest under /c/<key>/ (the JSON API is under /c/<key>/api/)."""

from django.urls import path

from kesu.contests import views_public_pages as views

urlpatterns = [
    path("", views.play, name="play"),
    path("qr.png", views.qr_png, name="qr"),
    path("regions.json", views.regions, name="regions"),
    path("units.json", views.units, name="units"),
    path("certificate/<int:attempt_id>.pdf", views.certificate, name="certificate"),
]

"""Typed requests: what our middleware guarantees on ``request`` inside signed-in views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kesu.accounts.models import User
    from kesu.regions.models import Region


class AuthedRequest(HttpRequest):
    user: User
    region: Region | None
    htmx: HtmxDetails

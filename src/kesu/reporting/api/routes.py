from __future__ import annotations

from typing import Any

from kesu.reporting.api.views import CycleViewSet, EntryViewSet, NoticeViewSet, ReportViewSet


def register(router: Any) -> None:
    router.register("reporting/cycles", CycleViewSet, basename="cycle")
    router.register("reporting/reports", ReportViewSet, basename="report")
    router.register("reporting/entries", EntryViewSet, basename="entry")
    router.register("reporting/notices", NoticeViewSet, basename="notice")

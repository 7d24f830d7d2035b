"""URL samples of the 科技馆 system, 示范创建 and 表彰 pages for the URL walk (merged by testing.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.base import ContentFile

from kesu.regions.models import Region, RegionLevel, Unit
from kesu.venues.models import (
    AwardCall,
    CaravanTrip,
    Checklist,
    Creation,
    CreationEvidence,
    CreationKind,
    CreationLevel,
    Criterion,
    Nomination,
    NomineeKind,
    Tour,
    TourStop,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _county(region: Region) -> Region:
    """A county-level region in ``region``'s subtree (the region itself when it is one)."""
    return (
        Region.objects.filter(path__startswith=region.path, level=RegionLevel.COUNTY).order_by("code").first()
        or region
    )


def url_samples(owner_unit: Unit, owner_region: Region, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on the owner's side (see tests/test_every_url_respects_scope.py): every
    region-bound record lies in ``owner_region``, the nomination names ``owner_unit``. Made directly:
    samples need no audit trail."""
    county = _county(owner_region)
    mark = f"{owner_region.code}-{owner_unit.pk}"
    tour = Tour.objects.create(region=owner_region, exhibition=f"样本巡展{mark}", year=2025)
    stop = TourStop.objects.create(
        tour=tour,
        region=county,
        venue=f"样本展馆{mark}",
        start_date=datetime.date(2025, 5, 1),
        end_date=datetime.date(2025, 5, 10),
        visitors=321,
    )
    trip = CaravanTrip.objects.create(
        region=county, vehicle=f"样本大篷车{mark}", date=datetime.date(2025, 6, 1), place="样本广场"
    )
    # A checklist of a region above reads for the counties below it (they create against it), so the
    # sample is a lower region's own: the first sub-region of the owner's region.
    below = Region.objects.filter(parent=owner_region).order_by("code").first() or owner_region
    checklist = Checklist.objects.create(
        region=below, kind=CreationKind.COUNTY, name=f"样本创建标准{mark}", year=2025
    )
    criterion = Criterion.objects.create(checklist=checklist, order=1, text=f"样本标准{mark}", threshold=1)
    creation = Creation.objects.create(
        region=county,
        kind=CreationKind.COUNTY,
        level=CreationLevel.CITY,
        cycle_start=2021,
        cycle_end=2025,
        checklist=checklist,
    )
    evidence = CreationEvidence(
        creation=creation,
        criterion=criterion,
        filename=f"样本佐证{mark}.png",
        kind="png",
        size=len(PNG),
        sha256="0" * 64,
    )
    evidence.file.save(f"sample-{creation.pk}.png", ContentFile(PNG), save=False)
    evidence.save()
    call = AwardCall.objects.create(region=owner_region, year=2025, title=f"样本表彰{mark}")
    nomination = Nomination.objects.create(
        call=call, kind=NomineeKind.UNIT, unit=owner_unit, recommended_by=owner_unit, deeds=f"样本事迹{mark}"
    )
    return {
        "tour_id": tour.pk,
        "tour_stop_id": stop.pk,
        "caravan_id": trip.pk,
        "checklist_id": checklist.pk,
        "creation_id": creation.pk,
        "creation_evidence_id": evidence.pk,
        "award_call_id": call.pk,
        "nomination_id": nomination.pk,
        "venue-tour-detail:pk": tour.pk,
        "venue-caravan-trip-detail:pk": trip.pk,
        "venue-creation-detail:pk": creation.pk,
        "award-call-detail:pk": call.pk,
        "private_texts": [
            f"样本巡展{mark}",
            f"样本大篷车{mark}",
            f"样本表彰{mark}",
            f"样本事迹{mark}",
            f"样本创建标准{mark}",
        ],
    }

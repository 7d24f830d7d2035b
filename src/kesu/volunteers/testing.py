"""Test helpers of the volunteers app: valid ID numbers, a small register, and the URL walk's samples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from kesu.regions.models import Region, Unit

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(serial: int, area: str = "410402", born: str = "19900101") -> str:
    """A valid 18-character number (GB 11643 check digit) for a synthetic person."""
    body = f"{area}{born}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def url_samples(owner_unit: Unit, owner_region: Region, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on ``owner_unit``'s side (see tests/test_every_url_respects_scope.py)."""
    from kesu.volunteers import actions
    from kesu.volunteers.models import InformantSnapshot, Team, Volunteer

    region = owner_unit.region
    team = Team.objects.filter(region=region, name=f"{region.name}样例服务队").first() or actions.create_team(
        None, region, name=f"{region.name}样例服务队", level="squad", host=owner_unit.name
    )
    volunteer = Volunteer.objects.filter(
        region=region, name="样例志愿者"
    ).first() or actions.create_volunteer(
        None,
        region,
        id_number=id_number(owner_unit.pk % 1000, region.code[:6]),
        name="样例志愿者",
        phone="13800000000",
        employer=owner_unit.name,
    )
    activity = actions.create_activity(
        None,
        region,
        name=f"{owner_unit.name}样例活动",
        start_date=date(2025, 5, 1),
        end_date=date(2025, 5, 2),
        organiser=owner_unit,
    )
    record = actions.record_service(None, activity, volunteer, date(2025, 5, 1), declared_hours=Decimal(2))
    correction = actions.request_correction(None, record, hours=Decimal(1), reason="样例")
    certificate = actions.issue_certificate(None, volunteer, issuer=owner_unit.name)
    run = actions.import_volunteers(None, region, [], filename=f"{owner_unit.name}名单.csv")
    snapshot, _new = InformantSnapshot.objects.get_or_create(
        region=region,
        month=date(2025, 1, 1),
        defaults={"registered": 10, "monthly_active": 2, "source": owner_unit.name},
    )
    samples: dict[str, Any] = {
        f"{name}:pk": volunteer.pk
        for name in ("volunteer", "volunteer_edit", "volunteer_reveal", "volunteer_certificate")
    }
    samples |= {
        "team:pk": team.pk,
        "team_edit:pk": team.pk,
        "activity:pk": activity.pk,
        "record_service:pk": activity.pk,
        "record_correction:pk": record.pk,
        "correction_review:pk": correction.pk,
        "certificate_download:pk": certificate.pk,
        "import_run:pk": run.pk,
        "volunteer-detail:pk": volunteer.pk,
        "volunteer-team-detail:pk": team.pk,
        "informant-snapshot-detail:pk": snapshot.pk,
    }
    return samples

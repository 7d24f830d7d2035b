"""Test helpers of the venues app, including the URL samples the URL walk uses
(tests/test_every_url_respects_scope.py); the certification and 科技馆 parts add theirs from
``testing_certification`` / ``testing_system`` when those modules exist."""

from __future__ import annotations

import importlib
from typing import Any

from kesu.regions.models import Region, Unit
from kesu.venues import actions
from kesu.venues.models import Designation, DesignationLevel, DesignationSystem, Institution
from kesu.venues.models.institutions import CREDIT_CODE_CHARS, credit_code_check_char

PART_SAMPLES = ("kesu.venues.testing_certification", "kesu.venues.testing_system")


def credit_code(number: int, prefix: str = "52410400MJ") -> str:
    """A valid 统一社会信用代码 for test and demo data: ``prefix`` + a 7-character serial + its check character."""
    serial, digits = number, []
    for _ in range(17 - len(prefix)):
        serial, rest = divmod(serial, len(CREDIT_CODE_CHARS))
        digits.append(CREDIT_CODE_CHARS[rest])
    first17 = prefix + "".join(reversed(digits))
    return first17 + credit_code_check_char(first17)


def make_base(
    region: Region,
    name: str,
    *,
    number: int,
    unit: Unit | None = None,
    level: int = DesignationLevel.CITY,
    system: str = DesignationSystem.KEXIE,
    years: tuple[int, int] = (2022, 2026),
    published: bool = True,
    **fields: Any,
) -> Institution:
    """An institution with one designation, through the real actions."""
    institution = actions.create_institution(
        None, region, name=name, credit_code=credit_code(number), unit=unit, published=published, **fields
    )
    if level:
        add(institution, level=level, system=system, years=years)
    return institution


def add(
    institution: Institution, *, level: int, system: str, years: tuple[int, int], **fields: Any
) -> Designation:
    return actions.add_designation(
        None,
        institution,
        system=system,
        level=level,
        batch=f"{years[0]}年度",
        batch_year=years[0],
        start_year=years[0],
        end_year=years[1],
        **fields,
    )


def url_samples(owner_unit: Unit, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on ``owner_unit``'s side. The sample base is not published, so the
    owner's public page stays closed to the other personas too."""
    number = 900_000 + owner_unit.pk
    institution = Institution.objects.filter(credit_code=credit_code(number)).first() or make_base(
        owner_unit.region,
        f"{owner_unit.name}推荐的基地",
        number=number,
        unit=owner_unit,
        published=False,
        contact_phone="13900001234",
    )
    designation = institution.designations.first()
    assert designation is not None
    samples: dict[str, Any] = {
        "institution_id": institution.pk,
        "designation_id": designation.pk,
        "base-detail:pk": institution.pk,
        "private_texts": [institution.name, "13900001234"],
    }
    for name in PART_SAMPLES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        part = dict(module.url_samples(owner_unit, owner_region, owner_user))
        texts = samples["private_texts"] + list(part.pop("private_texts", []))
        samples.update(part, private_texts=texts)
    return samples

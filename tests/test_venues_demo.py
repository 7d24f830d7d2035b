"""The bases demo (演示数据): a registry sized like a city's whose counts reach 平顶山市's base target."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from kesu.testing import PASSWORD, World, build_world

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 9, 1)  # the demo as loaded on this day: batches up to 2026, last year's reports


@pytest.fixture(scope="module")
def demo_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The demo built once for the module (a minute of plan parsing and a few seconds of registry);
    each test runs in a savepoint inside it, and it is all rolled back at the end."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_demo_world()
        transaction.set_rollback(True)


def _build_demo_world() -> World:
    from kesu.indicators import actions as indicator_actions
    from kesu.indicators import demo as indicators_demo
    from kesu.indicators.testing import import_published_plan
    from kesu.venues import demo

    world = build_world()
    indicator_actions.ensure_catalogue()
    import_published_plan(world.pingdingshan)
    import_published_plan(world.xinzheng, "xinzheng_2021_2025.txt")
    indicators_demo._link_targets()  # as the indicators demo leaves them: base targets linked to 基地数
    # The indicators demo's typed figure, which the registry's must replace.
    indicator_actions.record_value(
        None,
        "base_count",
        world.pingdingshan,
        "2024",
        99,
        disaggregation={"级别": "市级"},
        source="import",
        provenance=indicators_demo.PROVENANCE,
    )
    demo.build_registry(DAY)
    demo.set_count_rules()
    demo.refresh_demo_counts(DAY)
    demo.registry_baselines()
    return world


def held_on_31_december(region_path: str, year: int, level: int) -> set[int]:
    """Institutions holding a title of ``level`` at the end of ``year``, counted here by hand in Python."""
    from kesu.venues.models import Designation

    end = datetime.date(year, 12, 31)
    return {
        d.institution_id
        for d in Designation.objects.select_related("institution__region")
        if d.level == level
        and d.start_year <= year <= d.end_year
        and (d.revoked_at is None or d.revoked_at > end)
        and d.institution.region.path.startswith(region_path)
    }


def test_the_150_base_target_of_pingdingshan_gets_its_status_from_the_registry(demo_world: World) -> None:
    from kesu.indicators.figures import target_statuses
    from kesu.indicators.models import IndicatorValue
    from kesu.plans.models import Target
    from kesu.venues.models import CountRule, DesignationLevel

    pds = demo_world.pingdingshan
    target = Target.objects.get(task__plan__region=pds, text__contains="市级科普教育基地总数")
    rule = CountRule.objects.get(target=target)
    assert (rule.level, rule.measure) == (DesignationLevel.CITY, "stock")
    link = target.indicator_link
    assert link.disaggregation == {"级别": "市级"}
    assert (link.baseline_year, link.baseline_value) == (2020, len(held_on_31_december(pds.path, 2020, 3)))
    for year in (2024, 2025, DAY.year):
        value = IndicatorValue.objects.get(
            indicator__code="base_count", region=pds, period=str(year), disaggregation_key__contains="市级"
        )
        assert value.source == "registry" and value.provenance.startswith("登记库：")
        assert value.value == len(held_on_31_december(pds.path, year, DesignationLevel.CITY))
    assert not IndicatorValue.objects.filter(provenance__startswith="演示数据", indicator__code="base_count")
    status = target_statuses(Target.objects.filter(pk=target.pk), pds, DAY.year)[0]
    assert status.assessment is not None and status.note == ""
    judged = min(target.year or DAY.year, DAY.year)  # a target is judged on its figure up to its deadline
    assert status.latest_value == len(held_on_31_december(pds.path, judged, DesignationLevel.CITY)) > 20


def test_a_county_level_citys_市级_target_counts_its_own_titles_and_a_示范基地_target_is_left_alone(
    demo_world: World,
) -> None:
    from kesu.plans.models import Target
    from kesu.venues.models import CountRule, DesignationLevel

    xz = demo_world.xinzheng
    own = Target.objects.get(task__plan__region=xz, text__contains="市级科普教育基地达到15个")
    assert CountRule.objects.get(target=own).level == DesignationLevel.COUNTY  # 新郑市 certifies its own
    demonstration = Target.objects.get(task__plan__region=xz, text__contains="科普示范基地")
    assert not CountRule.objects.filter(target=demonstration).exists()


def test_the_registry_is_sized_like_a_city_valid_and_marked_as_demo_data(demo_world: World) -> None:
    from kesu.venues.models import Designation, Institution, credit_code_problem

    institutions = list(Institution.objects.all())
    assert 150 <= len(institutions) <= 260
    assert 1.1 < Designation.objects.count() / len(institutions) < 2.0
    assert all(i.address.endswith("（演示数据）") for i in institutions)
    assert [i.credit_code for i in institutions if credit_code_problem(i.credit_code)] == []
    assert len({i.credit_code for i in institutions}) == len(institutions)
    assert Counter(d.system for d in Designation.objects.all()).keys() >= {"kexie", "keji"}
    assert {d.level for d in Designation.objects.all()} == {1, 2, 3, 4}
    windows = {(d.start_year, d.end_year) for d in Designation.objects.all()}
    assert (
        all(end - start == 4 for start, end in windows) and len(windows) >= 9
    )  # 5-year batches, overlapping


def test_a_few_titles_run_out_within_six_months_and_one_base_lost_its_title(demo_world: World) -> None:
    from kesu.core.models import AuditEvent
    from kesu.venues.models import AnnualReport, Designation, DesignationStatus, Outcome

    assert 1 <= Designation.objects.expiring_within(6, DAY).count() <= 12
    revoked = Designation.objects.filter(status=DesignationStatus.REVOKED)
    institutions = {d.institution_id for d in revoked}
    assert len(institutions) == 1 and all(d.revoke_reason.startswith("2025年度考核不合格") for d in revoked)
    assert AuditEvent.objects.filter(verb="designation.revoke").count() == revoked.count()
    failed = AnnualReport.objects.get(outcome=Outcome.REVOKE)
    assert failed.institution_id in institutions and failed.band == "不合格"


def test_last_years_reports_are_filed_with_photos_reviewed_and_published(demo_world: World) -> None:
    from kesu.venues.models import AnnualReport, AnnualRound

    rounds = list(AnnualRound.objects.all())
    assert {r.year for r in rounds} == {DAY.year - 1} and all(r.published for r in rounds)
    reports = AnnualReport.objects.filter(round__in=rounds)
    assert reports.count() >= 100
    assert not reports.exclude(state="reviewed").exists()
    assert not reports.filter(photos__isnull=True).exists()
    assert all(r.review_total is not None and r.band for r in reports)


def test_certifications_flow_since_2021_and_the_next_batch_is_in_every_step(demo_world: World) -> None:
    from kesu.core.models import AuditEvent
    from kesu.venues.models import Application, ApplicationStatus, CertificationBatch

    pds = demo_world.pingdingshan
    years = set(CertificationBatch.objects.filter(region=pds).values_list("year", flat=True))
    assert years == set(range(2021, DAY.year + 2))
    certified = Application.objects.filter(status=ApplicationStatus.CERTIFIED)
    assert certified.count() > 50 and not certified.filter(designation__isnull=True).exists()
    current = Application.objects.filter(batch__region=pds, batch__year=DAY.year + 1)
    states = set(current.values_list("status", flat=True))
    assert states >= {"draft", "recommending", "formal", "expert", "proposed", "publicity", "returned"}
    assert AuditEvent.objects.filter(verb="certification.publicize").exists()


def test_loading_the_demo_again_changes_nothing(demo_world: World) -> None:
    from kesu.core.models import AuditEvent
    from kesu.indicators.models import IndicatorValue
    from kesu.venues import demo
    from kesu.venues.models import Designation, Institution

    before = (Institution.objects.count(), Designation.objects.count(), IndicatorValue.objects.count())
    events = AuditEvent.objects.count()
    demo.load(DAY)
    assert (
        Institution.objects.count(),
        Designation.objects.count(),
        IndicatorValue.objects.count(),
    ) == before
    assert AuditEvent.objects.count() == events


def test_the_pingdingshan_office_reads_a_demo_base_and_another_office_does_not(
    demo_world: World, client
) -> None:
    from kesu.venues.models import Institution

    institution = Institution.objects.filter(region__path__startswith=demo_world.pingdingshan.path).first()
    assert institution is not None
    client.login(username="pds-office", password=PASSWORD)
    page = client.get(institution.get_absolute_url())
    assert page.status_code == 200 and institution.base_name in page.content.decode()
    client.login(username="xz-office", password=PASSWORD)
    assert client.get(institution.get_absolute_url()).status_code == 404

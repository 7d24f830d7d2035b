"""督办 steps, reminders and 考核, over HTTP and through the actions."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from kesu.core.models import AuditEvent
from kesu.messaging.models import Delivery, Message
from kesu.reporting import actions, assessment, rules
from kesu.reporting.models import Cycle, Notice, NoticeStatus, Scheme, Score
from kesu.reporting.notify import send_reminders
from kesu.reporting.testing import fill_report
from kesu.testing import World

pytestmark = pytest.mark.django_db


def test_a_notice_goes_from_issue_to_close_with_every_step_audited(
    world: World, cycle: Cycle, client_for, django_capture_on_commit_callbacks
) -> None:
    entry = cycle.reports.get(unit=world.edu_bureau).entries.first()
    assert entry is not None
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    assert (
        liaison.post(
            f"/reporting/entries/{entry.pk}/notice/", {"requirement": "x", "deadline": "2099-07-01"}
        ).status_code
        == 403  # it reads its entry but issues no 督办
    )
    with django_capture_on_commit_callbacks(execute=True):  # the message goes out after the commit
        office.post(
            f"/reporting/entries/{entry.pk}/notice/", {"requirement": "请加快进度", "deadline": "2099-07-01"}
        )
    notice = Notice.objects.get()
    assert Message.objects.filter(recipient=world.edu_liaison, kind="notice_issued").exists()
    assert (
        client_for(world.kexie_liaison).post(f"/reporting/notices/{notice.pk}/", {"step": "sign"}).status_code
        == 404
    )
    assert office.post(f"/reporting/notices/{notice.pk}/", {"step": "sign"}).status_code == 403
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "sign"})
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "respond", "response": "已整改"})
    office.post(
        f"/reporting/notices/{notice.pk}/",
        {"step": "escalate", "note": "整改不到位", "deadline": "2099-08-01"},
    )
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "sign"})
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "respond", "response": "已全部整改"})
    office.post(f"/reporting/notices/{notice.pk}/", {"step": "close", "note": "同意办结"})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED and notice.level == 2
    assert notice.signed_at and notice.responded_at and notice.escalated_at and notice.closed_at
    verbs = list(AuditEvent.objects.for_target(notice).values_list("verb", flat=True))
    assert sorted(set(verbs)) == [
        "notice.close",
        "notice.escalate",
        "notice.issue",
        "notice.respond",
        "notice.sign",
    ]
    history = liaison.get(f"/reporting/entries/{entry.pk}/").content.decode()
    assert "升级督办" in history and "督办办结" in history
    book = load_workbook(io.BytesIO(office.get("/reporting/notices/?format=xlsx").content))
    assert book.active["B2"].value == "市教育体育局"
    assert office.get("/reporting/notices/?format=docx").status_code == 200
    assert client_for(world.xz_office).get(f"/reporting/notices/{notice.pk}/").status_code == 404


def test_reminders_go_once_before_the_due_date_and_again_as_urging_after_it(world: World) -> None:
    from kesu.reporting.testing import open_test_cycle

    world.edu_liaison.email = "edu@example.org"
    world.edu_liaison.save()
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie, due=date(2030, 6, 30))
    assert send_reminders(date(2030, 6, 25)) == 2
    assert send_reminders(date(2030, 6, 25)) == 0  # idempotent
    call_command("send_reminders", "--date", "2030-06-26")
    assert Message.objects.filter(kind="report_due").count() == 2
    # 提醒 goes to the message centre (and SMS where a mobile is set); e-mail only if the user chose it.
    assert Delivery.objects.filter(channel="inapp", message__kind="report_due").count() == 2
    assert not Delivery.objects.filter(message__recipient=world.kexie_liaison, channel="email").exists()
    report = cycle.reports.get(unit=world.kexie)
    fill_report(report)
    actions.submit_report(None, report)
    assert send_reminders(date(2030, 7, 3)) == 1
    assert Message.objects.filter(kind="report_overdue").get().recipient == world.edu_liaison
    assert AuditEvent.objects.filter(verb="report.urge").count() == 1


def test_a_years_assessment_is_computed_judged_ranked_and_exported(world: World, client_for) -> None:
    from kesu.reporting.testing import open_test_cycle

    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie, period="2024H2", due=date(2099, 12, 30))
    for report in cycle.reports.all():
        fill_report(report)
        actions.submit_report(None, report)
        actions.review_report(world.pds_office, report, approve=True, comments={})
    office = client_for(world.pds_office)
    office.post(
        "/reporting/assessments/",
        {"year": 2024, "timeliness": 20, "completeness": 20, "achievement": 40, "quality": 20},
    )
    scheme = Scheme.objects.get()
    bad = office.post(
        "/reporting/assessments/",
        {"year": 2023, "timeliness": 50, "completeness": 20, "achievement": 40, "quality": 20},
    )
    assert "之和应为 100" in bad.content.decode()
    office.post(f"/reporting/assessments/{scheme.pk}/", {"provisional": "1"})
    edu = Score.objects.get(unit=world.edu_bureau)
    assert edu.timeliness == 20 and edu.completeness == 20 and edu.achievement > 0
    office.post(f"/reporting/scores/{edu.pk}/", {"do": "quality", "quality": 18})
    office.post(
        f"/reporting/scores/{edu.pk}/", {"do": "add", "kind": "bonus", "points": 2, "reason": "获省级表彰"}
    )
    edu.refresh_from_db()
    assert edu.total == round(edu.timeliness + edu.completeness + edu.achievement + 18 + 2, 1)
    refused = office.post(
        f"/reporting/scores/{edu.pk}/", {"do": "add", "kind": "bonus", "points": 5, "reason": ""}, follow=True
    )
    assert "须写明理由" in refused.content.decode()
    page = office.get(f"/reporting/assessments/{scheme.pk}/").content.decode()
    assert "成员单位排名" in page and "获省级表彰" in page
    book = load_workbook(io.BytesIO(office.get(f"/reporting/assessments/{scheme.pk}/?format=xlsx").content))
    assert book.active["B2"].value == "市教育体育局" and book.active["A2"].value == 1
    assert client_for(world.edu_liaison).get(f"/reporting/assessments/{scheme.pk}/").status_code == 404
    assert (
        client_for(world.pds_leader).post(f"/reporting/scores/{edu.pk}/", {"quality": 1}).status_code == 404
    )


# ---- 考核: 加减分 items, grace days, both rankings, who may do what ---------------------------------


def _scored_year(world: World, client_for, year: int = 2024, **caps: float) -> tuple[Scheme, Any]:
    """平顶山市's year: both units' reports approved, the scheme set and computed by the office over HTTP."""
    from kesu.reporting.testing import open_test_cycle

    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie, period=f"{year}H2", due=date(2099, 12, 30))
    for report in cycle.reports.all():
        fill_report(report)
        actions.submit_report(None, report)
        actions.review_report(world.pds_office, report, approve=True, comments={})
    office = client_for(world.pds_office)
    office.post(
        "/reporting/assessments/",
        {"year": year, "timeliness": 20, "completeness": 20, "achievement": 40, "quality": 20, **caps},
    )
    scheme = Scheme.objects.get(year=year)
    office.post(f"/reporting/assessments/{scheme.pk}/", {"provisional": "1"})
    return scheme, office


def _add(client: Any, score: Score, kind: str, points: float | str, reason: str) -> Any:
    return client.post(
        f"/reporting/scores/{score.pk}/", {"do": "add", "kind": kind, "points": points, "reason": reason}
    )


def _parts(score: Score) -> float:
    return score.timeliness + score.completeness + score.achievement


def _export(client: Any, scheme: Scheme) -> list[dict[str, Any]]:
    sheet = load_workbook(
        io.BytesIO(client.get(f"/reporting/assessments/{scheme.pk}/?format=xlsx").content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_several_bonus_and_penalty_items_each_with_its_reason_add_up_in_the_page_and_the_export(
    world: World, client_for
) -> None:
    scheme, office = _scored_year(world, client_for)
    edu = Score.objects.get(unit=world.edu_bureau)
    office.post(f"/reporting/scores/{edu.pk}/", {"do": "quality", "quality": "17.5"})
    _add(office, edu, "bonus", 2, "承办全国科普日主场活动")
    _add(office, edu, "bonus", 0.5, "科普信息化工作获通报表扬")
    _add(office, edu, "penalty", 1, "未按时报送半年总结")
    edu.refresh_from_db()
    assert edu.total == round(_parts(edu) + 17.5 + 2.5 - 1, 1)
    page = office.get(f"/reporting/assessments/{scheme.pk}/").content.decode()
    assert "加分：承办全国科普日主场活动 +2" in page and "减分：未按时报送半年总结 −1" in page
    assert "17.5" in page and "pds-office" in page  # the mark with one decimal, and who entered it
    row = next(r for r in _export(office, scheme) if r["单位"] == "市教育体育局")
    assert (
        row["加减分明细"]
        == "加分：承办全国科普日主场活动 +2；加分：科普信息化工作获通报表扬 +0.5；减分：未按时报送半年总结 −1"
    )
    assert (row["加分合计"], row["减分合计"], row["总分"], row["评议人"]) == (2.5, 1, edu.total, "pds-office")
    penalty = edu.adjustments.get(kind="penalty")
    office.post(f"/reporting/scores/{edu.pk}/", {"do": "remove", "item": penalty.pk})
    edu.refresh_from_db()
    assert edu.total == round(_parts(edu) + 17.5 + 2.5, 1) and edu.adjustments.count() == 2
    verbs = list(AuditEvent.objects.for_target(edu).order_by("pk").values_list("verb", flat=True))
    assert verbs == ["assessment.judge", *["assessment.adjustment_add"] * 3, "assessment.adjustment_remove"]
    history = office.get(f"/reporting/scores/{edu.pk}/").content.decode()
    assert "删除加减分项" in history and "减分：未按时报送半年总结 −1" in history


def test_an_item_without_a_reason_or_with_bad_points_is_refused_and_keeps_what_was_typed(
    world: World, client_for
) -> None:
    _scheme, office = _scored_year(world, client_for)
    edu = Score.objects.get(unit=world.edu_bureau)
    no_reason = _add(office, edu, "penalty", 1, "  ").content.decode()
    bad_points = _add(office, edu, "bonus", "两分", "承办全国科普日主场活动").content.decode()
    assert "须写明理由" in no_reason
    assert "分值应为数字" in bad_points and 'value="承办全国科普日主场活动"' in bad_points
    assert "分值应在 0.1 到 100 之间" in _add(office, edu, "bonus", 0, "x").content.decode()
    too_high = office.post(f"/reporting/scores/{edu.pk}/", {"do": "quality", "quality": 25}).content.decode()
    assert "工作质量（0–20 分）应在 0 到 20 之间" in too_high
    total = edu.total
    edu.refresh_from_db()
    assert not edu.adjustments.exists() and edu.quality is None and edu.total == total


def test_the_items_and_the_quality_mark_survive_recomputing_the_components(world: World, client_for) -> None:
    scheme, office = _scored_year(world, client_for)
    kexie = Score.objects.get(unit=world.kexie)
    office.post(f"/reporting/scores/{kexie.pk}/", {"do": "quality", "quality": 16})
    _add(office, kexie, "bonus", 2, "承办全国科普日主场活动")
    _add(office, kexie, "penalty", 1, "未按时报送半年总结")
    office.post(f"/reporting/assessments/{scheme.pk}/", {"provisional": "1"})
    kexie.refresh_from_db()
    assert kexie.quality == 16 and kexie.judged_by == world.pds_office and kexie.adjustments.count() == 2
    # 市科协 only takes part: 目标完成度 不适用, its 20 + 20 + 16 count out of 60, rescaled to 100.
    assert kexie.not_applicable == ["achievement"]
    assert kexie.total == round((kexie.timeliness + kexie.completeness + 16) * 100 / 60 + 2 - 1, 1)


def test_a_scheme_counts_at_most_its_bonus_cap_and_a_changed_cap_retotals_at_once(
    world: World, client_for
) -> None:
    scheme, office = _scored_year(world, client_for, bonus_cap=5)
    edu = Score.objects.get(unit=world.edu_bureau)
    _add(office, edu, "bonus", 4, "承办全国科普日主场活动")
    _add(office, edu, "bonus", 3, "获省级科普工作表彰")
    edu.refresh_from_db()
    assert edu.total == round(_parts(edu) + 5, 1)
    assert "共 7.0，按上限计" in office.get(f"/reporting/assessments/{scheme.pk}/").content.decode()
    office.post(
        "/reporting/assessments/",
        {
            "year": 2024,
            "timeliness": 20,
            "completeness": 20,
            "achievement": 40,
            "quality": 20,
            "bonus_cap": "",
        },
    )
    edu.refresh_from_db()
    assert edu.total == round(_parts(edu) + 7, 1)


def test_a_report_first_submitted_within_the_grace_days_scores_full_timeliness(
    world: World, client_for
) -> None:
    from kesu.periods import Period
    from kesu.reporting.testing import reporting_plan

    due = timezone.localdate() - timedelta(days=3)  # submitted today: three days after the due date
    for unit, grace in ((world.edu_bureau, 5), (world.kexie, 2)):
        cycle = actions.open_cycle(
            None, reporting_plan(unit), Period.parse("2024H2"), due_date=due, timely_days=grace
        )
        report = cycle.reports.get()
        fill_report(report)
        actions.submit_report(None, report)
    scheme, _office = _scored_year(world, client_for, year=2024)
    assert (
        Score.objects.get(scheme=scheme, unit=world.edu_bureau).timeliness == 20
    )  # its other report: on time too
    assert Score.objects.get(scheme=scheme, unit=world.kexie).timeliness == 10  # one of two reports late


def test_units_and_sub_regions_are_ranked_apart_with_ties_sharing_a_place(world: World, client_for) -> None:
    from kesu.regions import actions as region_actions
    from kesu.regions.models import Region, UnitKind
    from kesu.reporting.testing import open_test_cycle

    baofeng = Region.objects.get(code="410421000000")
    county = region_actions.create_unit(
        None, baofeng, "宝丰县人民政府", kind=UnitKind.SUBREGION, is_member=False
    )
    health = region_actions.create_unit(None, world.pingdingshan, "市卫生健康委")
    farming = region_actions.create_unit(None, world.pingdingshan, "市农业农村局")
    open_test_cycle(
        world.edu_bureau, partner=county, period="2024H2"
    )  # the county reports in the city's cycle
    for unit in (world.kexie, health, farming):
        open_test_cycle(unit, period="2024H2")  # nothing submitted: only the office's marks count
    scheme = assessment.create_scheme(world.pds_office, world.pingdingshan, 2024, rules.Weights())
    office = client_for(world.pds_office)
    office.post(f"/reporting/assessments/{scheme.pk}/", {"provisional": "1"})
    marks = {
        world.edu_bureau: (18, "bonus", 2),
        world.kexie: (18, None, 0),
        health: (19, "penalty", 1),
        farming: (10, None, 0),
        county: (15, None, 0),
    }
    for unit, (quality, kind, points) in marks.items():
        score = Score.objects.get(unit=unit)
        office.post(f"/reporting/scores/{score.pk}/", {"do": "quality", "quality": quality})
        if kind:
            _add(office, score, kind, points, "年度工作")
    rows = {r["单位"]: (r["名次"], r["排名类别"], r["总分"]) for r in _export(office, scheme)}
    # The county only takes part in the city's task: its 15 of 60 applicable points count 15 × 100 / 60.
    assert rows == {
        "市教育体育局": (1, "成员单位", 20),
        "市科协": (2, "成员单位", 18),
        "市卫生健康委": (2, "成员单位", 18),
        "市农业农村局": (4, "成员单位", 10),
        "宝丰县人民政府": (1, "下级区划", 25),
    }
    page = office.get(f"/reporting/assessments/{scheme.pk}/").content.decode()
    members, subregions = page[page.index("成员单位排名") :].split("下级区划排名")
    assert "市农业农村局" in members and "宝丰县人民政府" not in members and "宝丰县人民政府" in subregions


def test_the_sub_region_table_says_why_it_is_empty(world: World, client_for) -> None:
    scheme, office = _scored_year(world, client_for)
    page = office.get(f"/reporting/assessments/{scheme.pk}/").content.decode()
    assert "下级区划排名" in page and "本年度没有下级区划政府参加本级报送" in page


def test_only_the_regions_own_office_changes_scores_leaders_read_and_others_see_nothing(
    world: World, client_for
) -> None:
    from kesu.accounts import actions as account_actions
    from kesu.accounts.models import Role
    from kesu.regions.models import Region

    scheme, office = _scored_year(world, client_for)
    edu = Score.objects.get(unit=world.edu_bureau)
    _add(office, edu, "bonus", 2, "承办全国科普日主场活动")
    item = edu.adjustments.get()
    leader = client_for(world.pds_leader)
    page = leader.get(f"/reporting/scores/{edu.pk}/").content.decode()
    assert "承办全国科普日主场活动" in page and 'name="do"' not in page  # read only: no form to change it
    events = AuditEvent.objects.count()
    # The leader reads the scores, so a change is refused 403 无权限; the others do not see them: 404.
    for client, refused in (
        (leader, 403),
        (client_for(world.xz_office), 404),
        (client_for(world.edu_liaison), 404),
    ):
        assert _add(client, edu, "bonus", 9, "x").status_code == refused
        assert (
            client.post(f"/reporting/scores/{edu.pk}/", {"do": "remove", "item": item.pk}).status_code
            == refused
        )
        assert client.post(f"/reporting/assessments/{scheme.pk}/").status_code == refused
    for client in (
        client_for(world.xz_office),
        client_for(world.edu_liaison),
        client_for(world.kexie_liaison),
    ):
        assert client.get(f"/reporting/scores/{edu.pk}/").status_code == 404
        assert client.get(f"/reporting/assessments/{scheme.pk}/").status_code == 404
    assert AuditEvent.objects.count() == events and edu.adjustments.count() == 1
    baofeng = Region.objects.get(code="410421000000")
    county_office = account_actions.create_user(
        None,
        "bf-office",
        "persona-password-2025",
        display_name="宝丰县素质办",
        role=Role.OFFICE,
        region=baofeng,
    )
    county_scheme = assessment.create_scheme(county_office, baofeng, 2024, rules.Weights())
    assert office.get(f"/reporting/assessments/{county_scheme.pk}/").status_code == 200  # the city reads it
    assert (
        office.post(f"/reporting/assessments/{county_scheme.pk}/").status_code == 403
    )  # but does not score it: 403 无权限


@pytest.mark.django_db(transaction=True)
def test_migrating_turns_each_old_bonus_and_penalty_into_an_item_with_the_old_reason(world: World) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("reporting", "0002_entry_filled")], [("reporting", "0003_score_adjustments")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    scheme = old.get_model("reporting", "Scheme").objects.create(region_id=world.pingdingshan.pk, year=2023)
    old_score = old.get_model("reporting", "Score")
    old_score.objects.create(
        scheme=scheme,
        unit_id=world.edu_bureau.pk,
        quality=18,
        bonus=2,
        penalty=1,
        adjustment_reasons="获省级表彰；半年总结迟报",
        total=19,
    )
    old_score.objects.create(scheme=scheme, unit_id=world.kexie.pk, quality=15, total=15)
    executor = MigrationExecutor(connection)  # a fresh graph, as `kesu migrate` would load
    executor.migrate(after)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    edu, kexie = Score.objects.get(unit=world.edu_bureau), Score.objects.get(unit=world.kexie)
    assert [(i.kind, i.points, i.reason) for i in edu.adjustments.all()] == [
        ("bonus", 2, "获省级表彰；半年总结迟报"),
        ("penalty", 1, "获省级表彰；半年总结迟报"),
    ]
    assert (edu.bonus, edu.penalty, edu.total) == (2, 1, 19) and not kexie.adjustments.exists()
    assessment.judge(None, edu, quality=18)  # recomputing the total from the items changes nothing
    edu.refresh_from_db()
    assert edu.total == 19


# ---- Fair 考核: components that do not apply, participants, open cycles -------------------------


def _approved_year(world: World, *, targets: bool = True, due: date | None = None) -> Cycle:
    """平顶山市 2024H2: 市教育体育局 leads two tasks (50% each), 市科协 takes part in the first; both approved."""
    from kesu.plans.models import Target
    from kesu.reporting.testing import open_test_cycle

    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie, period="2024H2", due=date(2099, 12, 30))
    if not targets:
        Target.objects.filter(task__plan=cycle.plan).delete()
    for report in cycle.reports.all():
        fill_report(report)
        actions.submit_report(None, report)
        actions.review_report(world.pds_office, report, approve=True, comments={})
    if due is None:  # submitted on time, and the cycle closed since: the year is final
        Cycle.objects.filter(pk=cycle.pk).update(
            due_date=timezone.localdate() - timedelta(days=1), lock_days=0
        )
    return cycle


def _computed(world: World) -> Scheme:
    scheme = assessment.create_scheme(world.pds_office, world.pingdingshan, 2024, rules.Weights())
    assessment.compute_scores(world.pds_office, scheme)
    return scheme


def test_a_lead_unit_is_scored_on_every_component_out_of_100(world: World) -> None:
    _approved_year(world)
    scheme = _computed(world)
    edu = Score.objects.get(scheme=scheme, unit=world.edu_bureau)
    assessment.judge(world.pds_office, edu, quality=18)
    edu.refresh_from_db()
    # on time 1/1 → 20; 2 of 2 tasks filled → 20; % complete 50 and 50 (no value for the target) → 40 × 0.5 = 20
    assert (edu.timeliness, edu.completeness, edu.achievement, edu.not_applicable) == (20, 20, 20, [])
    assert edu.total == 78.0


def test_a_participating_unit_is_not_given_zero_for_targets_it_does_not_lead(
    world: World, client_for
) -> None:
    _approved_year(world)
    scheme = _computed(world)
    kexie = Score.objects.get(scheme=scheme, unit=world.kexie)
    assessment.judge(world.pds_office, kexie, quality=16)
    kexie.refresh_from_db()
    # its own contribution on time and filled: 20 + 20, quality 16; 56 of 60 applicable points → 93.3 of 100
    assert kexie.not_applicable == ["achievement"] and kexie.total == 93.3
    office = client_for(world.pds_office)
    page = office.get(f"/reporting/scores/{kexie.pk}/").content.decode()
    assert "不适用" in page and "按 100 ÷ 60 折算为 93.3 分" in page
    table = office.get(f"/reporting/assessments/{scheme.pk}/").content.decode()
    assert "不适用" in table and "暂算" not in table


def test_a_unit_leading_tasks_without_targets_is_judged_on_its_percent_complete(world: World) -> None:
    _approved_year(world, targets=False)
    edu = Score.objects.get(scheme=_computed(world), unit=world.edu_bureau)
    assert edu.achievement == 20 and edu.not_applicable == []  # 40 × (50% + 50%) / 2


def test_computing_a_year_with_an_open_cycle_names_it_and_marks_the_scores_provisional(
    world: World, client_for
) -> None:
    cycle = _approved_year(world, due=date(2099, 12, 30))
    scheme = assessment.create_scheme(world.pds_office, world.pingdingshan, 2024, rules.Weights())
    office = client_for(world.pds_office)
    warned = office.post(f"/reporting/assessments/{scheme.pk}/", follow=True).content.decode()
    assert "尚未结束" in warned and str(cycle) in warned and "仍然计算（暂算）" in warned
    assert not Score.objects.filter(scheme=scheme).exists()  # nothing computed until the office goes on
    office.post(f"/reporting/assessments/{scheme.pk}/", {"provisional": "1"})
    scheme.refresh_from_db()
    assert scheme.is_provisional and scheme.open_cycles == [str(cycle)]
    assert Score.objects.filter(scheme=scheme).count() == 2
    page = office.get(f"/reporting/assessments/{scheme.pk}/").content.decode()
    assert "暂算" in page and str(cycle) in page
    score = Score.objects.filter(scheme=scheme).earliest("pk")
    score_page = office.get(f"/reporting/scores/{score.pk}/").content.decode()
    assert "总分（暂算）" in score_page
    Cycle.objects.filter(pk=cycle.pk).update(due_date=date(2024, 12, 30), lock_days=0)
    assessment.compute_scores(world.pds_office, scheme)
    scheme.refresh_from_db()
    assert not scheme.is_provisional


def test_a_refused_assessment_change_raises_the_assessment_error_views_catch(world: World) -> None:
    with pytest.raises(assessment.AssessmentError, match="之和应为 100"):
        assessment.create_scheme(None, world.pingdingshan, 2024, rules.Weights(timeliness=50))


# ---- Honest lights ------------------------------------------------------------------------------


def test_a_task_with_no_responsible_unit_is_grey_on_the_board_and_listed_for_the_office(
    world: World, client_for
) -> None:
    from kesu.periods import Period
    from kesu.plans.models import Task
    from kesu.reporting.testing import reporting_plan

    plan = reporting_plan(world.edu_bureau)
    safeguard = Task.objects.create(
        plan=plan,
        external_id="9",
        order=9,
        title="加强组织领导，健全工作机制",
        text="各地各部门要把科学素质工作纳入议事日程。",
        part_kind="other",
    )
    cycle = actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))
    for report in cycle.reports.all():
        fill_report(report)
        actions.submit_report(None, report)
    response = client_for(world.pds_office).get(f"/reporting/cycles/{cycle.pk}/")
    row = next(t for t in response.context["board"].tasks if t.task == safeguard)
    assert row.light.colour == rules.GREY and row.light.label == "无责任单位"
    page = response.content.decode()
    assert "1 项任务无责任单位" in page and safeguard.get_absolute_url() in page


def _safeguard_task(world: World) -> tuple[Any, Any]:
    from kesu.plans.models import Task
    from kesu.reporting.testing import reporting_plan

    plan = reporting_plan(world.edu_bureau)
    safeguard = Task.objects.create(
        plan=plan, external_id="9", order=9, title="加强组织领导", text="纳入议事日程。", part_kind="other"
    )
    return plan, safeguard


def test_the_office_marks_a_task_with_no_unit_not_reported_and_it_leaves_the_boards_list(
    world: World, client_for
) -> None:
    from kesu.periods import Period

    plan, safeguard = _safeguard_task(world)
    cycle = actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))
    office = client_for(world.pds_office)
    board_url = f"/reporting/cycles/{cycle.pk}/"
    assert f"/plans/tasks/{safeguard.pk}/not-reported/" in office.get(board_url).content.decode()
    response = office.post(f"/plans/tasks/{safeguard.pk}/not-reported/", {"value": "1", "next": board_url})
    assert response.status_code == 302 and response["Location"] == board_url
    response = office.get(board_url)
    assert "项任务无责任单位" not in response.content.decode()
    row = next(t for t in response.context["board"].tasks if t.task == safeguard)
    assert row.light.colour == rules.GREY and row.light.label == "不报送"
    assert "恢复报送" in office.get(safeguard.get_absolute_url()).content.decode()
    event = AuditEvent.objects.for_target(safeguard).get(verb="task.not_reported")
    assert event.before == {"not_reported": False} and event.after == {"not_reported": True}


def test_a_liaison_cannot_mark_a_task_not_reported(world: World, client_for) -> None:
    _, safeguard = _safeguard_task(world)
    response = client_for(world.edu_liaison).post(
        f"/plans/tasks/{safeguard.pk}/not-reported/", {"value": "1"}
    )
    assert response.status_code in (403, 404)
    safeguard.refresh_from_db()
    assert not safeguard.not_reported


def test_a_new_cycle_has_no_entry_for_a_task_marked_not_reported(world: World, client_for) -> None:
    from kesu.periods import Period
    from kesu.plans.models import Responsibility

    plan, safeguard = _safeguard_task(world)
    Responsibility.objects.create(task=safeguard, role="lead", mention="市教体局", unit=world.edu_bureau)
    client_for(world.pds_office).post(f"/plans/tasks/{safeguard.pk}/not-reported/", {"value": "1"})
    cycle = actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))
    assert cycle.reports.filter(unit=world.edu_bureau).exists()
    assert not cycle.reports.filter(entries__task=safeguard).exists()


def test_a_late_or_missing_statistics_report_changes_no_units_score_and_the_cycle_list_tells_the_rounds_apart(
    world: World, client_for
) -> None:
    from kesu.periods import Period
    from kesu.reporting.models import Report, ReportStatus

    progress = _approved_year(world)
    scheme = _computed(world)
    before = {s.unit_id: (s.timeliness, s.completeness, s.achievement, s.total) for s in scheme.scores.all()}
    statistics = actions.open_cycle(
        None,
        progress.plan,
        Period(2024, None),
        due_date=date(2025, 5, 31),
        kind="kepustats",
        units=[world.edu_bureau.pk, world.kexie.pk],
    )
    # 市教育体育局 handed its 科普统计 in late; 市科协 never did: neither is a progress report.
    Report.objects.filter(cycle=statistics, unit=world.edu_bureau).update(
        status=ReportStatus.APPROVED, on_time=False
    )
    assessment.compute_scores(world.pds_office, scheme)
    after = {s.unit_id: (s.timeliness, s.completeness, s.achievement, s.total) for s in scheme.scores.all()}
    assert after == before and len(after) == 2
    assert str(statistics) not in scheme.open_cycles
    page = client_for(world.pds_office).get("/reporting/cycles/").content.decode()
    assert page.count("科普统计</span>") == 1  # the 科普统计 round is badged, the progress round is not

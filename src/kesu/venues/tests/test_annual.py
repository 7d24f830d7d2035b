"""The annual report and review: the rubric as data, self and reviewer scores, bands, 整改 and 摘牌,
photos checked by content and size, Reporting's lights and reminders, and scope over HTTP."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core.models import AuditEvent
from kesu.messaging.models import Message
from kesu.reporting import rules
from kesu.testing import World
from kesu.venues import actions_annual as actions
from kesu.venues.models import (
    AnnualReport,
    AnnualRound,
    Designation,
    DesignationStatus,
    Outcome,
    ReportState,
    Rubric,
    band_of,
    line_points,
)
from kesu.venues.testing_certification import PNG, base_with_designation, fill, make_round
from kesu.venues.views_annual import board

pytestmark = pytest.mark.django_db


# ---- pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "points"), [(366, 10), (300, 10), (299, 8), (250, 8), (200, 6), (199, 0), (None, 0)]
)
def test_a_figure_scores_the_points_of_the_highest_threshold_it_reaches(
    days: int | None, points: int
) -> None:
    assert line_points(days, [[200, 6], [300, 10], [250, 8]]) == Decimal(points)


@pytest.mark.parametrize(
    ("total", "band"),
    [(90, "优秀"), (89.9, "良好"), (75, "良好"), (60, "合格"), (59.5, "不合格"), (0, "不合格")],
)
def test_the_band_is_the_totals_share_of_full_marks_against_the_rubric_minimums(
    total: float, band: str
) -> None:
    minimums = (Decimal(90), Decimal(75), Decimal(60))
    assert band_of(Decimal(str(total)), Decimal(100), minimums) == band
    assert band_of(Decimal(str(total)) / 2, Decimal(50), minimums) == band


def test_thresholds_are_read_as_minimum_colon_points_and_a_typo_is_named() -> None:
    assert actions.parse_thresholds("250：8，300:10; 200:6".replace(";", "，")) == [
        [300, 10],
        [250, 8],
        [200, 6],
    ]
    with pytest.raises(actions.AnnualError, match="档次“三百:10”应写成"):
        actions.parse_thresholds("三百:10")


# ---- the round ----------------------------------------------------------------------------------


def test_a_round_opens_one_report_per_base_valid_that_year_in_the_subtree(world: World) -> None:
    valid = base_with_designation(world.edu_bureau, serial=1)
    lapsed = base_with_designation(world.kexie, serial=2)
    Designation.objects.filter(institution=lapsed).update(start_year=2018, end_year=2022)
    base_with_designation(world.pingyin_kexie, serial=3)  # another city
    annual = make_round(world.pingdingshan, year=2025)
    assert list(annual.reports.values_list("institution", flat=True)) == [valid.pk]
    with pytest.raises(actions.AnnualError, match="2025年度的年报已经开启"):
        make_round(world.pingdingshan, year=2025)


def test_the_base_scores_itself_from_its_figures_and_submits_with_photos(world: World) -> None:
    base_with_designation(world.edu_bureau)
    report = make_round(world.pingdingshan).reports.get()
    with pytest.raises(actions.AnnualError, match="请先填写：开放天数、接待人次.*照片"):
        actions.submit_report(world.edu_liaison, report)
    report = fill(report, world.edu_liaison, open_days=260, visitors=12000)
    suggested = actions.suggested_points(report)
    assert sorted(v for v in suggested.values() if v is not None) == [Decimal(30), Decimal(32)]
    lines = list(report.round.rubric.lines.all())
    report = actions.save_report(
        world.edu_liaison,
        report,
        self_points={lines[0].pk: Decimal(32), lines[1].pk: Decimal(30), lines[2].pk: Decimal(18)},
    )
    assert report.self_total == Decimal(80)
    with pytest.raises(actions.AnnualError, match="“特色活动与安全管理”的得分应在 0 到 20 之间"):
        actions.save_report(world.edu_liaison, report, self_points={lines[2].pk: Decimal(25)})
    report = actions.submit_report(world.edu_liaison, report)
    assert report.state == ReportState.SUBMITTED and report.first_submitted_at is not None
    with pytest.raises(actions.AnnualError, match="年报已提交，不能修改"):
        actions.save_report(world.edu_liaison, report, visitors=1)


def test_a_photo_must_be_an_image_by_its_content_and_at_most_5_mb(world: World) -> None:
    base_with_designation(world.edu_bureau)
    report = make_round(world.pingdingshan).reports.get()
    with pytest.raises(actions.AnnualError, match="“展厅.jpg”不是图片"):
        actions.add_photo(None, report, b"MZ\x90\x00 not an image", "展厅.jpg")
    with pytest.raises(actions.AnnualError, match="超过 5 MB"):
        actions.add_photo(None, report, PNG + b"\x00" * (5 * 1024 * 1024), "大图.png")
    assert actions.add_photo(None, report, PNG, "展厅.png").kind == "png"


def _reviewed(world: World, outcome: str, **kwargs: object) -> AnnualReport:
    base_with_designation(world.edu_bureau)
    report = fill(make_round(world.pingdingshan).reports.get())
    report = actions.submit_report(None, report)
    lines = list(report.round.rubric.lines.all())
    points = {lines[0].pk: Decimal(24), lines[1].pk: Decimal(15), lines[2].pk: Decimal(10)}
    return actions.review_report(world.pds_office, report, review_points=points, outcome=outcome, **kwargs)  # type: ignore[arg-type]


def test_the_reviewer_score_sets_the_band_and_rectification_marks_the_designation(world: World) -> None:
    deadline = datetime.date(2026, 6, 30)
    report = _reviewed(world, Outcome.RECTIFY, rectify_deadline=deadline, note="开放天数不足")
    assert (report.review_total, report.band) == (Decimal(49), "不合格")
    assert report.rectify_deadline == deadline
    assert Designation.objects.get(institution=report.institution).status == DesignationStatus.RECTIFYING


def test_revocation_takes_the_title_away_through_the_registry_and_is_audited(world: World) -> None:
    report = _reviewed(world, Outcome.REVOKE, note="全年闭馆")
    designation = Designation.objects.get(institution=report.institution)
    assert designation.status == DesignationStatus.REVOKED
    assert designation.revoke_reason == "2025年度考核不合格：全年闭馆"
    assert AuditEvent.objects.for_target(designation).filter(verb="designation.revoke").count() == 1
    assert AuditEvent.objects.for_target(report).filter(verb="annual.review").count() == 1


def test_rectification_needs_a_deadline_and_revocation_a_reason(world: World) -> None:
    with pytest.raises(actions.AnnualError, match="限期整改须写明整改期限"):
        _reviewed(world, Outcome.RECTIFY)
    AnnualReport.objects.all().delete()


def test_results_are_published_only_once_every_report_is_reviewed(world: World) -> None:
    base_with_designation(world.edu_bureau, serial=1)
    base_with_designation(world.edu_bureau, serial=2)
    annual = make_round(world.pingdingshan)
    with pytest.raises(actions.AnnualError, match="还有年报未评审完毕"):
        actions.publish_results(world.pds_office, annual)


# ---- Reporting's lights, rates and reminders ---------------------------------------------------


def test_the_board_uses_reportings_lights_and_rates(world: World) -> None:
    base_with_designation(world.edu_bureau, serial=1)
    base_with_designation(world.kexie, serial=2)
    annual = make_round(world.pingdingshan, due=datetime.date.today() - datetime.timedelta(days=3))
    first = annual.reports.get(institution__unit=world.edu_bureau)
    actions.submit_report(None, fill(first))
    rows, rates = board(annual, annual.reports.select_related("institution").order_by("institution__name"))
    colours = {row.report.institution.unit_id: row.light.colour for row in rows}
    assert colours == {world.edu_bureau.pk: rules.GREEN, world.kexie.pk: rules.RED}
    assert (rates.expected, rates.submitted, rates.on_time) == (2, 1, 0)
    assert rates.reporting_rate == 50.0


def test_reminders_go_to_the_recommending_units_liaison_once_per_key(world: World) -> None:
    base_with_designation(world.edu_bureau)
    annual = make_round(world.pingdingshan, due=datetime.date(2030, 1, 31))
    report = annual.reports.get()
    assert actions.send_annual_reminders(datetime.date(2030, 1, 28)) == 1
    assert actions.send_annual_reminders(datetime.date(2030, 1, 29)) == 0
    assert actions.send_annual_reminders(datetime.date(2030, 2, 2)) == 1  # 催办, first week overdue
    titles = list(Message.objects.filter(recipient=world.edu_liaison).values_list("title", flat=True))
    assert any("【提醒】2025年度科普教育基地年报将于3天后截止" in t for t in titles)
    assert any("【催办】" in t for t in titles)
    assert (
        AuditEvent.objects.for_target(report).filter(verb__in=("annual.remind", "annual.urge")).count() == 2
    )
    assert not Message.objects.filter(recipient=world.kexie_liaison).exists()


# ---- over HTTP ----------------------------------------------------------------------------------


def test_the_liaison_fills_the_report_over_http_and_uploads_a_photo(world: World, client_for) -> None:
    base_with_designation(world.edu_bureau)
    report = make_round(world.pingdingshan).reports.get()
    liaison = client_for(world.edu_liaison)
    url = report.get_absolute_url()
    assert report.institution.name in liaison.get("/bases/annual/").content.decode()
    bad = liaison.post(url, {"step": "photo", "photo": SimpleUploadedFile("a.png", b"GIF? no")})
    assert "不是图片" in bad.content.decode()
    liaison.post(url, {"step": "photo", "photo": SimpleUploadedFile("展厅.png", PNG)})
    data = {
        "open_days": "310",
        "visitors": "32000",
        "fulltime_staff": "3",
        "parttime_staff": "8",
        "funding": "45.5",
        "volunteers": "20",
        "activities": "科技周活动",
        "problems": "经费不足",
    }
    lines = list(report.round.rubric.lines.all())
    data |= {f"self_{line.pk}": str(line.points) for line in lines}
    response = liaison.post(url, {**data, "step": "submit"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and report.self_total == Decimal(100)
    photo = report.photos.get()
    assert liaison.get(f"/bases/annual/photos/{photo.pk}/")["Content-Type"] == "image/png"


def test_the_office_returns_and_reviews_over_http_and_the_liaison_cannot_review(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:
    base_with_designation(world.edu_bureau)
    report = actions.submit_report(None, fill(make_round(world.pingdingshan).reports.get()))
    url = report.get_absolute_url()
    lines = list(report.round.rubric.lines.all())
    review = {
        "step": "review",
        "outcome": "keep",
        "note": "",
        **{f"review_{line.pk}": "20" for line in lines},
    }
    assert client_for(world.edu_liaison).post(url, review).status_code == 403
    office = client_for(world.pds_office)
    with django_capture_on_commit_callbacks(execute=True):
        office.post(url, {"step": "return", "reason": "照片不清晰"})
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED
    assert Message.objects.filter(recipient=world.edu_liaison, title__contains="退回").exists()
    actions.submit_report(None, report)
    assert office.post(url, review).status_code == 302
    report.refresh_from_db()
    assert (report.review_total, report.band, report.outcome) == (Decimal(60), "合格", "keep")


def test_scope_a_liaison_sees_only_its_bases_reports_and_outsiders_nothing(world: World, client_for) -> None:
    mine = base_with_designation(world.edu_bureau, serial=1)
    theirs = base_with_designation(world.kexie, serial=2)
    annual = make_round(world.pingdingshan)
    their_report = annual.reports.get(institution=theirs)
    liaison = client_for(world.edu_liaison)
    assert liaison.get(their_report.get_absolute_url()).status_code == 404
    assert liaison.post(their_report.get_absolute_url(), {"step": "save", "visitors": "1"}).status_code == 404
    assert theirs.name not in liaison.get("/bases/annual/").content.decode()
    assert mine.name in liaison.get("/bases/annual/").content.decode()
    outsider = client_for(world.xz_office)
    assert outsider.get(annual.get_absolute_url()).status_code == 404
    assert outsider.get(their_report.get_absolute_url()).status_code == 404
    leader = client_for(world.pds_leader)
    assert leader.get(their_report.get_absolute_url()).status_code == 200
    assert leader.post(their_report.get_absolute_url(), {"step": "save"}).status_code == 403


def test_the_published_list_names_rectified_and_revoked_bases(world: World, client_for) -> None:
    report = _reviewed(world, Outcome.REVOKE, note="全年闭馆")
    office = client_for(world.pds_office)
    results = f"/bases/annual/rounds/{report.round_id}/results/"
    assert client_for(world.edu_liaison).get(results).status_code == 404  # not published yet
    office.post(results)
    page = client_for(world.edu_liaison).get(results).content.decode()
    assert "取消资格（摘牌）基地" in page and str(report.institution) in page and "全年闭馆" in page


def test_the_office_defines_a_rubric_and_opens_a_round_over_http(world: World, client_for) -> None:
    base_with_designation(world.edu_bureau)
    office = client_for(world.pds_office)
    office.post(
        "/bases/annual/rubrics/",
        {"name": "2025年评分表", "excellent_min": "90", "good_min": "75", "pass_min": "60"},
    )
    rubric = Rubric.objects.get(name="2025年评分表")
    rubric_url = f"/bases/annual/rubrics/{rubric.pk}/"
    bad = office.post(
        rubric_url,
        {"step": "line", "title": "开放天数", "points": "10", "figure": "open_days", "thresholds": "300:12"},
    )
    assert "档次得分不能超过该项分值" in bad.content.decode()
    office.post(
        rubric_url,
        {
            "step": "line",
            "title": "开放天数",
            "points": "10",
            "figure": "open_days",
            "thresholds": "300:10,200:6",
        },
    )
    assert rubric.lines.get().thresholds == [[300, 10], [200, 6]]
    assert (
        client_for(world.edu_liaison).post(rubric_url, {"step": "bands", "excellent_min": "1"}).status_code
        == 404
    )
    response = office.post(
        "/bases/annual/rounds/new/",
        {"year": "2025", "rubric": rubric.pk, "due_date": "2099-01-31", "warn_days": "7"},
    )
    annual = AnnualRound.objects.get(region=world.pingdingshan, year=2025)
    assert response["Location"] == annual.get_absolute_url()
    assert annual.reports.count() == 1
    assert "填报率" in office.get(annual.get_absolute_url()).content.decode()


def test_a_county_office_follows_the_citys_round_for_its_own_bases_only(world: World, client_for) -> None:
    from kesu.accounts import actions as account_actions
    from kesu.accounts.models import Role
    from kesu.regions import actions as region_actions
    from kesu.regions.models import Region
    from kesu.testing import PASSWORD

    baofeng = Region.objects.get(code="410421000000")
    county_unit = region_actions.create_unit(None, baofeng, "宝丰县科协", is_office=True)
    county_base = base_with_designation(county_unit, serial=1, name="宝丰县科技馆")
    city_base = base_with_designation(world.edu_bureau, serial=2, name="平顶山市科技馆")
    annual = make_round(world.pingdingshan)
    county_office = account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)
    client = client_for(county_office)
    board_page = client.get(annual.get_absolute_url()).content.decode()
    assert county_base.name in board_page and city_base.name not in board_page
    county_report = annual.reports.get(institution=county_base)
    assert client.get(county_report.get_absolute_url()).status_code == 200
    assert (
        client.post(county_report.get_absolute_url(), {"step": "return", "reason": "越权"}).status_code == 403
    )
    assert client.get(annual.reports.get(institution=city_base).get_absolute_url()).status_code == 404


def test_the_status_board_costs_the_same_queries_for_2_or_8_bases(world: World, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    office = client_for(world.pds_office)
    counts = []
    for size in (2, 8):
        AnnualReport.objects.all().delete()
        AnnualRound.objects.all().delete()
        for serial in range(1, size + 1):
            if not Designation.objects.filter(institution__name=f"基地{serial}").exists():
                base_with_designation(
                    world.edu_bureau if serial % 2 else world.kexie, serial=serial, name=f"基地{serial}"
                )
        annual = (
            make_round(world.pingdingshan) if not AnnualRound.objects.exists() else AnnualRound.objects.get()
        )
        office.get(annual.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            assert office.get(annual.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# ---- a decided report reads as decided ------------------------------------------------------------


def _selected_outcome(page: str) -> str:
    """The label of the outcome select's selected option on the review form."""
    select = page.split('name="outcome"', 1)[1].split("</select>", 1)[0]
    return select.split(" selected>", 1)[1].split("<", 1)[0] if " selected>" in select else ""


def test_before_publication_the_review_form_shows_the_decided_outcome_not_please_choose(
    world: World, client_for
) -> None:
    report = _reviewed(world, Outcome.REVOKE, note="全年闭馆")
    page = client_for(world.pds_office).get(report.get_absolute_url()).content.decode()
    assert _selected_outcome(page).startswith("取消资格")
    assert "请选择" not in page.split('name="outcome"', 1)[1].split("</select>", 1)[0]


def test_a_reviewed_and_published_report_is_read_only_and_names_who_decided_when(
    world: World, client_for
) -> None:
    report = _reviewed(world, Outcome.KEEP)
    actions.publish_results(world.pds_office, report.round)
    office = client_for(world.pds_office)
    page = office.get(report.get_absolute_url()).content.decode()
    assert 'name="outcome"' not in page and "提交评审" not in page
    assert "评审人" in page and str(world.pds_office) in page
    assert f"{report.reviewed_at:%Y}年" in page
    lines = list(report.round.rubric.lines.all())
    review = {"step": "review", "outcome": "revoke", "note": "改判", **{f"review_{x.pk}": "1" for x in lines}}
    assert office.post(report.get_absolute_url(), review).status_code == 403
    with pytest.raises(actions.AnnualError, match="考核结果已公布"):
        actions.review_report(world.pds_office, report, review_points={}, outcome=Outcome.REVOKE, note="改判")
    report.refresh_from_db()
    assert report.outcome == Outcome.KEEP


# ---- the public list ----------------------------------------------------------------------------


def test_the_public_results_page_opens_without_sign_in_only_after_publication(world: World) -> None:
    from django.test import Client

    kept = _reviewed(world, Outcome.KEEP)
    rectified = kept.round.reports.create(
        institution=base_with_designation(world.kexie, serial=2, name="市青少年宫科普馆")
    )
    rectified = actions.submit_report(None, fill(rectified))
    lines = list(kept.round.rubric.lines.all())
    actions.review_report(
        world.pds_office,
        rectified,
        review_points={line.pk: Decimal(1) for line in lines},
        outcome=Outcome.RECTIFY,
        rectify_deadline=datetime.date(2026, 9, 30),
        note="内部意见：馆长不配合",
    )
    url = f"/bases/annual/public/{world.pingdingshan.code}/{kept.round.year}/"
    anonymous = Client()
    assert anonymous.get(url).status_code == 404  # not published yet
    actions.publish_results(world.pds_office, kept.round)
    response = anonymous.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    kept_part, rest = page.split("二、限期整改", 1)
    rectify_part, revoked_part = rest.split("三、取消资格", 1)
    assert str(kept.institution) in kept_part and "市青少年宫科普馆" in rectify_part
    assert "2026年9月30日前完成整改" in rectify_part and "无" in revoked_part
    assert "内部意见" not in page and "展品更新经费不足" not in page  # no one's notes or report text
    assert anonymous.get(f"/bases/annual/public/{world.pingdingshan.code}/2019/").status_code == 404
    assert anonymous.get(f"/bases/annual/public/{world.xinzheng.code}/{kept.round.year}/").status_code == 404


def test_the_daily_reminder_run_also_reminds_the_bases_of_their_annual_report(world: World) -> None:
    from django.core.management import call_command

    base_with_designation(world.edu_bureau)
    make_round(world.pingdingshan, due=datetime.date(2030, 1, 31))
    call_command("send_reminders", "--date", "2030-01-28")
    titles = list(Message.objects.filter(recipient=world.edu_liaison).values_list("title", flat=True))
    assert any("科普教育基地年报将于3天后截止" in t for t in titles)

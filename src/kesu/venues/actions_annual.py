"""Every write of the annual report and review (年报与年度考核): one transaction and one audit event each.

A round is collected the way Reporting collects a cycle: its lights and rates are
``kesu.reporting.rules``'s, its reminders go out through ``kesu.reporting.notify`` (one in-app
notification per key, then the e-mail and SMS channels), so the two never drift apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kesu.accounts.models import User
from kesu.core import audit
from kesu.core.formats import day_text
from kesu.reporting import notify
from kesu.reporting.sniff import IMAGE_KINDS, sniff
from kesu.venues.models import (
    REPORT_FIGURES,
    AnnualPhoto,
    AnnualReport,
    AnnualRound,
    Designation,
    DesignationStatus,
    Institution,
    LineScore,
    Outcome,
    ReportState,
    Rubric,
    RubricLine,
    band_of,
    line_points,
)

if TYPE_CHECKING:
    from kesu.regions.models import Region

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_COUNT = 20
FIGURE_FIELDS = ("open_days", "visitors", "fulltime_staff", "parttime_staff", "funding", "volunteers")
TEXT_FIELDS = ("activities", "problems")


class AnnualError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def number(value: Decimal) -> str:
    """20.0 → 20, 7.5 → 7.5 (never 2E+1)."""
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


# ---- rubric -------------------------------------------------------------------------------------


@transaction.atomic
def create_rubric(actor: User | None, region: Region, name: str, **bands: Decimal) -> Rubric:
    rubric = Rubric(region=region, name=name.strip(), **bands)
    _check_bands(rubric)
    rubric.save()
    audit.record(actor, "annual.rubric_create", rubric, region=region, after=audit.snapshot(rubric))
    return rubric


def _check_bands(rubric: Rubric) -> None:
    if not Decimal(100) >= rubric.excellent_min > rubric.good_min > rubric.pass_min > Decimal(0):
        raise AnnualError("等次线须满足：100 ≥ 优秀 > 良好 > 合格 > 0")


@transaction.atomic
def update_bands(actor: User | None, rubric: Rubric, **bands: Decimal) -> Rubric:
    before = audit.snapshot(rubric)
    for name, value in bands.items():
        setattr(rubric, name, value)
    _check_bands(rubric)
    rubric.save()
    audit.record(
        actor,
        "annual.rubric_bands",
        rubric,
        region=rubric.region,
        before=before,
        after=audit.snapshot(rubric),
    )
    return rubric


def parse_thresholds(text: str) -> list[list[float]]:
    """“300:10, 250:8, 200:6” → [[300, 10], [250, 8], [200, 6]] (最低值:得分, highest first)."""
    pairs: list[list[float]] = []
    for part in filter(None, (p.strip() for p in text.replace("，", ",").replace("；", ",").split(","))):
        minimum, sep, points = part.replace("：", ":").partition(":")
        try:
            pairs.append([float(minimum), float(points)])
        except ValueError as error:
            raise AnnualError(f"档次“{part}”应写成“最低值:得分”，如 300:10") from error
        if not sep:
            raise AnnualError(f"档次“{part}”应写成“最低值:得分”，如 300:10")
    return sorted(pairs, key=lambda pair: -pair[0])


@transaction.atomic
def add_line(
    actor: User | None, rubric: Rubric, *, title: str, points: Decimal, figure: str = "", thresholds: str = ""
) -> RubricLine:
    if figure and figure not in REPORT_FIGURES:
        raise AnnualError("未知的年报数据项")
    pairs = parse_thresholds(thresholds) if figure else []
    if figure and not pairs:
        raise AnnualError("按年报数据自动评分的评分项须写明档次")
    if any(p > float(points) for _, p in pairs):
        raise AnnualError("档次得分不能超过该项分值")
    line = RubricLine.objects.create(
        rubric=rubric,
        order=rubric.lines.count() + 1,
        title=title.strip(),
        points=points,
        figure=figure,
        thresholds=pairs,
    )
    audit.record(
        actor,
        "annual.rubric_line",
        rubric,
        region=rubric.region,
        after={
            "评分项": line.title,
            "分值": str(points),
            "依据": REPORT_FIGURES.get(figure, "人工评分"),
            "档次": pairs,
        },
    )
    return line


# ---- rounds -------------------------------------------------------------------------------------


def bases_valid_in(region: Region, year: int) -> list[Institution]:
    """Institutions of the subtree holding a designation valid in ``year`` and not revoked: who files."""
    valid = Designation.objects.valid_on(datetime.date(year, 12, 31)).exclude(
        status=DesignationStatus.REVOKED
    )
    return list(
        Institution.objects.filter(
            region__path__startswith=region.path, pk__in=valid.values("institution_id")
        )
    )


@transaction.atomic
def open_round(
    actor: User | None,
    region: Region,
    year: int,
    rubric: Rubric,
    *,
    due_date: datetime.date,
    warn_days: int = 7,
) -> AnnualRound:
    """Open the year's round: one report to fill for every base valid in that year."""
    if not rubric.lines.exists():
        raise AnnualError("考核评分表还没有评分项，请先添加")
    try:
        with transaction.atomic():
            annual = AnnualRound.objects.create(
                region=region,
                year=year,
                rubric=rubric,
                due_date=due_date,
                warn_days=warn_days,
                opened_by=actor,
            )
    except IntegrityError as error:
        raise AnnualError(f"{region.name}{year}年度的年报已经开启") from error
    bases = bases_valid_in(region, year)
    AnnualReport.objects.bulk_create([AnnualReport(round=annual, institution=base) for base in bases])
    audit.record(
        actor,
        "annual.round_open",
        annual,
        region=region,
        after={"年度": year, "截止日": str(due_date), "基地数": len(bases), "评分表": rubric.name},
    )
    return annual


# ---- filling ------------------------------------------------------------------------------------


def _editable(report: AnnualReport) -> AnnualReport:
    report = (
        AnnualReport.objects.select_for_update()
        .select_related("round__region", "round__rubric")
        .get(pk=report.pk)
    )
    if not report.is_editable:
        raise AnnualError("年报已提交，不能修改；如需修改，请素质办退回")
    return report


@transaction.atomic
def save_report(
    actor: User | None,
    report: AnnualReport,
    *,
    self_points: Mapping[int, Decimal | None] | None = None,
    **fields: Any,
) -> AnnualReport:
    """Save the figures, texts and the base's own points per rubric line (a draft: nothing checked
    for completeness until submitted)."""
    report = _editable(report)
    before = audit.snapshot(report, [*FIGURE_FIELDS, *TEXT_FIELDS])
    for name in (*FIGURE_FIELDS, *TEXT_FIELDS):
        if name in fields:
            setattr(report, name, fields[name])
    report.full_clean(exclude=["round", "institution"], validate_constraints=False)
    report.save()
    _save_points(report, self_points or {}, "self_points")
    effective = [v for v in self_scores(report).values() if v is not None]
    report.self_total = sum(effective, Decimal(0)) if effective else None
    report.save(update_fields=["self_total"])
    audit.record(
        actor,
        "annual.save",
        report,
        region=report.round.region,
        before=before,
        after=audit.snapshot(report, [*FIGURE_FIELDS, *TEXT_FIELDS, "self_total"]),
    )
    return report


def _save_points(report: AnnualReport, points: Mapping[int, Decimal | None], field: str) -> None:
    lines = {line.pk: line for line in report.round.rubric.lines.all()}
    existing = {score.line_id: score for score in report.line_scores.all()}
    for line_id, value in points.items():
        line = lines.get(line_id)
        if line is None:
            continue
        if value is not None and not Decimal(0) <= value <= line.points:
            raise AnnualError(f"“{line.title}”的得分应在 0 到 {number(line.points)} 之间")
        score = existing.get(line_id) or LineScore(report=report, line=line)
        setattr(score, field, value)
        score.save()


def self_scores(report: AnnualReport) -> dict[int, Decimal | None]:
    """The base's own points per line: what it entered, or, for a line it left blank, what the
    line's thresholds give for the report's figures (so a figure changed later rescores the line)."""
    entered = {score.line_id: score.self_points for score in report.line_scores.all()}
    return {
        line_id: entered.get(line_id) if entered.get(line_id) is not None else value
        for line_id, value in suggested_points(report).items()
    }


def score_rows(report: AnnualReport) -> list[tuple[RubricLine, Decimal | None, Decimal | None]]:
    """(line, the base's points, the reviewer's points) for the page's table."""
    own = self_scores(report)
    reviewed = {score.line_id: score.review_points for score in report.line_scores.all()}
    return [(line, own.get(line.pk), reviewed.get(line.pk)) for line in report.round.rubric.lines.all()]


def suggested_points(report: AnnualReport) -> dict[int, Decimal | None]:
    """Each rubric line's points as its thresholds give them from the report's figures (None for a
    line scored by hand): the form starts from these."""
    return {
        line.pk: line_points(report.figure(line.figure), line.thresholds) if line.figure else None
        for line in report.round.rubric.lines.all()
    }


def _total(report: AnnualReport, field: str) -> Decimal | None:
    values = [getattr(score, field) for score in report.line_scores.all()]
    filled = [v for v in values if v is not None]
    return sum(filled, Decimal(0)) if filled else None


def required_missing(report: AnnualReport) -> list[str]:
    """What a report must hold before it is submitted, in the form's words."""
    labels = {
        name: str(getattr(AnnualReport._meta.get_field(name), "verbose_name", name))
        for name in (*FIGURE_FIELDS, *TEXT_FIELDS)
    }
    missing = [
        labels[name] for name in (*FIGURE_FIELDS[:5], "activities") if getattr(report, name) in (None, "")
    ]
    if not report.photos.exists():
        missing.append("照片")
    return missing


@transaction.atomic
def add_photo(actor: User | None, report: AnnualReport, data: bytes, filename: str) -> AnnualPhoto:
    """A photo of the year's work: an image by its content (not its name), at most 5 MB."""
    report = _editable(report)
    if len(data) > PHOTO_MAX_BYTES:
        raise AnnualError(f"照片“{filename}”超过 {PHOTO_MAX_BYTES // 1024 // 1024} MB，请压缩后再上传")
    kind = sniff(data, filename)
    if kind not in IMAGE_KINDS:
        raise AnnualError(f"“{filename}”不是图片（只接受 JPG、PNG、GIF、WEBP）")
    if report.photos.count() >= PHOTO_MAX_COUNT:
        raise AnnualError(f"每份年报最多上传 {PHOTO_MAX_COUNT} 张照片")
    photo = AnnualPhoto(report=report, filename=filename[:200], kind=kind)
    photo.image.save(f"photo.{kind}", ContentFile(data), save=False)
    photo.save()
    audit.record(actor, "annual.photo", report, region=report.round.region, after={"照片": photo.filename})
    return photo


@transaction.atomic
def remove_photo(actor: User | None, photo: AnnualPhoto) -> None:
    report = _editable(photo.report)
    name = photo.filename
    photo.image.delete(save=False)
    photo.delete()
    audit.record(actor, "annual.photo_remove", report, region=report.round.region, before={"照片": name})


@transaction.atomic
def submit_report(actor: User | None, report: AnnualReport) -> AnnualReport:
    report = _editable(report)
    missing = required_missing(report)
    if missing:
        raise AnnualError(f"请先填写：{'、'.join(missing)}")
    now, before = timezone.now(), {"state": report.state}
    report.state = ReportState.SUBMITTED
    report.submitted_at = now
    report.first_submitted_at = report.first_submitted_at or now
    report.save(update_fields=["state", "submitted_at", "first_submitted_at"])
    audit.record(
        actor,
        "annual.submit",
        report,
        region=report.round.region,
        before=before,
        after={"state": report.state},
    )
    return report


# ---- review -------------------------------------------------------------------------------------


def _reviewable(report: AnnualReport, actor: User | None) -> AnnualReport:
    report = (
        AnnualReport.objects.select_for_update()
        .select_related("round__region", "round__rubric")
        .get(pk=report.pk)
    )
    if actor is not None and not AnnualReport.objects.manageable_by(actor).filter(pk=report.pk).exists():
        raise AnnualError("您无权评审这份年报")
    if report.round.published:
        raise AnnualError("考核结果已公布，评审结果不能再修改")
    return report


@transaction.atomic
def return_report(actor: User | None, report: AnnualReport, reason: str) -> AnnualReport:
    report = _reviewable(report, actor)
    if report.state != ReportState.SUBMITTED:
        raise AnnualError("只有已提交、尚未评审的年报可以退回")
    if not reason.strip():
        raise AnnualError("退回须写明理由")
    report.state = ReportState.RETURNED
    report.return_reason = reason.strip()
    report.save(update_fields=["state", "return_reason"])
    audit.record(
        actor,
        "annual.return",
        report,
        region=report.round.region,
        after={"state": report.state},
        note=reason.strip(),
    )
    notify.after_commit(report_returned, report.pk, actor.pk if actor else None)
    return report


@transaction.atomic
def review_report(
    actor: User | None,
    report: AnnualReport,
    *,
    review_points: Mapping[int, Decimal | None],
    outcome: str,
    note: str = "",
    rectify_deadline: datetime.date | None = None,
) -> AnnualReport:
    """The reviewer's points per line give the total and the band; the outcome keeps the base, sets
    a 整改 deadline, or takes the title away (摘牌) through the registry's revoke action."""
    report = _reviewable(report, actor)
    if report.state not in (ReportState.SUBMITTED, ReportState.REVIEWED):
        raise AnnualError("年报尚未提交，不能评审")
    if outcome not in (Outcome.KEEP, Outcome.RECTIFY, Outcome.REVOKE):
        raise AnnualError("请选择处理结果")
    if outcome == Outcome.RECTIFY and rectify_deadline is None:
        raise AnnualError("限期整改须写明整改期限")
    if outcome == Outcome.REVOKE and not note.strip():
        raise AnnualError("取消资格须写明理由")
    before = audit.snapshot(report, ["state", "review_total", "band", "outcome", "rectify_deadline"])
    _save_points(report, review_points, "review_points")
    rubric = report.round.rubric
    report.review_total = _total(report, "review_points") or Decimal(0)
    report.band = band_of(report.review_total, rubric.full_marks, rubric.band_minimums)
    report.state = ReportState.REVIEWED
    report.outcome = outcome
    report.rectify_deadline = rectify_deadline if outcome == Outcome.RECTIFY else None
    report.outcome_note = note.strip()
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save()
    _apply_outcome(actor, report)
    audit.record(
        actor,
        "annual.review",
        report,
        region=report.round.region,
        before=before,
        after=audit.snapshot(report, ["state", "review_total", "band", "outcome", "rectify_deadline"]),
        note=report.outcome_note,
    )
    return report


def _apply_outcome(actor: User | None, report: AnnualReport) -> None:
    """整改 marks the base's valid designations 整改中 (保留 clears it); 摘牌 revokes them, all through
    the registry's own actions."""
    from kesu.venues import actions as registry

    held = Designation.objects.filter(institution=report.institution).valid_on(
        datetime.date(report.round.year, 12, 31)
    )
    if report.outcome == Outcome.RECTIFY:
        for designation in held.filter(status=DesignationStatus.VALID):
            registry.update_designation(actor, designation, status=DesignationStatus.RECTIFYING)
    elif report.outcome == Outcome.KEEP:
        for designation in held.filter(status=DesignationStatus.RECTIFYING):
            registry.update_designation(actor, designation, status=DesignationStatus.VALID)
    elif report.outcome == Outcome.REVOKE:
        reason = f"{report.round.year}年度考核不合格：{report.outcome_note}"[:300]
        for designation in held.exclude(status=DesignationStatus.REVOKED):
            registry.revoke_designation(actor, designation, reason=reason)


@transaction.atomic
def publish_results(actor: User | None, annual: AnnualRound) -> AnnualRound:
    if annual.reports.exclude(state=ReportState.REVIEWED).exists():
        raise AnnualError("还有年报未评审完毕，评审完成后才能公布结果")
    annual.published = True
    annual.save(update_fields=["published"])
    audit.record(actor, "annual.publish", annual, region=annual.region, after={"published": True})
    return annual


# ---- messages (Reporting's ladder and channels) ------------------------------------------------


def _compose(report: AnnualReport, title: str, body: str) -> notify.Compose:
    def compose(user: User) -> notify.Draft | None:
        if not notify.sees(user, AnnualReport, report.pk):
            return None
        return notify.Draft(title, body, report.get_absolute_url())

    return compose


def report_returned(report_id: int, actor_id: int | None = None) -> int:
    """The 推荐单位's liaisons: the base's report came back, with the office's reason."""
    report = AnnualReport.objects.select_related("round__region", "institution__unit").get(pk=report_id)
    if report.institution.unit is None:
        return 0
    title = f"【退回修改】{report}"
    body = f"素质办退回了{report}，请按意见修改后重新提交：{report.return_reason}"
    return notify.send(
        "annual_report_returned",
        notify.unit_users(report.institution.unit),
        _compose(report, title, body),
        key=f"annual-return:{report.pk}:{report.submitted_at:%Y%m%d%H%M%S}"
        if report.submitted_at
        else f"annual-return:{report.pk}",
        region=report.round.region,
        actor=User.objects.filter(pk=actor_id).first() if actor_id else None,
    )


def reminder_for(report: AnnualReport, on: datetime.date) -> notify.Reminder | None:
    """提醒 within the warning days before the due date; 催办 each week after it (Reporting's rhythm)."""
    annual = report.round
    if report.state in (ReportState.SUBMITTED, ReportState.REVIEWED) or on > annual.lock_date:
        return None
    days_left = (annual.due_date - on).days
    title = f"{annual.year}年度科普教育基地年报"
    if 0 <= days_left <= annual.warn_days:
        return notify.Reminder(
            f"annual-remind:{report.pk}",
            "annual_report_due",
            f"【提醒】{title}将于{days_left}天后截止",
            f"{report.institution}：请于 {day_text(annual.due_date)} 前填写并提交年报。",
        )
    if days_left < 0:
        week = (-days_left - 1) // 7
        return notify.Reminder(
            f"annual-urge:{report.pk}:{week}",
            "annual_report_overdue",
            f"【催办】{title}已逾期{-days_left}天",
            f"{report.institution}：年报截止日 {day_text(annual.due_date)} 已过，请尽快填写并提交。",
        )
    return None


def send_annual_reminders(on: datetime.date) -> int:
    """Remind the 推荐单位 liaisons of every base whose report is not in; each key is sent once and
    each reminder sent is audited on the report."""
    sent = 0
    pending = (
        AnnualReport.objects.filter(
            round__due_date__gte=on - datetime.timedelta(days=365),
            state__in=(ReportState.DRAFT, ReportState.RETURNED),
        )
        .exclude(institution__unit__isnull=True)
        .select_related("round__region", "institution__unit")
    )
    for report in pending:
        reminder = reminder_for(report, on)
        if reminder is None or report.institution.unit is None:
            continue
        with transaction.atomic():
            delivered = notify.send(
                reminder.kind,
                notify.unit_users(report.institution.unit),
                _compose(report, reminder.title, reminder.body),
                key=reminder.key,
                region=report.round.region,
            )
            if delivered:
                verb = "annual.remind" if reminder.kind == "annual_report_due" else "annual.urge"
                audit.record(
                    None,
                    verb,
                    report,
                    region=report.round.region,
                    after={"key": reminder.key, "recipients": delivered},
                )
        sent += delivered
    return sent


def published_q() -> Q:
    return Q(round__published=True, outcome__in=(Outcome.RECTIFY, Outcome.REVOKE))


def outcome_rows(annual: AnnualRound) -> Sequence[AnnualReport]:
    return list(
        annual.reports.filter(outcome__in=(Outcome.RECTIFY, Outcome.REVOKE)).select_related(
            "institution__region"
        )
    )

"""Every write to the bases registry: institutions, their designations, 摘牌, imports, count rules.

Each action runs in one transaction and records one audit event; the indicator values the registry
feeds are refreshed after the commit (``refresh_after_write``), so a base added today shows on the
dashboards against its target without anyone typing the count.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from kesu.core import audit, dbstats, uploads
from kesu.core.personal import mask_mobile
from kesu.indicators import actions as indicator_actions
from kesu.indicators.catalogue import BY_CODE
from kesu.indicators.models import Indicator, TargetLink
from kesu.regions.models import Region
from kesu.venues import counting
from kesu.venues.models import (
    Category,
    CategoryScheme,
    CountMeasure,
    CountRule,
    Designation,
    DesignationStatus,
    Institution,
    credit_code_problem,
)

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job
    from kesu.plans.models import Target
    from kesu.venues.importing import ParsedInstitution

MAX_WINDOW_YEARS = 5  # a batch is valid five years: 2022–2026
PROVENANCE_PREFIX = "登记库："


class VenueError(ValueError):
    """A registry write that cannot go ahead; ``message`` is for the office."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# ---- category schemes ---------------------------------------------------------------------------

NATIONAL_CATEGORIES = ("科技场馆类", "教育科研与重大工程类", "“三农”类", "企业类", "自然资源类", "其他类")
HENAN_2022_CATEGORIES = ("科技场馆类", "公共场所类", "教育科研类", "生产设施类")


@transaction.atomic
def ensure_category_schemes() -> CategoryScheme:
    """The six national categories (the default) and Henan's 2022 four (an older version); returns the default."""
    default = CategoryScheme.objects.filter(is_default=True).first()
    if default is not None:
        return default
    default = CategoryScheme.objects.create(name="全国科普教育基地类别", year=2021, is_default=True)
    henan = CategoryScheme.objects.create(name="河南省科普教育基地类别", year=2022)
    for scheme, names, prefix in ((default, NATIONAL_CATEGORIES, "N"), (henan, HENAN_2022_CATEGORIES, "H")):
        Category.objects.bulk_create(
            Category(scheme=scheme, code=f"{prefix}{i}", name=name, order=i)
            for i, name in enumerate(names, 1)
        )
    audit.record(
        None,
        "category_scheme.create",
        default,
        after={
            "schemes": [default.name, henan.name],
            "categories": [*NATIONAL_CATEGORIES, *HENAN_2022_CATEGORIES],
        },
    )
    return default


# ---- institutions -------------------------------------------------------------------------------


def masked_phone(phone: str) -> str:
    """What lists, exports, the API and audit snapshots show of a contact phone."""
    phone = phone.strip()
    if len(phone) == 11 and phone.isdigit():
        return mask_mobile(phone)
    return f"****{phone[-4:]}" if len(phone) > 4 else ("****" if phone else "")


def institution_snapshot(institution: Institution) -> dict[str, Any]:
    data = audit.snapshot(institution)
    data["contact_phone"] = masked_phone(institution.contact_phone)
    return data


def _checked(institution: Institution) -> Institution:
    institution.credit_code = institution.credit_code.strip().upper()
    problem = credit_code_problem(institution.credit_code)
    if problem:
        raise VenueError(problem, "credit_code")
    duplicate = Institution.objects.filter(credit_code=institution.credit_code).exclude(pk=institution.pk)
    if duplicate.exists():
        raise VenueError(f"统一社会信用代码“{institution.credit_code}”已登记", "credit_code")
    unit = institution.unit
    if unit is not None and not institution.region.path.startswith(unit.region.path):
        raise VenueError("推荐单位应属于基地所在区划或其上级区划", "unit")
    institution.full_clean(validate_unique=False)
    return institution


@transaction.atomic
def create_institution(actor: User | None, region: Region, **fields: Any) -> Institution:
    institution = _checked(Institution(region=region, **fields))
    institution.save()
    audit.record(
        actor,
        "institution.create",
        institution,
        region=institution.region,
        after=institution_snapshot(institution),
    )
    refresh_after_write(actor, [institution.region])
    return institution


@transaction.atomic
def update_institution(actor: User | None, institution: Institution, **fields: Any) -> Institution:
    before = institution_snapshot(institution)
    old_region = institution.region
    for name, value in fields.items():
        setattr(institution, name, value)
    _checked(institution).save()
    audit.record(
        actor,
        "institution.update",
        institution,
        region=institution.region,
        before=before,
        after=institution_snapshot(institution),
    )
    refresh_after_write(actor, [old_region, institution.region])
    return institution


# ---- designations -------------------------------------------------------------------------------


def window_problem(start_year: int, end_year: int, batch_year: int | None = None) -> str | None:
    """Why these years are not one batch's window (in Chinese), or None."""
    if not 1980 <= start_year <= 2100 or not 1980 <= end_year <= 2100:
        return f"有效期年份 {start_year}–{end_year} 不合理"
    if end_year < start_year:
        return f"有效期止 {end_year} 早于有效期起 {start_year}"
    if end_year - start_year + 1 > MAX_WINDOW_YEARS:
        return f"有效期 {start_year}–{end_year} 超过一个批次的 {MAX_WINDOW_YEARS} 年"
    if batch_year is not None and not start_year - 1 <= batch_year <= end_year:
        return f"批次年份 {batch_year} 不在有效期 {start_year}–{end_year} 之内"
    return None


def _checked_designation(designation: Designation) -> Designation:
    problem = window_problem(designation.start_year, designation.end_year, designation.batch_year)
    if problem:
        raise VenueError(problem, "end_year")
    if designation.decided_on and not (
        designation.start_year - 1 <= designation.decided_on.year <= designation.end_year
    ):
        raise VenueError(f"认定日期 {designation.decided_on} 不在有效期之内", "decided_on")
    designation.full_clean()
    return designation


@transaction.atomic
def add_designation(actor: User | None, institution: Institution, **fields: Any) -> Designation:
    designation = _checked_designation(Designation(institution=institution, **fields))
    designation.save()
    audit.record(
        actor, "designation.create", designation, region=institution.region, after=audit.snapshot(designation)
    )
    refresh_after_write(actor, [institution.region])
    return designation


@transaction.atomic
def update_designation(actor: User | None, designation: Designation, **fields: Any) -> Designation:
    before = audit.snapshot(designation)
    for name, value in fields.items():
        setattr(designation, name, value)
    _checked_designation(designation).save()
    region = designation.institution.region
    audit.record(
        actor,
        "designation.update",
        designation,
        region=region,
        before=before,
        after=audit.snapshot(designation),
    )
    refresh_after_write(actor, [region])
    return designation


@transaction.atomic
def revoke_designation(
    actor: User | None, designation: Designation, *, reason: str, on: datetime.date | None = None
) -> Designation:
    """摘牌: the title is taken away from ``on`` (today by default); it stays counted before that day."""
    if not reason.strip():
        raise VenueError("请填写摘牌原因", "reason")
    if designation.status == DesignationStatus.REVOKED:
        raise VenueError("该认定已摘牌", "reason")
    before = audit.snapshot(designation)
    designation.status = DesignationStatus.REVOKED
    designation.revoked_at = on or timezone.localdate()
    designation.revoke_reason = reason.strip()[:300]
    designation.save(update_fields=["status", "revoked_at", "revoke_reason"])
    region = designation.institution.region
    audit.record(
        actor,
        "designation.revoke",
        designation,
        region=region,
        before=before,
        after=audit.snapshot(designation),
    )
    refresh_after_write(actor, [region])
    return designation


# ---- import -------------------------------------------------------------------------------------

BATCH = 500  # rows per statement: below SQLite's 999 parameters for the lookups


@transaction.atomic
def import_institutions(
    actor: User | None, region: Region, parsed: list[ParsedInstitution], *, filename: str
) -> tuple[int, int]:
    """Checked institutions (``importing.parse_file``) stored in bulk, merged by 统一社会信用代码:
    (created, updated). Queries grow with batches of 500 rows, not with rows; one audit event."""
    codes = [p.fields["credit_code"] for p in parsed]
    existing = _by_code(codes)
    new = [Institution(**p.fields) for p in parsed if p.fields["credit_code"] not in existing]
    Institution.objects.bulk_create(new, batch_size=BATCH)
    changed = [p for p in parsed if p.fields["credit_code"] in existing]
    for item in changed:
        for name, value in item.fields.items():
            setattr(existing[item.fields["credit_code"]], name, value)
    fields = sorted({name for item in changed for name in item.fields} - {"credit_code"})
    if changed and fields:
        rows = [existing[item.fields["credit_code"]] for item in changed]
        _rewrite(Institution, rows, [*fields, "updated_at"])
    created_designations, updated_designations = _merge_designations(parsed, _ids_by_code(codes))
    audit.record(
        actor,
        "institution.import",
        region,
        region=region,
        before={"updated": sorted(item.fields["credit_code"] for item in changed)} if changed else None,
        after={
            "file": filename[:200],
            "institutions_created": len(new),
            "institutions_updated": len(changed),
            "designations_created": created_designations,
            "designations_updated": updated_designations,
        },
    )
    refresh_after_write(actor, Region.objects.filter(pk__in={p.fields["region"].pk for p in parsed}))
    dbstats.analyse_after_commit(len(parsed), Institution, Designation)
    return len(new), len(changed)


def _by_code(codes: list[str]) -> dict[str, Institution]:
    found: dict[str, Institution] = {}
    for start in range(0, len(codes), BATCH):
        for institution in Institution.objects.filter(credit_code__in=codes[start : start + BATCH]):
            found[institution.credit_code] = institution
    return found


def _ids_by_code(codes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(codes), BATCH):
        found |= dict(
            Institution.objects.filter(credit_code__in=codes[start : start + BATCH]).values_list(
                "credit_code", "id"
            )
        )
    return found


DesignationKey = tuple[int, str, int, int]  # institution, 体系, 级别, 有效期起


def _merge_designations(parsed: list[ParsedInstitution], stored: dict[str, int]) -> tuple[int, int]:
    ids = list(stored.values())
    existing: dict[DesignationKey, Designation] = {}
    for start in range(0, len(ids), BATCH):
        for d in Designation.objects.filter(institution_id__in=ids[start : start + BATCH]):
            existing[(d.institution_id, d.system, d.level, d.start_year)] = d
    new, changed = [], []
    for item in parsed:
        institution_id = stored[item.fields["credit_code"]]
        for values in item.designations:
            key = (institution_id, values["system"], values["level"], values["start_year"])
            if key in existing:
                row = existing[key]
                if any(getattr(row, name) != value for name, value in values.items()):
                    for name, value in values.items():
                        setattr(row, name, value)
                    changed.append(row)
            else:
                new.append(Designation(institution_id=institution_id, **values))
    Designation.objects.bulk_create(new, batch_size=BATCH)
    fields = sorted({name for item in parsed for values in item.designations for name in values})
    if changed:
        _rewrite(Designation, changed, fields)
    return len(new), len(changed)


def _rewrite(model: type[Institution] | type[Designation], rows: list[Any], fields: list[str]) -> None:
    """Existing rows written back in bulk as ``INSERT … ON CONFLICT (id) DO UPDATE``, one statement per
    batch: Django's ``bulk_update`` builds a CASE per field and row, which took 160 s for 10,000 rows."""
    model.objects.bulk_create(
        rows, batch_size=BATCH, update_conflicts=True, unique_fields=["id"], update_fields=fields
    )


# ---- counting into indicators -------------------------------------------------------------------


@transaction.atomic
def set_count_rule(actor: User | None, target: Target, **fields: Any) -> CountRule:
    """The office's rule for a target; the target is linked to the base count with the rule's label."""
    rule = CountRule.objects.filter(target=target).first()
    before = audit.snapshot(rule) if rule else None
    rule = rule or CountRule(target=target)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean(exclude=["target"])
    rule.save()
    plan = target.task.plan
    criteria = counting.Criteria.of(rule)
    indicator = indicator_actions.indicator_by_code(criteria.indicator)
    baseline_year, baseline_value = _baseline(target, indicator, criteria)
    indicator_actions.link_target(
        actor,
        target,
        indicator,
        baseline_year=baseline_year,
        baseline_value=baseline_value,
        disaggregation=criteria.disaggregation(),
    )
    audit.record(
        actor,
        "count_rule.update" if before else "count_rule.create",
        plan,
        region=plan.region,
        before=before,
        after={**audit.snapshot(rule), "in_words": rule.in_words},
        target_repr=f"{target}：{rule.in_words}"[:200],
    )
    year = counting.today().year
    transaction.on_commit(lambda: refresh_counts(actor, plan.region, year))
    return rule


def _baseline(
    target: Target, indicator: Indicator, criteria: counting.Criteria
) -> tuple[int | None, float | None]:
    """The link's baseline: the one the office confirmed stays; a stock without one starts from the
    registry's own figure for the year before the plan. (A new-bases flow is summed from the plan's
    first year and needs none.)"""
    link = TargetLink.objects.filter(target=target).first()
    if link is not None and link.indicator_id == indicator.pk and link.baseline_year is not None:
        return link.baseline_year, link.baseline_value
    plan = target.task.plan
    if criteria.measure == CountMeasure.NEW or plan.period_start is None:
        return None, None
    year = plan.period_start - 1
    return year, float(counting.count(plan.region.path, year, criteria))


@indicator_actions.values_batch()  # the stored roll-ups recomputed once for all the values written
def refresh_counts(actor: User | None, region: Region, year: int) -> int:
    """Write the registry's figures for ``region`` (its subtree) and ``year`` into the indicators:
    all bases, by level, new in the year, county coverage, and each count rule set on the region's
    targets. A value that did not change is left alone; returns how many values were written."""
    written = 0
    for criteria, value in counting.standard_figures(region, year):
        written += _record(actor, region, year, criteria, value)
    for rule in counting.rules_of(region):
        criteria = counting.Criteria.of(rule)
        written += _record(actor, region, year, criteria, counting.count(region.path, year, criteria))
    if counting.COVERAGE_INDICATOR in BY_CODE:
        covered, counties = counting.counties_covered(region, year)
        if counties:
            written += _write(
                actor,
                counting.COVERAGE_INDICATOR,
                region,
                year,
                {},
                covered / counties * 100,
                "至少有 1 个有效科普教育基地的县（市、区）占比",
                numerator=covered,
                denominator=counties,
            )
    return written


def _record(actor: User | None, region: Region, year: int, criteria: counting.Criteria, value: int) -> int:
    rule_words = CountRule(
        system=criteria.system,
        level=criteria.level,
        level_comparison=criteria.comparison,
        measure=criteria.measure,
    ).in_words
    return _write(actor, criteria.indicator, region, year, criteria.disaggregation(), value, rule_words)


def _write(
    actor: User | None,
    code: str,
    region: Region,
    year: int,
    disaggregation: dict[str, str],
    value: float,
    words: str,
    **ratio: float,
) -> int:
    from kesu.indicators.actions import record_registry_value

    return record_registry_value(
        actor,
        code,
        region,
        str(year),
        value,
        disaggregation=disaggregation,
        provenance=f"{PROVENANCE_PREFIX}{words}",
        **ratio,
    )


def refresh_after_write(actor: User | None, regions: Iterable[Region]) -> None:
    """After the commit, refresh this year's figures for every region whose subtree holds ``regions``."""
    paths = {region.path for region in regions}
    year = counting.today().year
    transaction.on_commit(lambda: refresh_paths(actor, paths, year))


@indicator_actions.values_batch()
def refresh_paths(actor: User | None, paths: Iterable[str], year: int) -> int:
    codes = {code for path in paths for code in path.strip("/").split("/") if code}
    return sum(refresh_counts(actor, region, year) for region in Region.objects.filter(code__in=codes))


def start_import(actor: User, region: Region, data: bytes, filename: str) -> Job:
    """A large institution file, held for a background job (``job_kinds.import_institution_file``)."""
    from kesu.venues.job_kinds import IMPORT_JOB

    return uploads.start_import(
        actor, IMPORT_JOB, f"导入科普教育基地：{filename}", region=region, data=data, filename=filename
    )


@transaction.atomic
def reveal_contact_phone(actor: User, institution: Institution) -> str:
    """The full contact phone for someone who manages the institution (the caller checked); recorded."""
    audit.record(
        actor,
        "institution.reveal",
        institution,
        region=institution.region,
        note=f"查看完整联系电话（{masked_phone(institution.contact_phone)}）",
    )
    return institution.contact_phone


@indicator_actions.values_batch()
def refresh_year(year: int) -> int:
    """``kesu refresh_registry_counts``: every region holding bases or a base count rule, and the 科技馆
    system's figures, for ``year``."""
    from kesu.venues import counting_system

    paths = set(Institution.objects.values_list("region__path", flat=True).distinct())
    paths |= set(CountRule.objects.values_list("target__task__plan__region__path", flat=True).distinct())
    written = refresh_paths(None, paths, year)
    return written + counting_system.refresh_system_paths(None, counting_system.system_paths(), year)


def send_expiry_reminders(on: datetime.date) -> int:
    """``kesu send_reminders``: a title that runs out on 31 December and has not been renewed is
    announced to the base's recommending unit and to its region's office, once at 6 and once at 3
    months before; each recipient only for a base they may see. Returns the messages sent."""
    from django.db.models import Exists, OuterRef

    from kesu.messaging.actions import notify_each
    from kesu.reporting.notify import office_users, unit_users

    renewed = Designation.objects.filter(
        institution_id=OuterRef("institution_id"),
        system=OuterRef("system"),
        level=OuterRef("level"),
        start_year__gt=OuterRef("start_year"),
    )
    within3 = set(Designation.objects.expiring_within(3, on).values_list("pk", flat=True))
    ending = (
        Designation.objects.expiring_within(6, on)
        .exclude(Exists(renewed))
        .select_related("institution__region", "institution__unit")
    )
    sent = 0
    for designation in ending:
        base = designation.institution
        months = 3 if designation.pk in within3 else 6
        recipients = office_users(base.region_id) + (unit_users(base.unit) if base.unit is not None else [])
        title = f"【到期提醒】{base.name}的{designation.get_level_display()}认定将于{designation.end_year}年底到期"
        body = (
            f"{designation}将于 {designation.end_year} 年 12 月 31 日到期（不足 {months} 个月）。"
            "如需继续保留，请按通知重新申报；到期后不再计入基地数。"
        )

        def compose(user: Any, base: Institution = base, title: str = title, body: str = body) -> Any:
            visible = Institution.objects.visible_to(user).filter(pk=base.pk).exists()
            return (title, body, base.get_absolute_url()) if visible else None

        sent += len(
            notify_each(
                recipients,
                "designation_expiring",
                compose,
                key=f"designation-expiring:{designation.pk}:{months}",
                region=base.region,
            )
        )
    return sent

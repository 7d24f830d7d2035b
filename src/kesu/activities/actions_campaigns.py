"""Writes of the campaigns part: campaigns, count rules and their yearly figures, the report link.

Every write is one transaction with one audit event. The count figures are recorded into the
indicators with their provenance (登记库 + the rule in words), as the other registries do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction

from kesu.activities import counting
from kesu.activities.models import Campaign, CountRule, CountWhat
from kesu.core import audit

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.plans.models import Target
    from kesu.regions.models import Region

CAMPAIGN_FIELDS = ("name", "kind", "year", "starts_on", "ends_on", "theme", "notice", "summary_due")

# The indicator each kind of count writes to, unless the rule names another (健康科普 → its own code).
INDICATOR_OF: dict[str, str] = {
    CountWhat.ACTIVITIES: "science_activity_count",
    CountWhat.ATTENDANCE: "science_activity_attendance",
    CountWhat.EXPERT_SERVICES: "expert_volunteer_service_count",
    CountWhat.MICRO_VIDEOS: "micro_video_count",
}


class CampaignError(ValueError):
    """A campaign write that cannot go ahead; the message is for the office."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def _check_window(fields: dict[str, Any]) -> None:
    starts, ends, due = fields.get("starts_on"), fields.get("ends_on"), fields.get("summary_due")
    if starts and ends and ends < starts:
        raise CampaignError("结束日期早于开始日期，请检查活动时间。", "ends_on")
    if due and ends and due < ends:
        raise CampaignError("总结报送截止日早于活动结束日期，请检查。", "summary_due")


@transaction.atomic
def create_campaign(actor: User | None, region: Region, **fields: Any) -> Campaign:
    _check_window(fields)
    campaign = Campaign(
        region=region, created_by=actor if actor and actor.is_authenticated else None, **fields
    )
    if not campaign.year:
        campaign.year = campaign.starts_on.year
    campaign.full_clean(exclude=["created_by"])
    campaign.save()
    audit.record(actor, "campaign.create", campaign, region=region, after=audit.snapshot(campaign))
    return campaign


@transaction.atomic
def update_campaign(actor: User | None, campaign: Campaign, **fields: Any) -> Campaign:
    _check_window(fields)
    before = audit.snapshot(campaign)
    for name in CAMPAIGN_FIELDS:
        if name in fields:
            setattr(campaign, name, fields[name])
    campaign.full_clean(exclude=["created_by"])
    campaign.save()
    audit.record(
        actor,
        "campaign.update",
        campaign,
        region=campaign.region,
        before=before,
        after=audit.snapshot(campaign),
    )
    return campaign


def record_summary_export(actor: User | None, campaign: Campaign, what: str) -> None:
    """Downloading the 总结 or the 汇总表 is an event in the campaign's history (what was sent up, when)."""
    audit.record(actor, "campaign.summary", campaign, region=campaign.region, note=f"生成{what}")


# ---- count rules ----------------------------------------------------------------------------------------


def indicator_code(rule: CountRule) -> str:
    return rule.indicator_code or INDICATOR_OF[rule.what]


@transaction.atomic
def set_count_rule(actor: User | None, target: Target, *, what: str, **options: Any) -> CountRule:
    """Measure ``target`` from the activity rows (options: indicator_code, kind, key_group, campaign_kind,
    linked_only, disaggregation); links the target to the rule's indicator."""
    from kesu.indicators import actions as indicator_actions

    rule = CountRule.objects.filter(target=target).first()
    before = audit.snapshot(rule) if rule else None
    rule = rule or CountRule(target=target)
    rule.what = what
    for name in ("indicator_code", "kind", "key_group", "campaign_kind"):
        setattr(rule, name, options.get(name) or "")
    rule.linked_only = bool(options.get("linked_only"))
    rule.disaggregation = options.get("disaggregation") or {}
    rule.save()
    indicator_actions.link_target(
        actor,
        target,
        indicator_actions.indicator_by_code(indicator_code(rule)),
        disaggregation=rule.disaggregation,
    )
    audit.record(
        actor,
        "activity_count_rule.set",
        rule,
        region=target.task.plan.region,
        before=before,
        after=audit.snapshot(rule),
    )
    return rule


def refresh_counts(actor: User | None, region: Region, year: int) -> int:
    """Record the figure of every rule whose plan's region is ``region`` or above it; returns how many."""
    return _record_rules(actor, _rules_above([region]), year)


def _rules_above(regions: Iterable[Region]) -> list[CountRule]:
    """The rules of the plans of these regions and every region above them, each once."""
    from kesu.regions.models import Region as RegionModel

    paths = {path[:end] for region in regions for path in [region.path] for end in range(1, len(path) + 1)}
    above = RegionModel.objects.filter(path__in=paths)
    return list(
        CountRule.objects.filter(target__task__plan__region__in=above)
        .select_related("target__task__plan__region")
        .order_by("pk")
    )


def _record_rules(actor: User | None, rules: list[CountRule], year: int) -> int:
    from kesu.indicators.actions import record_value
    from kesu.indicators.rollups import deferred

    written = 0
    with deferred():  # the roll-ups above are recomputed once, after every rule's value is in
        for rule in rules:
            plan_region = rule.target.task.plan.region
            value = counting.rule_value(rule, plan_region, year)
            if _unchanged(rule, plan_region, year, value):
                continue
            with transaction.atomic():
                record_value(
                    actor,
                    indicator_code(rule),
                    plan_region,
                    str(year),
                    value,
                    disaggregation=rule.disaggregation or None,
                    source="registry",
                    provenance=f"登记库（科普活动）：{rule.in_words()}",
                )
            written += 1
    return written


def _unchanged(rule: CountRule, region: Region, year: int, value: float) -> bool:
    """The stored value already says this (a refresh after every write must not add an event each time)."""
    from kesu.indicators.models import IndicatorValue, disaggregation_key

    stored = IndicatorValue.objects.filter(
        indicator__code=indicator_code(rule),
        region=region,
        period=str(year),
        disaggregation_key=disaggregation_key(rule.disaggregation or {}),
    ).first()
    return stored is not None and stored.source == "registry" and stored.value == value


def refresh_all(actor: User | None, year: int) -> int:
    """Every rule's figure for ``year`` (``kesu refresh_registry_counts``)."""
    regions = {
        rule.target.task.plan.region
        for rule in CountRule.objects.select_related("target__task__plan__region")
    }
    return sum(refresh_counts(actor, region, year) for region in regions)


def refresh_later(region: Region, when: date | None = None) -> None:
    """After an activity or resource write: the figures are recomputed once the transaction commits."""
    refresh_many_later([(region, when)])


def refresh_many_later(places: Iterable[tuple[Region, date | None]]) -> None:
    """After a batch (an import, 批量采用): every rule above the batch's regions recomputed once per
    year on commit, not once per row."""
    by_year: dict[int, dict[int, Region]] = {}
    for region, when in places:
        by_year.setdefault((when or date.today()).year, {})[region.pk] = region
    if not by_year:
        return

    def run() -> None:
        for year, regions in sorted(by_year.items()):
            _record_rules(None, _rules_above(regions.values()), year)

    transaction.on_commit(run)

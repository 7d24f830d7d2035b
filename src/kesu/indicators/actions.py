"""Every write to indicators: catalogue, values (one at a time or imported), target links, publication."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kesu.core import audit, dbstats, uploads
from kesu.indicators import geo, rollups
from kesu.indicators.catalogue import BY_CODE, CATALOGUE, suggest_code
from kesu.indicators.models import (
    Boundary,
    Indicator,
    IndicatorValue,
    Publication,
    TargetLink,
    ValueSource,
    disaggregation_key,
)
from kesu.periods import Period

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job
    from kesu.plans.models import Target
    from kesu.regions.models import Region


SOURCES = frozenset(ValueSource.values)  # asked once per imported row: the enum rebuilds its list each time


class IndicatorError(ValueError):
    """An indicator write that cannot go ahead; the message is for the office."""


@transaction.atomic
def ensure_catalogue() -> list[Indicator]:
    """Create the standard indicators, or bring their texts up to date; codes never change."""
    indicators = []
    added: list[str] = []
    updated: dict[str, dict[str, object]] = {}
    for order, entry in enumerate(CATALOGUE, start=1):
        fields = {k: v for k, v in asdict(entry).items() if k != "code"}
        indicator, created = Indicator.objects.get_or_create(
            code=entry.code, defaults={**fields, "order": order}
        )
        if created:
            added.append(entry.code)
        else:
            changed = [k for k, v in fields.items() if getattr(indicator, k) != v]
            if changed:
                updated[entry.code] = {k: str(getattr(indicator, k)) for k in changed}
                for k in changed:
                    setattr(indicator, k, fields[k])
                indicator.save(update_fields=changed)
        indicators.append(indicator)
    if added or updated:
        audit.record(
            None,
            "indicator.catalogue_sync",
            None,
            target_repr="标准指标目录",
            before=updated or None,
            after={"added": added, "updated": sorted(updated)},
        )
    return indicators


def indicator_by_code(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None and code in BY_CODE:
        ensure_catalogue()  # a fresh database (or a flushed test one) before the catalogue was loaded
        indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise IndicatorError(f"指标代码“{code}”不存在")
    return indicator


def record_registry_value(
    actor: User | None,
    indicator_code: str,
    region: Region,
    period: str,
    value: float,
    *,
    disaggregation: dict[str, str],
    provenance: str,
    numerator: float | None = None,
    denominator: float | None = None,
) -> int:
    """A registry's count, recorded only when it differs from the registry figure already stored: a
    nightly refresh of unchanged counts writes nothing (no audit event, no roll-up). 1 if written."""
    current = IndicatorValue.objects.filter(
        indicator__code=indicator_code,
        region=region,
        period=period,
        disaggregation_key=disaggregation_key(disaggregation),
    ).first()
    if current is not None and current.value == value and current.source == ValueSource.REGISTRY:
        return 0
    record_value(
        actor,
        indicator_code,
        region,
        period,
        value,
        numerator=numerator,
        denominator=denominator,
        disaggregation=disaggregation,
        source=ValueSource.REGISTRY,
        provenance=provenance,
    )
    return 1


@contextmanager
def values_batch() -> Iterator[None]:
    """Many ``record_value``/``delete_value`` calls (a registry refresh, an approved report): the stored
    roll-ups are recomputed once when the block ends, not once per value (~0.1 s each at province scale).

    Nested blocks join the outermost. When a write fails inside the block, the values recorded before it
    stay (each ``record_value`` is its own transaction), so they are still rolled up before the error goes
    on, unless the enclosing transaction is already marked to roll back (then nothing stays to roll up).
    Also usable as a decorator: ``@values_batch()``.
    """
    failure: Exception | None = None
    with rollups.deferred():
        try:
            yield
        except Exception as error:
            if transaction.get_connection().needs_rollback:
                raise
            failure = error
    if failure is not None:
        raise failure


@transaction.atomic
def record_value(
    actor: User | None,
    indicator_code: str,
    region: Region,
    period: str,
    value: float | None,
    *,
    numerator: float | None = None,
    denominator: float | None = None,
    disaggregation: dict[str, str] | None = None,
    source: str,
    provenance: str = "",
) -> IndicatorValue:
    """Insert or replace the value of indicator × region × period × disaggregation (blank = total).

    A ratio given only as numerator and denominator gets its value computed here; a survey
    estimate may come with its own value (weighted) beside them.
    """
    indicator = indicator_by_code(indicator_code)
    row = _checked_value(indicator, region, period, value, numerator, denominator, disaggregation, source)
    row.provenance, row.recorded_by = (
        provenance[:300],
        actor if actor is not None and actor.is_authenticated else None,
    )
    existing = IndicatorValue.objects.filter(
        indicator=indicator, region=region, period=row.period, disaggregation_key=row.disaggregation_key
    ).first()
    before = _value_snapshot(existing) if existing else None
    if existing is not None:
        row.pk = existing.pk
    row.save()
    rollups.value_changed(indicator, row.disaggregation_key, region, row.period)
    audit.record(
        actor, "indicator_value.record", row, region=region, before=before, after=_value_snapshot(row)
    )
    return row


def _checked_value(
    indicator: Indicator,
    region: Region,
    period: str,
    value: float | None,
    numerator: float | None,
    denominator: float | None,
    disaggregation: dict[str, str] | None,
    source: str,
) -> IndicatorValue:
    if source not in SOURCES:
        raise IndicatorError(f"来源“{source}”无效，应为 {'、'.join(ValueSource.values)} 之一")
    try:
        normalised = str(Period.parse(str(period)))
    except ValueError as error:
        raise IndicatorError(str(error)) from error
    if value is None and numerator is not None and denominator:
        value = numerator / denominator * indicator.scale
    if value is None:
        raise IndicatorError(f"{indicator.name}：没有数值（比率可只填分子和分母，分母不能为 0）")
    if denominator is not None and denominator < 0 or numerator is not None and numerator < 0:
        raise IndicatorError(f"{indicator.name}：分子、分母不能为负数")
    clean = {
        k.strip(): str(v).strip() for k, v in (disaggregation or {}).items() if k.strip() and str(v).strip()
    }
    return IndicatorValue(
        indicator=indicator,
        region=region,
        period=normalised,
        disaggregation=clean,
        disaggregation_key=disaggregation_key(clean),
        value=float(value),
        numerator=numerator,
        denominator=denominator,
        source=source,
    )


def _value_snapshot(row: IndicatorValue) -> dict[str, object]:
    return {
        "indicator": row.indicator.code,
        "region": row.region.code,
        "period": row.period,
        "disaggregation": row.disaggregation,
        "value": row.value,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "source": row.source,
        "provenance": row.provenance,
    }


VALUE_FIELDS = [
    "value",
    "numerator",
    "denominator",
    "disaggregation",
    "source",
    "provenance",
    "recorded_by",
    "recorded_at",
]
ImportKey = tuple[int, int, str, str]  # indicator, region, period, disaggregation key: the unique constraint


VALUE_IMPORT_JOB = "indicator_value_import"


def start_value_import(actor: User, region: Region, data: bytes, filename: str, *, provenance: str) -> Job:
    """A large value file, held for a background job that checks and stores it (``job_kinds.import_value_file``)."""
    return uploads.start_import(
        actor,
        VALUE_IMPORT_JOB,
        f"导入指标数值：{filename}",
        region=region,
        data=data,
        filename=filename,
        provenance=provenance,
    )


@transaction.atomic
def import_values(
    actor: User | None,
    region: Region,
    rows: list[dict],
    *,
    provenance: str,
    filename: str,
    source: str = ValueSource.IMPORT,
) -> int:
    """Checked rows (see ``importing.parse_values``) stored in one bulk upsert, with one audit event.

    Queries grow with batches of rows, not rows: one statement per 2,000 rows on PostgreSQL, per 83 on
    SQLite (999 parameters a statement); 1,000 rows cost under 30 queries in all instead of 6 per row.
    The event keeps the values the import replaced.
    """
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={row["indicator"] for row in rows})}
    recorded_by = actor if actor is not None and actor.is_authenticated else None
    now, values = timezone.now(), []
    for row in rows:
        value = _checked_value(
            indicators[row["indicator"]],
            row["region"],
            row["period"],
            row["value"],
            row.get("numerator"),
            row.get("denominator"),
            row.get("disaggregation"),
            source,
        )
        value.provenance, value.recorded_by, value.recorded_at = provenance[:300], recorded_by, now
        values.append(value)
    replaced = _existing_values(values)
    IndicatorValue.objects.bulk_create(
        values,
        update_conflicts=True,
        update_fields=VALUE_FIELDS,
        batch_size=2000,
        unique_fields=["indicator", "region", "period", "disaggregation_key"],
    )
    dbstats.analyse_after_commit(len(values), IndicatorValue)
    _roll_up_imported(values)
    audit.record(
        actor,
        "indicator_value.import",
        region,
        region=region,
        before={"replaced": [_compact(old) for old in replaced]} if replaced else None,
        after={
            "file": filename[:200],
            "provenance": provenance[:300],
            "rows": len(values),
            "created": len(values) - len(replaced),
            "updated": len(replaced),
            "indicators": sorted(indicators),
            "periods": sorted({v.period for v in values}),
        },
    )
    return len(values)


def _roll_up_imported(values: list[IndicatorValue]) -> None:
    """One roll-up per indicator × disaggregation × province the file touched, not one per row."""
    touched: dict[tuple[int, str], dict[int, Region]] = {}
    for value in values:
        touched.setdefault((value.indicator_id, value.disaggregation_key), {})[value.region_id] = value.region
    with rollups.deferred():
        for (indicator_id, key), regions in touched.items():
            indicator = next(v.indicator for v in values if v.indicator_id == indicator_id)
            rollups.changed(indicator, key, regions.values())


def _existing_values(values: list[IndicatorValue]) -> list[IndicatorValue]:
    """The stored rows an import will replace, read in a few queries whatever the number of rows."""
    keys = {_key(v) for v in values}
    found: list[IndicatorValue] = []
    region_ids = sorted({v.region_id for v in values})
    for start in range(0, len(region_ids), 500):  # a bounded IN list on every database
        candidates = IndicatorValue.objects.filter(
            indicator_id__in={v.indicator_id for v in values},
            period__in={v.period for v in values},
            region_id__in=region_ids[start : start + 500],
        ).select_related("indicator", "region")
        found += [row for row in candidates if _key(row) in keys]
    return found


def _key(row: IndicatorValue) -> ImportKey:
    return row.indicator_id, row.region_id, row.period, row.disaggregation_key


def _compact(row: IndicatorValue) -> list[object]:
    return [
        row.indicator.code,
        row.region.code,
        row.period,
        row.disaggregation_key,
        row.value,
        row.numerator,
        row.denominator,
        row.source,
    ]


@transaction.atomic
def delete_value(actor: User | None, row: IndicatorValue) -> None:
    audit.record(actor, "indicator_value.delete", row, region=row.region, before=_value_snapshot(row))
    row.delete()
    rollups.value_changed(row.indicator, row.disaggregation_key, row.region, row.period)


@transaction.atomic
def create_indicator(actor: User | None, region: Region, **fields: object) -> Indicator:
    """An office's own indicator, kept with its region so sub-regions can use it too."""
    code = str(fields.get("code", "")).strip()
    if Indicator.objects.filter(code=code).exists():
        raise IndicatorError(f"指标代码“{code}”已被使用，请换一个")
    indicator = Indicator(region=region, order=500, **fields)
    indicator.full_clean()
    indicator.save()
    audit.record(actor, "indicator.create", indicator, region=region, after=audit.snapshot(indicator))
    return indicator


ROLLUP_FIELDS = ("aggregation", "scale", "denominator_code", "temporal")


@transaction.atomic
def update_indicator(actor: User | None, indicator: Indicator, **fields: object) -> Indicator:
    before = audit.snapshot(indicator)
    for name, value in fields.items():
        if name != "code":
            setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save()
    if any(before.get(name) != audit.snapshot(indicator).get(name) for name in ROLLUP_FIELDS):
        rollups.rebuild_all([indicator.code])  # summed another way: every stored figure of it changes
    audit.record(
        actor,
        "indicator.update",
        indicator,
        region=indicator.region,
        before=before,
        after=audit.snapshot(indicator),
    )
    return indicator


def suggest_indicator(target: Target) -> Indicator | None:
    """The catalogue indicator the parser's phrase points at (the office confirms or changes it)."""
    found = suggest_code(target.indicator, target.text, target.unit)
    if found is None:
        return None
    return Indicator.objects.filter(code=found[0]).first()


def suggest_disaggregation(target: Target) -> dict[str, str]:
    found = suggest_code(target.indicator, target.text, target.unit)
    return found[1] if found else {}


@transaction.atomic
def link_target(
    actor: User | None,
    target: Target,
    indicator: Indicator,
    *,
    baseline_year: int | None = None,
    baseline_value: float | None = None,
    disaggregation: dict[str, str] | None = None,
    confirmed: bool = True,
) -> TargetLink:
    link = TargetLink.objects.filter(target=target).first()
    before = audit.snapshot(link) if link else None
    link = link or TargetLink(target=target)
    link.indicator, link.disaggregation = indicator, disaggregation or {}
    link.baseline_year, link.baseline_value, link.confirmed = baseline_year, baseline_value, confirmed
    if confirmed:
        link.confirmed_by = actor if actor is not None and actor.is_authenticated else None
        link.confirmed_at = timezone.now()
    link.save()
    plan = target.task.plan
    audit.record(actor, "target.link", plan, region=plan.region, before=before, after=audit.snapshot(link))
    return link


@transaction.atomic
def unlink_target(actor: User | None, link: TargetLink) -> None:
    plan = link.target.task.plan
    audit.record(actor, "target.unlink", plan, region=plan.region, before=audit.snapshot(link))
    link.delete()


@transaction.atomic
def suggest_links(actor: User | None, plan_targets: list[Target]) -> int:
    """Unconfirmed links for every unlinked target the catalogue recognises."""
    made = 0
    for target in plan_targets:
        if TargetLink.objects.filter(target=target).exists():
            continue
        indicator = suggest_indicator(target)
        if indicator is not None:
            link_target(
                actor, target, indicator, disaggregation=suggest_disaggregation(target), confirmed=False
            )
            made += 1
    return made


@transaction.atomic
def set_published(actor: User | None, region: Region, indicator: Indicator, published: bool) -> bool:
    row = Publication.objects.filter(region=region, indicator=indicator).first()
    if published and row is None:
        row = Publication.objects.create(
            region=region,
            indicator=indicator,
            published_by=actor if actor is not None and actor.is_authenticated else None,
        )
        audit.record(actor, "indicator.publish", row, region=region, after={"indicator": indicator.code})
    elif not published and row is not None:
        audit.record(actor, "indicator.unpublish", row, region=region, before={"indicator": indicator.code})
        row.delete()
    return published


def sub_regions(region: Region) -> dict[str, str]:
    from kesu.regions.models import Region as RegionModel

    return dict(RegionModel.objects.filter(parent=region).order_by("code").values_list("code", "name"))


@transaction.atomic
def upload_boundary(
    actor: User | None,
    region: Region,
    data: bytes,
    *,
    filename: str,
    approval_number: str,
    source: str,
    public: bool = False,
) -> Boundary:
    """Check the whole file, then store it as the region's current boundary; earlier uploads stay as history.

    Raises ``geo.BoundaryError`` listing every problem; nothing is stored then.
    """
    approval_number, source = approval_number.strip(), source.strip()
    problems = [
        message
        for missing, message in (
            (not approval_number, "请填写审图号：只有通过审核的地图才能发布。"),
            (not source, "请填写边界来源（如：××市自然资源和规划局提供的标准地图）。"),
        )
        if missing
    ]
    if problems:
        raise geo.BoundaryError(problems)
    children = sub_regions(region)
    if not children:
        raise geo.BoundaryError([f"{region.name}没有下级区划，无需上传边界。"])
    matched = geo.match(geo.parse(data), children)
    boundary = Boundary.objects.create(
        region=region,
        approval_number=approval_number[:100],
        source=source[:200],
        filename=filename[:200],
        geojson=json.dumps(matched.geojson, ensure_ascii=False, separators=(",", ":")),
        feature_count=len(matched.codes),
        missing=matched.missing,
        public=public,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit.record(
        actor,
        "boundary.upload",
        boundary,
        region=region,
        after={
            "approval_number": boundary.approval_number,
            "source": boundary.source,
            "filename": boundary.filename,
            "features": boundary.feature_count,
            "missing": matched.missing,
            "public": public,
        },
    )
    return boundary


@transaction.atomic
def set_boundary_public(actor: User | None, boundary: Boundary, public: bool) -> Boundary:
    if boundary.public != public:
        audit.record(
            actor,
            "boundary.publish" if public else "boundary.unpublish",
            boundary,
            region=boundary.region,
            before={"public": boundary.public},
            after={"public": public},
        )
        boundary.public = public
        boundary.save(update_fields=["public"])
    return boundary

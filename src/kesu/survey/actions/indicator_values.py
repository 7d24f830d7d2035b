"""The wave's literacy rates written to the indicator library."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from kesu.core import audit
from kesu.core.demo import DATA_DIR
from kesu.indicators.actions import record_value, values_batch
from kesu.regions.models import Region
from kesu.survey import analysis
from kesu.survey.actions._common import SurveyError
from kesu.survey.models import (
    Wave,
    WeightingRun,
)

if TYPE_CHECKING:
    from kesu.accounts.models import User


INDICATOR_CODE = "literacy_rate"


def record_indicators(actor: User | None, wave: Wave) -> int:
    """The literacy rate of the wave's region and of each sub-region with respondents, as indicator values."""
    run = wave.latest_run
    if run is None:
        raise SurveyError("还没有估计结果：请先运行“评分、加权与估计”。")
    try:
        return _record(actor, wave, run, record_value)
    except (ObjectDoesNotExist, LookupError, ValueError) as error:
        if isinstance(error, SurveyError):
            raise
        raise SurveyError(f"指标库没有接收调查结果：{error}") from error


def _record(actor: User | None, wave: Wave, run: WeightingRun, record_value: Any) -> int:
    estimates = run.estimates.filter(outcome=analysis.OUTCOME_LITERATE, by__in=["", "region"])
    subregions = {r.name: r for r in Region.objects.filter(parent=wave.region)}
    subregions |= {
        u.subregion.name: u.subregion for u in wave.frame.select_related("subregion") if u.subregion
    }
    count = 0
    with transaction.atomic(), values_batch():  # one roll-up for the wave's rates, not one per region
        for estimate in estimates:
            region = wave.region if not estimate.by else subregions.get(estimate.level)
            if region is None:
                continue
            denominator = estimate.weighted_total or 0.0
            provenance = (
                f"{'演示数据 · ' if wave.is_demo else ''}调查《{wave.title}》第 {run.pk} 次估计："
                f"标准误 {estimate.se * 100:.2f} 个百分点，95% 置信区间 {estimate.ci_low * 100:.2f}%—"
                f"{estimate.ci_high * 100:.2f}%，样本 {estimate.n} 人"
            )
            record_value(
                actor,
                INDICATOR_CODE,
                region,
                wave.period,
                estimate.estimate * 100,
                numerator=estimate.estimate * denominator,
                denominator=denominator,
                source="survey",
                provenance=provenance,
            )
            count += 1
        audit.record(
            actor, "survey.indicators", wave, region=wave.region, after={"values": count, "run": run.pk}
        )
    return count


def published_figures() -> list[dict[str, str]]:
    """The national figures of csl_published.csv (the latest year of each series and group)."""
    path = Path(DATA_DIR) / "reference" / "csl_published.csv"
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(io.StringIO(file.read())))

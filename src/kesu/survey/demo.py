"""Demo step: a synthetic survey wave (演示数据) for 平阴县, scored, weighted and estimated.

The towns of 平阴县 are the strata, three villages or communities in each the PSUs. Respondents,
answers and census margins are generated here and go through the same imports an office uses,
so the demo also exercises the validation. Nothing describes real people.
"""

from __future__ import annotations

import contextlib
import csv
import io

import numpy as np

from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.regions.models import Region
from kesu.survey import actions
from kesu.survey.demographics import AGE_GROUPS, EDUCATION, OCCUPATIONS, SEXES, URBAN_RURAL
from kesu.survey.models import RuleKind, Wave, WeightingRun

PINGYIN = "370124000000"
DEMO_TITLE = "平阴县公民科学素质调查（演示数据）"
POPULATION = 240_000  # synthetic adults 18–69
PSUS_PER_TOWN = 3
PER_PSU = 24
SEED = 20250601


def _csv(headers: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _shares(values: tuple[str, ...], weights: list[float]) -> dict[str, float]:
    total = sum(weights)
    return {v: w / total for v, w in zip(values, weights, strict=True)}


SEX_SHARES = _shares(SEXES, [51, 49])
AGE_SHARES = _shares(AGE_GROUPS, [19, 21, 22, 22, 16])
EDU_SHARES = _shares(EDUCATION, [24, 40, 19, 9, 8])
URBAN_SHARES = _shares(URBAN_RURAL, [48, 52])


def _margin_rows(towns: list[Region]) -> list[list[object]]:
    """Whole-number populations; every margin sums to POPULATION so raking is consistent."""
    rows: list[list[object]] = []
    town_shares = {t.name: 1.0 / len(towns) * (1.3 if i == 0 else 1.0) for i, t in enumerate(towns)}
    for variable, shares in (
        ("区域", town_shares),
        ("性别", SEX_SHARES),
        ("年龄组", AGE_SHARES),
        ("文化程度", EDU_SHARES),
        ("城乡", URBAN_SHARES),
    ):
        total = sum(shares.values())
        counts = {k: round(POPULATION * v / total) for k, v in shares.items()}
        last = list(counts)[-1]
        counts[last] += POPULATION - sum(counts.values())
        rows += [[variable, k, v] for k, v in counts.items()]
    return rows


def _responses(wave: Wave, towns: list[Region], rng: np.random.Generator) -> list[list[object]]:
    items = list(wave.instrument.items.order_by("order"))
    difficulty = rng.normal(-0.2, 0.9, len(items))
    occupations = list(OCCUPATIONS)
    rows: list[list[object]] = []
    for t, town in enumerate(towns):
        for p in range(1, PSUS_PER_TOWN + 1):
            psu_effect = rng.normal(0, 0.35)
            urban_share = 0.85 if town.name.endswith("街道") else 0.25
            for i in range(PER_PSU):
                sex = str(rng.choice(SEXES, p=[0.47, 0.53]))  # women answer more often: weighting corrects it
                age = int(rng.integers(18, 70) if rng.random() < 0.7 else rng.integers(45, 70))
                edu = int(rng.choice(len(EDUCATION), p=[0.3, 0.4, 0.17, 0.07, 0.06]))
                urban = "城镇" if rng.random() < urban_share else "农村"
                occupation = (
                    occupations[0] if urban == "农村" and rng.random() < 0.6 else str(rng.choice(occupations))
                )
                ability = (
                    -1.0
                    + 0.55 * edu
                    - 0.018 * (age - 40)
                    + (0.45 if urban == "城镇" else 0)
                    + psu_effect
                    + rng.normal(0, 0.8)
                )
                answers = []
                for item, d in zip(items, difficulty, strict=True):
                    right = rng.random() < 1 / (1 + np.exp(d - ability))
                    wrong = [o for o in item.options if o not in item.answer] or item.options
                    answers.append("|".join(item.answer) if right else str(rng.choice(wrong)))
                rows.append(
                    [
                        f"PY{t + 1:02d}{p}{i + 1:03d}",
                        f"T{t + 1:02d}",
                        f"{town.name}{p}",
                        sex,
                        age,
                        EDUCATION[edu],
                        urban,
                        occupation,
                        "capi",
                        *answers,
                    ]
                )
    return rows


def build_demo_wave(region: Region) -> Wave:
    towns = list(Region.objects.filter(parent=region).order_by("code"))
    if len(towns) < 2:
        raise actions.SurveyError(f"{region.name}没有下级乡镇，无法生成演示调查。")
    rng = np.random.default_rng(SEED)
    instrument = actions.import_starter_bank(None, region)
    wave = actions.create_wave(
        None,
        region,
        title=DEMO_TITLE,
        period="2025",
        instrument=instrument,
        rule_kind=RuleKind.CURRENT,
        is_demo=True,
    )
    per_town = POPULATION / len(towns)
    frame = [
        [f"T{t + 1:02d}", f"{town.name}{p}", town.name, per_town / (PSUS_PER_TOWN * PER_PSU)]
        for t, town in enumerate(towns)
        for p in range(1, PSUS_PER_TOWN + 1)
    ]
    actions.import_frame(
        None, wave, _csv(["层", "初级抽样单元", "所在区划", "基础权数"], frame), "demo-frame.csv"
    )
    actions.import_margins(
        None, wave, _csv(["variable", "category", "population"], _margin_rows(towns)), "demo-margins.csv"
    )
    actions.import_responses(
        None,
        wave,
        _csv(actions.response_template_headers(wave), _responses(wave, towns, rng)),
        "demo-responses.csv",
    )
    actions.update_weighting(
        None,
        wave,
        method="rake",
        variables=["region", "sex", "age_group", "education"],
        lonely_psu="fail",
        trim_lower=0.3,
        trim_upper=3.0,
    )
    actions.set_status(None, wave, "closed")
    run = WeightingRun.objects.create(wave=wave, options={"method": "rake", "demo": True})
    actions.run_estimation(run)
    # The indicators app may not offer record_value yet; the survey demo stands on its own.
    with contextlib.suppress(actions.SurveyError):
        actions.record_indicators(None, wave)
    return wave


@register_demo_step
def survey_demo(accounts: DemoAccounts) -> None:
    region = Region.objects.filter(code=PINGYIN).first()
    if region is None or Wave.objects.filter(region=region, title=DEMO_TITLE).exists():
        return
    build_demo_wave(region)

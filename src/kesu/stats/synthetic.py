"""Synthetic survey data (演示数据) for tests, benchmarks and demos.

A stratified cluster sample: strata of 2+ PSUs, clusters of varying size, unequal base weights,
six demographic variables, test answers to 50 items with a PSU effect on ability (so design
effects exceed 1). Nothing here describes a real population.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DEMOGRAPHICS: dict[str, tuple[str, ...]] = {
    "sex": ("男", "女"),
    "agegrp": ("18-29", "30-39", "40-49", "50-59", "60-69"),
    "urban": ("城镇", "农村"),
    "edu": ("小学及以下", "初中", "高中", "大专及以上"),
    "region": ("东部", "中部", "西部"),
    "occupation": ("农民", "工人", "职员", "学生", "其他"),
}
SHARES: dict[str, tuple[float, ...]] = {
    "sex": (0.51, 0.49),
    "agegrp": (0.2, 0.22, 0.22, 0.2, 0.16),
    "urban": (0.62, 0.38),
    "edu": (0.25, 0.38, 0.2, 0.17),
    "region": (0.4, 0.33, 0.27),
    "occupation": (0.3, 0.25, 0.2, 0.1, 0.15),
}


@dataclass(frozen=True)
class SyntheticSurvey:
    """Codes for every variable; `labels()` turns a code column into its text labels."""

    stratum: IntArray
    psu: IntArray
    weight: FloatArray
    demographics: dict[str, IntArray]
    answers: npt.NDArray[np.int16]
    key: IntArray
    dimensions: tuple[str, ...]
    literate: FloatArray
    score: FloatArray

    @property
    def n(self) -> int:
        return int(self.weight.shape[0])

    def labels(self, variable: str) -> npt.NDArray[np.str_]:
        return np.asarray(DEMOGRAPHICS[variable])[self.demographics[variable]]


def make_survey(
    n: int, n_strata: int = 20, mean_cluster: int = 50, n_items: int = 50, seed: int = 20240601
) -> SyntheticSurvey:
    """About n respondents (exactly n) in n_strata strata of clusters averaging mean_cluster."""
    rng = np.random.default_rng(seed)
    n_psu = max(2 * n_strata, n // mean_cluster)
    psu_stratum = np.sort(
        np.concatenate(
            [np.arange(n_strata), np.arange(n_strata), rng.integers(0, n_strata, n_psu - 2 * n_strata)]
        )
    )
    sizes = rng.multinomial(n - n_psu, rng.dirichlet(np.full(n_psu, 5.0))) + 1  # every PSU non-empty
    psu_global = np.repeat(np.arange(n_psu), sizes)
    stratum = psu_stratum[psu_global].astype(np.int64)
    first_of_stratum = np.searchsorted(psu_stratum, psu_stratum)
    psu_within = (np.arange(n_psu) - first_of_stratum)[psu_global].astype(np.int64) + 1
    stratum_weight = rng.uniform(200.0, 2000.0, n_strata)
    weight = stratum_weight[stratum] * rng.lognormal(0.0, 0.3, n)
    demographics = {
        name: rng.choice(len(shares), size=n, p=shares).astype(np.int64) for name, shares in SHARES.items()
    }
    ability = (
        rng.normal(0.0, 0.5, n_psu)[psu_global]
        + 0.35 * demographics["edu"]
        - 0.1 * demographics["agegrp"]
        + rng.normal(0.0, 1.0, n)
    )
    answers, key, dimensions = _answers(rng, ability, n_items)
    correct = answers == key[np.newaxis, :]
    score = 100.0 * correct.mean(axis=1)
    literate = (score >= 70.0).astype(np.float64)
    return SyntheticSurvey(
        stratum, psu_within, weight, demographics, answers, key, dimensions, literate, score
    )


def _answers(
    rng: np.random.Generator, ability: FloatArray, n_items: int
) -> tuple[npt.NDArray[np.int16], IntArray, tuple[str, ...]]:
    """Single-choice items of 4 options (bit masks 1, 2, 4, 8); the chance of a right answer rises with ability."""
    dimension_cycle = ("科学知识", "科学知识", "科学方法", "科学精神与思想", "应用科学的能力")
    dimensions = tuple(dimension_cycle[j % len(dimension_cycle)] for j in range(n_items))
    key_option = rng.integers(0, 4, n_items)
    key = (1 << key_option).astype(np.int64)
    difficulty = rng.normal(-0.8, 0.8, n_items).astype(np.float32)
    answers = np.empty((ability.shape[0], n_items), dtype=np.int16)
    ability32 = ability.astype(np.float32)
    for j in range(n_items):  # column by column keeps the float temporaries at n, not n × m
        p_right = 1.0 / (1.0 + np.exp(difficulty[j] - ability32))
        right = rng.random(ability.shape[0], dtype=np.float32) < p_right
        wrong = (1 << ((key_option[j] + rng.integers(1, 4, ability.shape[0])) % 4)).astype(np.int16)
        answers[:, j] = np.where(right, np.int16(key[j]), wrong)
    return answers, key, dimensions


def population_margins(variables: Sequence[str], total: int = 1_000_000) -> dict[str, dict[str, float]]:
    """Whole-number population counts per category, shares shifted from the sample's so that
    raking matters; every margin sums to `total` exactly."""
    margins = {}
    for variable in variables:
        shares = np.asarray(SHARES[variable])[::-1] * 0.3 + np.asarray(SHARES[variable]) * 0.7
        counts = np.round(total * shares / shares.sum())
        counts[-1] = total - counts[:-1].sum()
        margins[variable] = {label: float(c) for label, c in zip(DEMOGRAPHICS[variable], counts, strict=True)}
    return margins


def write_responses(survey: SyntheticSurvey, path: Path, lonely_stratum: bool = True) -> None:
    """CSV with respondent_id, stratum, stratum_lonely, psu, w, demographics, literate, score.

    `stratum_lonely` moves the last PSU of the stratum with most PSUs (at least 3) into a
    stratum of its own, "S99", for tests of the lonely-PSU rules.
    """
    strata = np.char.add("S", np.char.zfill(survey.stratum.astype(str), 2))
    lonely = strata.copy()
    if lonely_stratum:
        psus = np.zeros(int(survey.stratum.max()) + 1, dtype=np.int64)
        np.maximum.at(psus, survey.stratum, survey.psu)
        largest = survey.stratum == int(np.argmax(psus))
        lonely[largest & (survey.psu == psus.max())] = "S99"
    names = list(DEMOGRAPHICS)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(
            ["respondent_id", "stratum", "stratum_lonely", "psu", "w", *names, "literate", "score"]
        )
        columns = [
            [f"R{i:07d}" for i in range(survey.n)],
            strata.tolist(),
            lonely.tolist(),
            survey.psu.tolist(),
            [repr(w) for w in survey.weight.tolist()],
            *[survey.labels(name).tolist() for name in names],
            [str(int(v)) for v in survey.literate.tolist()],
            [repr(v) for v in survey.score.tolist()],
        ]
        writer.writerows(zip(*columns, strict=True))


def write_margins(margins: dict[str, dict[str, float]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["variable", "category", "population"])
        for variable, populations in margins.items():
            writer.writerows((variable, category, repr(count)) for category, count in populations.items())

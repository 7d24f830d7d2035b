"""The cases of fixtures/r_reference.R, computed with kesu.stats, for comparison with R."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kesu.stats import Design, Estimate, estimate_by, estimate_mean, poststratify, rake, trim_weights
from kesu.stats.design import LonelyPsu
from kesu.stats.weighting import MarginInput

FIXTURES = Path(__file__).parent / "fixtures"
BY_VARIABLES = ("sex", "agegrp", "edu")
OUTCOMES = ("literate", "score")
LONELY_RULES: tuple[LonelyPsu, ...] = ("certainty", "adjust", "remove", "average")

Key = tuple[str, str, str, str]  # case, outcome, by, level


@dataclass(frozen=True)
class Figures:
    estimate: float
    se: float
    deff: float
    ci_low: float
    ci_high: float


def read_columns(path: Path) -> dict[str, list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    return {name: [row[name] for row in rows] for name in rows[0]}


def read_r_estimates(directory: Path) -> dict[Key, Figures]:
    columns = read_columns(directory / "r_estimates.csv")
    figures = {}
    for i, case in enumerate(columns["case"]):
        key = (case, columns["outcome"][i], columns["by"][i], columns["level"][i])
        figures[key] = Figures(
            *(float(columns[name][i]) for name in ("estimate", "se", "deff", "ci_low", "ci_high"))
        )
    return figures


def read_r_weights(directory: Path) -> dict[str, np.ndarray]:
    columns = read_columns(directory / "r_weights.csv")
    return {
        name: np.array(values, dtype=float) for name, values in columns.items() if name != "respondent_id"
    }


def read_r_ciprop(directory: Path) -> dict[Key, tuple[float, float]]:
    """svyciprop(method="logit")'s intervals of the proportion literate, per case and domain."""
    columns = read_columns(directory / "r_ciprop.csv")
    return {
        (case, columns["outcome"][i], columns["by"][i], columns["level"][i]): (
            float(columns["ci_low"][i]),
            float(columns["ci_high"][i]),
        )
        for i, case in enumerate(columns["case"])
    }


def python_ciprop(directory: Path) -> dict[Key, tuple[float, float]]:
    """The same intervals from kesu.stats (``proportion=True``)."""
    data = read_columns(directory / "responses.csv")
    y = np.array(data["literate"], dtype=float)
    intervals: dict[Key, tuple[float, float]] = {}
    for case, design in _designs(directory, data).items():
        overall = estimate_mean(design, y, proportion=True)
        intervals[(case, "literate", "", "")] = (overall.ci_low, overall.ci_high)
        for by in BY_VARIABLES:
            for e in estimate_by(design, y, np.array(data[by]), by=by, proportion=True):
                intervals[(case, "literate", by, e.level)] = (e.ci_low, e.ci_high)
    return intervals


def _designs(directory: Path, data: dict[str, list[str]]) -> dict[str, Design]:
    return _cases(directory, data)[0]


def python_weights_and_estimates(directory: Path) -> tuple[dict[str, np.ndarray], dict[Key, Figures]]:
    """Every weighting case and estimate of r_reference.R, from the same input files."""
    data = read_columns(directory / "responses.csv")
    designs, ours = _cases(directory, data)
    estimates: dict[Key, Figures] = {}
    for case, design in designs.items():
        for outcome in OUTCOMES:
            y = np.array(data[outcome], dtype=float)
            overall = estimate_mean(design, y)
            estimates[(case, outcome, "", "")] = _figures(overall)
            for by in BY_VARIABLES:
                for e in estimate_by(design, y, np.array(data[by]), by=by):
                    estimates[(case, outcome, by, e.level)] = _figures(e)
    return ours, estimates


def _cases(directory: Path, data: dict[str, list[str]]) -> tuple[dict[str, Design], dict[str, np.ndarray]]:
    """The designs of r_reference.R's cases, and the weights each weighting case gives."""
    margins = _margins(directory, data)
    weights = np.array(data["w"], dtype=float)
    base = Design(data["stratum"], data["psu"], weights)
    tight = rake(weights, margins, epsilon=1e-13, max_iter=1000)
    default = rake(weights, margins, epsilon=1, max_iter=10)
    calibrated = rake(weights, margins, epsilon=1e-13, max_iter=1000, variance="calibrate")
    cells = _poststrata(directory)
    post = poststratify(weights, [f"{s}|{u}" for s, u in zip(data["sex"], data["urban"], strict=True)], cells)
    r_weights = read_r_weights(directory)
    trimmed = trim_weights(tight.weights, lower=r_weights["trim_lower"][0], upper=r_weights["trim_upper"][0])
    designs: dict[str, Design] = {
        "base": base,
        "rake_default": base.with_weights(default.weights, [default.calibration]),
        "rake_tight": base.with_weights(tight.weights, [tight.calibration]),
        "calibrate_raking": base.with_weights(calibrated.weights, [calibrated.calibration]),
        "poststratify": base.with_weights(post.weights, [post.calibration]),
        # trimWeights() changes the weights but keeps the raking record, as R does.
        "rake_tight_trimmed": base.with_weights(trimmed, [tight.calibration]),
    }
    for rule in LONELY_RULES:
        lonely = Design(data["stratum_lonely"], data["psu"], weights, lonely_psu=rule)
        designs[f"lonely_{rule}"] = lonely
        designs[f"lonely_{rule}_raked"] = lonely.with_weights(tight.weights, [tight.calibration])
    ours = {
        "rake_default": default.weights,
        "rake_tight": tight.weights,
        "calibrate_raking": calibrated.weights,
        "poststratify": post.weights,
        "rake_tight_trimmed": trimmed,
    }
    return designs, ours


def _figures(e: Estimate) -> Figures:
    return Figures(e.estimate, e.se, e.deff, e.ci_low, e.ci_high)


def _margins(directory: Path, data: dict[str, list[str]]) -> dict[str, MarginInput]:
    columns = read_columns(directory / "margins.csv")
    populations: dict[str, dict[object, float]] = {}
    for variable, category, count in zip(
        columns["variable"], columns["category"], columns["population"], strict=True
    ):
        populations.setdefault(variable, {})[category] = float(count)
    return {variable: (np.array(data[variable]), cells) for variable, cells in populations.items()}


def _poststrata(directory: Path) -> dict[object, float]:
    columns = read_columns(directory / "r_poststrata.csv")
    return {
        f"{s}|{u}": float(p)
        for s, u, p in zip(columns["sex"], columns["urban"], columns["population"], strict=True)
    }


@dataclass(frozen=True)
class Agreement:
    """Largest differences between two sets of results (R's minus ours)."""

    max_abs_estimate: float
    max_rel_se: float
    max_rel_deff: float
    max_rel_weight: float
    compared: int


def compare(directory: Path) -> Agreement:
    """Run every case with kesu.stats and compare with the R results stored in `directory`."""
    r_estimates, r_weights = read_r_estimates(directory), read_r_weights(directory)
    our_weights, ours = python_weights_and_estimates(directory)
    missing = sorted(set(r_estimates) ^ set(ours))
    assert not missing, f"cases not in both: {missing[:5]}"
    d_est = d_se = d_deff = 0.0
    for key, r in r_estimates.items():
        o = ours[key]
        d_est = max(d_est, abs(o.estimate - r.estimate), abs(o.ci_low - r.ci_low), abs(o.ci_high - r.ci_high))
        d_se = max(d_se, abs(o.se / r.se - 1.0))
        d_deff = max(d_deff, abs(o.deff / r.deff - 1.0))
    d_w = max(float(np.max(np.abs(w / r_weights[case] - 1.0))) for case, w in our_weights.items())
    return Agreement(d_est, d_se, d_deff, d_w, len(r_estimates))


def compare_ciprop(directory: Path) -> tuple[float, int]:
    """Largest difference between R's and our logit intervals, and how many were compared."""
    r, ours = read_r_ciprop(directory), python_ciprop(directory)
    missing = sorted(set(r) ^ set(ours))
    assert not missing, f"intervals not in both: {missing[:5]}"
    return max(max(abs(ours[k][0] - low), abs(ours[k][1] - high)) for k, (low, high) in r.items()), len(r)

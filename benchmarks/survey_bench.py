"""Benchmark of kesu.stats on a national-size survey, against samplics and R's survey package.

    .venv/bin/python benchmarks/survey_bench.py [--n 1000000] [--skip-samplics] [--skip-r]

Synthesises n respondents × 50 items with strata, PSUs, weights and 6 demographic variables,
then times: scoring (current 100-point rule), raking on 4 margins, and estimates of the literacy
rate (overall + by the 6 variables) with standard errors, on the base and on the raked design.
The budget is 10 s and 2 GB peak RSS for scoring + raking + estimates. samplics (base weights:
it has no calibrated variance) and R (base and raked) run the same estimates on the same data;
the script prints their times, the ratios, and the largest differences from ours.
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from kesu.stats import CURRENT_RULE, Design, Estimate, Item, estimate_levels, rake, score_answers
from kesu.stats.synthetic import DEMOGRAPHICS, SyntheticSurvey, make_survey, population_margins, write_margins

RAKE_MARGINS = ("sex", "agegrp", "urban", "edu")
BY_VARIABLES = tuple(DEMOGRAPHICS)  # the six demographic variables
TIME_BUDGET_S = 10.0
MEMORY_BUDGET_MB = 2048.0
T = TypeVar("T")


def timed(label: str, timings: dict[str, float], action: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = action()
    timings[label] = time.perf_counter() - start
    print(f"  {label:<28s} {timings[label]:8.3f} s", flush=True)
    return value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def our_estimates(design: Design, y: np.ndarray, survey: SyntheticSurvey) -> list[Estimate]:
    rows = estimate_levels(design, y, np.zeros(design.n, dtype=np.int64), [""])
    for variable in BY_VARIABLES:
        rows += estimate_levels(
            design, y, survey.demographics[variable], list(DEMOGRAPHICS[variable]), by=variable
        )
    return rows


def run_ours(survey: SyntheticSurvey) -> tuple[dict[str, float], dict[str, list[Estimate]], np.ndarray]:
    timings: dict[str, float] = {}
    items = [
        Item(f"Q{j}", d, "choice", ("A", "B", "C", "D"), frozenset()) for j, d in enumerate(survey.dimensions)
    ]
    scores = timed("scoring", timings, lambda: score_answers(survey.answers, survey.key, items, CURRENT_RULE))
    y = scores.literate.astype(np.float64)
    margins = {
        name: (survey.demographics[name], dict(enumerate(population_margins([name])[name].values())))
        for name in RAKE_MARGINS
    }
    raked = timed(
        "raking (4 margins)", timings, lambda: rake(survey.weight, margins, epsilon=1e-10, max_iter=100)
    )
    print(
        f"    {raked.iterations} sweeps; Kish deff {raked.before.kish_deff:.3f} → {raked.after.kish_deff:.3f}"
    )
    base = timed("design", timings, lambda: Design(survey.stratum, survey.psu, survey.weight))
    estimates = {"base": timed("estimates, base", timings, lambda: our_estimates(base, y, survey))}
    calibrated = base.with_weights(raked.weights, [raked.calibration])
    estimates["raked"] = timed("estimates, raked", timings, lambda: our_estimates(calibrated, y, survey))
    return timings, estimates, y


def run_samplics(survey: SyntheticSurvey, y: np.ndarray) -> tuple[float, list[tuple[str, str, float, float]]]:
    warnings.filterwarnings("ignore")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    rows: list[tuple[str, str, float, float]] = []
    start = time.perf_counter()
    overall = TaylorEstimator(PopParam.mean)
    overall.estimate(y=y, samp_weight=survey.weight, stratum=survey.stratum, psu=survey.psu)
    rows.append(("", "", float(overall.point_est), float(overall.stderror)))
    for variable in BY_VARIABLES:
        by = TaylorEstimator(PopParam.mean)
        by.estimate(
            y=y,
            samp_weight=survey.weight,
            stratum=survey.stratum,
            psu=survey.psu,
            domain=survey.demographics[variable],
        )
        for code, value in by.point_est.items():
            rows.append((variable, DEMOGRAPHICS[variable][int(code)], float(value), float(by.stderror[code])))
    return time.perf_counter() - start, rows


def run_r(
    survey: SyntheticSurvey, y: np.ndarray
) -> tuple[dict[str, float], dict[tuple[str, str, str], tuple[float, float]]]:
    folder = Path(tempfile.mkdtemp(prefix="kesu-bench-"))
    try:
        data_path, margins_path, out_path = folder / "data.csv", folder / "margins.csv", folder / "r_out.csv"
        with data_path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(["stratum", "psu", "w", "literate", *BY_VARIABLES])
            labels = [np.asarray(DEMOGRAPHICS[v])[survey.demographics[v]].tolist() for v in BY_VARIABLES]
            writer.writerows(
                zip(
                    survey.stratum.tolist(),
                    survey.psu.tolist(),
                    map(repr, survey.weight.tolist()),
                    y.astype(int).tolist(),
                    *labels,
                    strict=True,
                )
            )
        write_margins(population_margins(RAKE_MARGINS), margins_path)
        script = Path(__file__).with_suffix(".R")
        command = [
            "Rscript",
            str(script),
            str(data_path),
            str(margins_path),
            ",".join(BY_VARIABLES),
            str(out_path),
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        timings = {
            line.split(",")[1]: float(line.split(",")[2])
            for line in output.splitlines()
            if line.startswith("timing,")
        }
        with out_path.open(encoding="utf-8") as file:
            results = {
                (r["case"], r["by"], r["level"]): (float(r["estimate"]), float(r["se"]))
                for r in csv.DictReader(file)
            }
        return timings, results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def differences(
    ours: list[Estimate], theirs: dict[tuple[str, str], tuple[float, float]]
) -> tuple[float, float]:
    """Largest |Δ estimate| and largest relative |Δ SE| over the rows both have."""
    d_est = d_se = 0.0
    for e in ours:
        estimate, se = theirs[(e.by, e.level)]
        d_est = max(d_est, abs(e.estimate - estimate))
        d_se = max(d_se, abs(e.se / se - 1.0))
    return d_est, d_se


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--strata", type=int, default=60)
    parser.add_argument("--skip-samplics", action="store_true")
    parser.add_argument("--skip-r", action="store_true")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    survey = make_survey(args.n, n_strata=args.strata, mean_cluster=50, n_items=args.items)
    print(
        f"synthesised {survey.n:,} respondents × {args.items} items, {int(survey.stratum.max()) + 1} strata, "
        f"{len(np.unique(survey.stratum * 10_000 + survey.psu)):,} PSUs in {time.perf_counter() - start:.1f} s"
    )
    print("kesu.stats:")
    timings, ours, y = run_ours(survey)
    total = sum(timings.values())
    memory = peak_rss_mb()
    verdict = "OK" if total < TIME_BUDGET_S and memory < MEMORY_BUDGET_MB else "OVER BUDGET"
    print(
        f"  {'total':<28s} {total:8.3f} s   peak RSS {memory:,.0f} MB   [{verdict}: budget {TIME_BUDGET_S:g} s, {MEMORY_BUDGET_MB:,.0f} MB]"
    )
    our_base_time = timings["design"] + timings["estimates, base"]
    our_raked_time = timings["raking (4 margins)"] + timings["estimates, raked"]

    if not args.skip_samplics:
        print("samplics (TaylorEstimator, base weights):")
        seconds, rows = run_samplics(survey, y)
        d_est, d_se = differences(ours["base"], {(b, lv): (e, s) for b, lv, e, s in rows})
        print(
            f"  estimates, base {seconds:8.3f} s   ratio samplics/kesu {seconds / our_base_time:6.1f}×   "
            f"max |Δest| {d_est:.2e}, max rel |ΔSE| {d_se:.2e}"
        )

    if not args.skip_r and shutil.which("Rscript"):
        print("R survey package (svydesign, svymean, svyby, rake):")
        r_timings, r_results = run_r(survey, y)
        r_base = r_timings["design"] + r_timings["estimate_base"]
        r_raked = r_timings["rake"] + r_timings["estimate_raked"]
        for case, r_time, our_time in (("base", r_base, our_base_time), ("raked", r_raked, our_raked_time)):
            d_est, d_se = differences(
                ours[case], {(b, lv): v for (c, b, lv), v in r_results.items() if c == case}
            )
            print(
                f"  {case:<6s} {r_time:8.3f} s   ratio R/kesu {r_time / our_time:7.1f}×   "
                f"max |Δest| {d_est:.2e}, max rel |ΔSE| {d_se:.2e}"
            )
        print("  R timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in r_timings.items()))
    elif not args.skip_r:
        print("R: Rscript not found, skipped")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

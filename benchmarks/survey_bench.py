"""Benchmark of kesu.stats on a national-size survey, against samplics and R's survey package.

    .venv/bin/python benchmarks/survey_bench.py [--n 1000000] [--skip-samplics] [--skip-r]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/survey_bench \
        .venv/bin/python benchmarks/survey_bench.py app [--n 100000] [--items 50]

Synthesises n respondents × 50 items with strata, PSUs, weights and 6 demographic variables,
then times: scoring (current 100-point rule), raking on 4 margins, and estimates of the literacy
rate (overall + by the 6 variables) with standard errors, on the base and on the raked design.
The budget is 10 s and 2 GB peak RSS for scoring + raking + estimates. samplics (base weights:
it has no calibrated variance) and R (base and raked) run the same estimates on the same data;
the script prints their times, the ratios, and the largest differences from ours.

``app`` times the survey inside the application on its database (PostgreSQL for the figures): a
50-item bank, a wave with 60 strata × 20 PSUs and census margins, then the paper/CAPI upload of n
respondents (request: checked and held), the import job (read, validate, COPY), the weighting request
(quick checks, job queued) and the estimate job (score, rake on 4 margins, estimate 6 outcomes × 6
domains, write scores, weights and estimates), each run as the worker runs it. Budgets: import job
< 30 s, estimate job < 15 s for 100,000 × 50. It prints peak RSS and the load average, and checks the
stored estimates against `kesu survey_estimate` on a file of the same respondents.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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


# ---- app mode: the real upload → job → estimate path ---------------------------------------------

APP_TIME_BUDGET = {"import job": 30.0, "estimate job": 15.0}
BENCH_TITLE = "基准调查（survey_bench）"
APP_MARGINS = ("sex", "age_group", "education", "urban_rural")


def timed_cpu(label: str, timings: dict[str, float], action: Callable[[], T]) -> T:
    """Wall seconds (what the user waits, inflated by the machine's load), and the CPU seconds of this
    process and of its PostgreSQL backend: their sum is about the wall time on an idle machine."""
    start, cpu, backend = time.perf_counter(), time.process_time(), _backend_cpu()
    value = action()
    timings[label] = time.perf_counter() - start
    ours, theirs = time.process_time() - cpu, _backend_cpu() - backend
    print(
        f"  {label:<18s} {timings[label]:7.2f} s wall   CPU {ours:6.2f} s Python + {theirs:6.2f} s PostgreSQL"
        f" = {ours + theirs:6.2f} s"
    )
    return value


def _backend_cpu() -> float:
    """User + system CPU seconds of this connection's PostgreSQL backend (same machine), 0 elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def app_main(argv: list[str]) -> int:
    """Upload a wave's questionnaires to the app, import and estimate them as the jobs do; print timings."""
    parser = argparse.ArgumentParser(prog="survey_bench.py app")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--strata", type=int, default=60)
    parser.add_argument("--psus", type=int, default=20, help="PSUs per stratum")
    args = parser.parse_args(argv)
    _django()
    from django.db import connection

    print(
        f"database: {connection.vendor} ({connection.settings_dict['NAME']})   load average before: {_load()}"
    )
    office, wave = _app_wave(args)
    rng = np.random.default_rng(7)
    data = _app_responses(wave, args, rng)
    print(f"questionnaire file: {args.n:,} respondents × {args.items} items, {len(data) / 1e6:.1f} MB of CSV")
    timings = _app_run(office, wave, data)
    verdicts = [timings[k] < v for k, v in APP_TIME_BUDGET.items()]
    print(f"  peak RSS {peak_rss_mb():,.0f} MB   load average after: {_load()}")
    print("  budget: import job < 30 s, estimate job < 15 s: " + ("OK" if all(verdicts) else "OVER BUDGET"))
    _app_compare_with_cli(wave)
    return 0 if all(verdicts) else 1


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _django() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
    os.environ.setdefault("KESU_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _app_wave(args: argparse.Namespace) -> tuple[Any, Any]:
    """The persona world (built once per database), a 50-item bank, a fresh wave with its frame and margins."""
    from kesu.accounts.models import User
    from kesu.regions.models import Region, RegionLevel
    from kesu.survey import actions
    from kesu.testing import build_world

    if not User.objects.filter(username="py-office").exists():
        build_world()
    office = User.objects.get(username="py-office")
    county = Region.objects.get(code="370124000000")
    towns = []
    for code, name in (("370124001000", "榆山街道"), ("370124100000", "东阿镇"), ("370124101000", "孝直镇")):
        town = Region.objects.filter(code=code).first()
        if town is None:
            town = Region(code=code, name=name, level=RegionLevel.TOWN, parent=county)
            town.path = town.compute_path()
            town.save()
        towns.append(town)
    started = time.perf_counter()
    _drop_previous_waves()
    print(f"previous benchmark wave removed in {time.perf_counter() - started:.1f} s")
    bank = _csv_text(
        ["题号", "维度", "题型", "题干", "选项", "答案", "来源"],
        [
            [
                f"Q{j:02d}",
                DIMENSIONS[j % 4],
                "single",
                f"基准题 {j}",
                "甲|乙|丙|丁",
                "甲乙丙丁"[j % 4],
                "基准",
            ]
            for j in range(args.items)
        ],
    )
    instrument = actions.import_instrument(office, county, "基准问卷", bank, "bank.csv")
    wave = actions.create_wave(
        office, county, title=BENCH_TITLE, period="2025", instrument=instrument, rule_kind="current"
    )
    frame = [
        [f"S{s:02d}", f"P{p:02d}", towns[s % len(towns)].name, 50.0 + (s * 7 + p * 3) % 100]
        for s in range(args.strata)
        for p in range(args.psus)
    ]
    actions.import_frame(
        office, wave, _csv_text(["层", "初级抽样单元", "所在区划", "基础权数"], frame), "f.csv"
    )
    margins = [
        [variable, category, 1_000_000 * share]
        for variable, shares in POPULATION_SHARES.items()
        for category, share in shares.items()
    ]
    actions.import_margins(office, wave, _csv_text(["variable", "category", "population"], margins), "m.csv")
    return office, wave


def _drop_previous_waves() -> None:
    """The previous run's wave, its 100,000 respondents in three statements (the ORM's cascade takes a minute)."""
    from django.db import connection, transaction

    from kesu.survey.models import Wave

    waves = list(Wave.objects.filter(title=BENCH_TITLE).values_list("pk", flat=True))
    if not waves:
        return
    respondents = "SELECT id FROM survey_respondent WHERE wave_id = ANY(%s)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM survey_respondentresult WHERE respondent_id IN ({respondents})", [waves])
        cursor.execute(f"DELETE FROM survey_answer WHERE respondent_id IN ({respondents})", [waves])
        cursor.execute("DELETE FROM survey_respondent WHERE wave_id = ANY(%s)", [waves])
        Wave.objects.filter(pk__in=waves).delete()


DIMENSIONS = ("科学知识", "科学方法", "科学精神与思想", "应用科学的能力")
POPULATION_SHARES = {
    "sex": {"男": 0.51, "女": 0.49},
    "age_group": {"18-29": 0.2, "30-39": 0.2, "40-49": 0.22, "50-59": 0.2, "60-69": 0.18},
    "education": {"小学及以下": 0.25, "初中": 0.35, "高中": 0.18, "大专": 0.1, "本科及以上": 0.12},
    "urban_rural": {"城镇": 0.6, "农村": 0.4},
}


def _csv_text(headers: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _app_responses(wave: Any, args: argparse.Namespace, rng: np.random.Generator) -> bytes:
    """A paper/CAPI file as an office uploads it: answers as letters, better with more education."""
    from kesu.survey.actions import response_template_headers

    n, m = args.n, args.items
    education = ("小学及以下", "初中", "高中", "大专", "本科及以上")
    edu = rng.integers(0, 5, n)
    ability = 0.35 + 0.1 * edu + rng.normal(0, 0.1, n)
    right = rng.random((n, m)) < ability[:, None]
    key = np.arange(m) % 4
    wrong = (key[None, :] + rng.integers(1, 4, (n, m))) % 4
    letters = np.array(list("ABCD"))[np.where(right, key[None, :], wrong)]
    ages = rng.integers(18, 70, n)
    stratum = rng.integers(0, args.strata, n)
    psu = rng.integers(0, args.psus, n)
    rows = [
        [
            f"R{i:07d}",
            f"S{stratum[i]:02d}",
            f"P{psu[i]:02d}",
            "男" if i % 2 else "女",
            int(ages[i]),
            education[edu[i]],
            "城镇" if i % 5 < 3 else "农村",
            "其他",
            "paper",
            *letters[i].tolist(),
        ]
        for i in range(n)
    ]
    return _csv_text(response_template_headers(wave), rows)


def _app_run(office: Any, wave: Any, data: bytes) -> dict[str, float]:
    """The upload request, the import job, the estimate request and the estimate job, each timed."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from kesu.core.jobs import run_job
    from kesu.core.models import Job, JobStatus

    client = Client()
    client.force_login(office)
    timings: dict[str, float] = {}
    upload = SimpleUploadedFile("responses.csv", data, content_type="text/csv")
    response = timed_cpu(
        "upload request",
        timings,
        lambda: client.post(f"/survey/waves/{wave.pk}/responses/import/", {"file": upload}, secure=True),
    )
    job = Job.objects.order_by("-pk").first()
    assert response.status_code == 302 and job is not None, (response.status_code, response.get("Location"))
    import_id = job.pk
    timed_cpu("import job", timings, lambda: run_job.call(import_id))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    print(f"    {job.message}")
    form = {"rule_kind": "current", "method": "rake", "variables": list(APP_MARGINS), "lonely_psu": "fail"}
    response = timed_cpu(
        "estimate request",
        timings,
        lambda: client.post(f"/survey/waves/{wave.pk}/weighting/", form, secure=True),
    )
    job = Job.objects.order_by("-pk").first()
    assert response.status_code == 302 and job is not None and job.kind == "survey_estimate"
    estimate_id = job.pk
    timed_cpu("estimate job", timings, lambda: run_job.call(estimate_id))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    print(f"    {job.message}")
    return timings


def _app_compare_with_cli(wave: Any) -> None:
    """The stored estimates against `kesu survey_estimate` on the file of the same respondents."""
    from kesu.survey.clifile import app_and_cli_estimates

    started = time.perf_counter()
    pairs = app_and_cli_estimates(wave, list(APP_MARGINS))
    d_est = max(abs(a.estimate - c["estimate"]) for a, c in pairs)
    d_se = max(abs(a.se / c["se"] - 1) for a, c in pairs)
    print(
        f"  same estimates as kesu survey_estimate ({len(pairs)} rows, {time.perf_counter() - started:.1f} s): "
        f"max |Δestimate| {d_est:.1e}, max relative |ΔSE| {d_se:.1e}"
    )


if __name__ == "__main__":
    sys.exit(app_main(sys.argv[2:]) if sys.argv[1:2] == ["app"] else main(sys.argv[1:]))

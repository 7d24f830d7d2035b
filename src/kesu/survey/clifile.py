"""A wave's scored respondents as the file `kesu survey_estimate` reads, to check the app against it.

The app and the command share the statistics core; this module proves they also share its use: the
same design, the same raking and the same domains give the same estimates and standard errors. The
test suite and ``benchmarks/survey_bench.py app`` both call ``app_and_cli_estimates``.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path
from typing import Any

from kesu.stats import cli
from kesu.survey.analysis import OUTCOME_LITERATE
from kesu.survey.demographics import DOMAIN_VARIABLES
from kesu.survey.models import Estimate, Respondent, Wave


def write_cli_files(wave: Wave, variables: list[str], folder: Path) -> list[str]:
    """responses.csv (one row per submitted questionnaire) and margins.csv; returns the command's arguments."""
    responses, margins = folder / "responses.csv", folder / "margins.csv"
    rows = (
        Respondent.objects.filter(wave=wave)
        .complete()
        .order_by("pk")
        .values_list(
            "pk",
            "unit__stratum",
            "unit__psu",
            "unit__base_weight",
            "result__literate",
            "unit__subregion__name",
        )
    )
    fields = [v for v in DOMAIN_VARIABLES if v != "region"]
    labels = Respondent.objects.filter(wave=wave).complete().order_by("pk").values_list(*fields)
    with responses.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["respondent_id", "stratum", "psu", "weight", "literate", "region", *fields])
        for (pk, stratum, psu, weight, literate, town), values in zip(rows, labels, strict=True):
            writer.writerow([pk, stratum, psu, repr(weight), int(bool(literate)), town or "", *values])
    with margins.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["variable", "category", "population"])
        for margin in wave.margins.filter(variable__in=variables).order_by("pk"):
            writer.writerow([margin.variable, margin.category, repr(margin.population)])
    by = ",".join(DOMAIN_VARIABLES)
    return [
        str(responses),
        *("--stratum", "stratum", "--psu", "psu", "--weight", "weight", "--outcome", "literate"),
        *("--by", by, "--rake", str(margins)),
    ]


def app_and_cli_estimates(wave: Wave, variables: list[str]) -> list[tuple[Estimate, dict[str, Any]]]:
    """(the app's stored estimate, the command's row) for 具备科学素质, overall and in every domain."""
    run = wave.latest_run
    if run is None:
        raise ValueError("该调查轮次还没有成功的估计。")
    with tempfile.TemporaryDirectory(prefix="kesu-cli-") as folder:
        output = json.loads(cli.run(write_cli_files(wave, variables, Path(folder))))
    theirs = {(row["by"], row["level"]): row for row in output["estimates"]}
    ours = run.estimates.filter(outcome=OUTCOME_LITERATE).order_by("pk")
    return [(estimate, theirs[(estimate.by, estimate.level)]) for estimate in ours]

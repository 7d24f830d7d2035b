"""`kesu survey_estimate`: design-based estimates from a CSV of responses, without a database.

    kesu survey_estimate RESPONSES.csv --stratum COL --psu COL --weight COL --outcome COL
        [--by COL[,COL...]] [--rake MARGINS.csv] [--weights-out FILE.csv]

prints {"estimates": [...]}: the whole population first, then one row per level of each --by
column. With --rake the weights are raked to MARGINS.csv (variable,category,population) and the
standard errors account for the raking as R's rake() does. Any error: one Chinese message on
stderr, exit status 2, no file written.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np

from .csvio import CsvTable, read_csv
from .design import LONELY_PSU_OPTIONS, Design
from .errors import InputDataError, MarginMismatchError, SurveyStatsError
from .estimation import Estimate, estimate_levels
from .weighting import MarginInput, check_margin_categories, rake

RESPONDENT_ID = "respondent_id"
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InputDataError(f"命令参数有误：{message}。用法：{self.format_usage().strip()}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kesu survey_estimate", description="分层整群抽样设计下的加权估计（均值/比例）及标准误。"
    )
    parser.add_argument("responses", help="受访者数据 CSV，须含 respondent_id 列")
    parser.add_argument("--stratum", required=True, help="层变量列名")
    parser.add_argument("--psu", required=True, help="初级抽样单元列名（在层内编号）")
    parser.add_argument("--weight", required=True, help="基础权数列名")
    parser.add_argument("--outcome", required=True, help="结果变量列名（0/1 或数值）")
    parser.add_argument("--by", default="", help="分组变量，逗号分隔")
    parser.add_argument("--rake", metavar="MARGINS.csv", help="总体边际表：variable,category,population")
    parser.add_argument("--weights-out", metavar="FILE.csv", help="写出调整后的权数：respondent_id,weight")
    parser.add_argument(
        "--lonely-psu",
        default="fail",
        choices=LONELY_PSU_OPTIONS,
        help="单 PSU 层的处理（同 R 的 survey.lonely.psu）",
    )
    parser.add_argument("--rake-epsilon", type=float, default=1e-10, help="收敛阈值（<1 为相对于权数总和）")
    parser.add_argument("--rake-maxit", type=int, default=100, help="最多迭代轮数")
    parser.add_argument(
        "--rake-variance",
        default="rake",
        choices=("rake", "calibrate"),
        help="标准误对应 R 的 rake() 或 calibrate(calfun='raking')",
    )
    parser.add_argument("--deff", action="store_true", help="输出设计效应 deff")
    return parser


@dataclass(frozen=True)
class _Margins:
    populations: dict[str, dict[str, float]]


def main(argv: list[str]) -> int:
    try:
        output = run(argv)
    except SurveyStatsError as exc:
        _write(sys.stderr, exc.message + "\n")
        return EXIT_USAGE
    _write(sys.stdout, output + "\n")
    return 0


def run(argv: Sequence[str]) -> str:
    """Everything `main` does, returning the JSON text or raising SurveyStatsError."""
    args = build_parser().parse_args(list(argv))
    by_columns = [name.strip() for name in args.by.split(",") if name.strip()]
    margins = _read_margins(args.rake) if args.rake else None
    wanted = [RESPONDENT_ID, args.stratum, args.psu, args.weight, args.outcome, *by_columns]
    table = read_csv(args.responses, wanted + (list(margins.populations) if margins else []))
    if table.n_rows == 0:
        raise InputDataError(f"文件 {args.responses} 没有数据行。")
    weights = table.numbers(args.weight)
    if np.any(weights < 0):
        row = int(np.flatnonzero(weights < 0)[0])
        raise InputDataError(f"文件 {args.responses} 第 {table.line_numbers[row]} 行的权数为负数。")
    outcome = table.numbers(args.outcome)
    design = Design(
        _labels(table, args.stratum), _labels(table, args.psu), weights, lonely_psu=args.lonely_psu
    )
    if margins:
        result = rake(
            weights,
            _margin_inputs(table, margins),
            epsilon=args.rake_epsilon,
            max_iter=args.rake_maxit,
            variance=args.rake_variance,
        )
        design = design.with_weights(result.weights, [result.calibration])
    estimates = _estimates(design, outcome, table, by_columns)
    if args.weights_out:
        _write_weights(Path(args.weights_out), table.columns[RESPONDENT_ID], design.weights)
    rows = [dict(e.as_row(), **({"deff": _finite(e.deff)} if args.deff else {})) for e in estimates]
    return json.dumps({"estimates": rows}, ensure_ascii=False)


def _estimates(design: Design, outcome: np.ndarray, table: CsvTable, by_columns: list[str]) -> list[Estimate]:
    everyone = np.zeros(design.n, dtype=np.int64)
    estimates = estimate_levels(design, outcome, everyone, [""])
    for column in by_columns:
        codes, labels = table.categories(column)
        if "" in labels:  # a blank cell belongs to no level of this variable
            blank = labels.index("")
            codes = np.where(codes == blank, -1, codes - (codes > blank))
            labels = [label for label in labels if label != ""]
        estimates += estimate_levels(design, outcome, codes, labels, by=column)
    return estimates


def _labels(table: CsvTable, column: str) -> np.ndarray:
    """The column's labels per respondent, so errors name strata as the file does."""
    codes, labels = table.categories(column)
    return np.asarray(labels)[codes]


def _read_margins(path: str) -> _Margins:
    table = read_csv(path, ["variable", "category", "population"])
    counts = table.numbers("population")
    populations: dict[str, dict[str, float]] = {}
    for row, (variable, category) in enumerate(
        zip(table.columns["variable"], table.columns["category"], strict=True)
    ):
        cells = populations.setdefault(variable.strip(), {})
        if category.strip() in cells:
            raise MarginMismatchError(
                f"总体边际表 {path} 第 {table.line_numbers[row]} 行重复：变量“{variable}”类别“{category}”。"
            )
        cells[category.strip()] = float(counts[row])
    if not populations:
        raise MarginMismatchError(f"总体边际表 {path} 没有数据行。")
    return _Margins(populations)


def _margin_inputs(table: CsvTable, margins: _Margins) -> dict[str, MarginInput]:
    """Margins as respondent codes plus populations keyed by code, checked in label space."""
    inputs: dict[str, MarginInput] = {}
    for variable, population in margins.populations.items():
        codes, labels = table.categories(variable)
        check_margin_categories(variable, list(labels), population)
        inputs[variable] = (codes, {code: population[label] for code, label in enumerate(labels)})
    return inputs


def _write_weights(path: Path, respondent_ids: list[str], weights: np.ndarray) -> None:
    """Write through a temporary file in the same folder, so a failure leaves nothing behind."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=".weights-", suffix=".csv", dir=folder)
    except OSError as exc:
        raise InputDataError(f"无法写出权数文件 {path}：{exc.strerror or exc}。") from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow([RESPONDENT_ID, "weight"])
            # repr() keeps all 17 significant digits, so weights round-trip exactly.
            writer.writerows(zip(respondent_ids, map(repr, weights.tolist()), strict=True))
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputDataError(f"无法写出权数文件 {path}：{exc.strerror or exc}。") from exc


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def _write(stream: object, text: str) -> None:
    """Always UTF-8, whatever the locale of the terminal or the calling process."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    else:
        stream.write(text)  # type: ignore[attr-defined]

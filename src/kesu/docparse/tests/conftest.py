"""Where the seed plans and their gold parses live (``shared/`` beside the repository checkout)."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest

from kesu.env import env_bool

REPO = Path(__file__).resolve().parents[4]
SHARED = REPO.parent / "shared"
SAMPLE_PLANS = REPO / "src" / "kesu" / "data" / "sample_plans"

# sample plan shipped with the app → the seed's gold parse in shared/gold
SEEDS = {
    "pingdingshan_2021_2025.txt": "seed_000.json",
    "xinzheng_2021_2025.txt": "seed_001.json",
    "pingdingshan_2017_work_points.txt": "seed_002.json",
    "pingyin_2021_2025.txt": "seed_003.json",
    "yunxi_2022_2025.txt": "seed_004.json",
}


def sample_text(name: str) -> str:
    return (SAMPLE_PLANS / name).read_text(encoding="utf-8")


def _missing(message: str) -> NoReturn:
    """Skip on a developer's machine without shared/; fail in CI (KESU_REQUIRE_SHARED=1), where a skip would hide it."""
    if env_bool("KESU_REQUIRE_SHARED", False):
        pytest.fail(message)
    pytest.skip(message)


def _scorer() -> ModuleType:
    path = SHARED / "tools" / "score_parse.py"
    if not path.exists():
        _missing(f"the scorer is not at {path}")
    spec = importlib.util.spec_from_file_location("score_parse", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(gold_name: str, prediction: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Run shared/tools/score_parse.py on a prediction and return its metrics."""
    gold = SHARED / "gold" / gold_name
    if not gold.exists():
        _missing(f"gold parse missing: {gold}")
    pred_path = tmp_path / "pred.json"
    pred_path.write_text(json.dumps(prediction, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _scorer().main(str(gold), str(pred_path))
    return json.loads(out.getvalue())


def assert_meets_thresholds(metrics: dict[str, Any]) -> None:
    assert metrics["task_f1"] >= 0.98, metrics
    assert metrics["unit_f1"] >= 0.97, metrics
    assert metrics["target_f1"] >= 0.95, metrics
    assert metrics["goal_ok"], metrics
    assert metrics["region_ok"], metrics

"""`kesu survey_estimate` as the automated checks call it: kesu.stats.cli.main(argv)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kesu.stats.cli import main

from .reference_cases import FIXTURES, read_r_estimates, read_r_weights

RESPONSES = FIXTURES / "responses.csv"
MARGINS = FIXTURES / "margins.csv"
DESIGN = ["--stratum", "stratum", "--psu", "psu", "--weight", "w", "--outcome", "literate"]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _copy(tmp_path: Path, edit: dict[int, dict[str, str]] | None = None, encoding: str = "utf-8") -> Path:
    with RESPONSES.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    for index, changes in (edit or {}).items():
        rows[index].update(changes)
    path = tmp_path / "responses.csv"
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_prints_the_population_row_then_one_row_per_level_of_each_by_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run([str(RESPONSES), *DESIGN, "--by", "sex,agegrp"], capsys)
    assert (status, err) == (0, "")
    rows = json.loads(out)["estimates"]
    assert [(r["by"], r["level"]) for r in rows] == [
        ("", ""),
        ("sex", "女"),
        ("sex", "男"),
        ("agegrp", "18-29"),
        ("agegrp", "30-39"),
        ("agegrp", "40-49"),
        ("agegrp", "50-59"),
        ("agegrp", "60-69"),
    ]
    assert set(rows[0]) == {"by", "level", "estimate", "se", "ci_low", "ci_high", "n"}
    assert rows[0]["n"] == 600 and rows[1]["n"] + rows[2]["n"] == 600
    r = read_r_estimates(FIXTURES)
    for row in rows:
        expected = r[("base", "literate", row["by"], row["level"])]
        assert row["estimate"] == pytest.approx(expected.estimate, abs=1e-12)
        assert row["se"] == pytest.approx(expected.se, rel=1e-9)
        assert row["ci_low"] == pytest.approx(expected.ci_low, abs=1e-12)


def test_raking_uses_the_raked_weights_and_writes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "weights.csv"
    argv = [
        str(RESPONSES),
        *DESIGN,
        "--by",
        "edu",
        "--rake",
        str(MARGINS),
        "--weights-out",
        str(out_path),
        "--rake-epsilon",
        "1e-13",
        "--rake-maxit",
        "1000",
    ]
    status, out, _ = _run(argv, capsys)
    assert status == 0
    r = read_r_estimates(FIXTURES)
    for row in json.loads(out)["estimates"]:
        expected = r[("rake_tight", "literate", row["by"], row["level"])]
        assert row["estimate"] == pytest.approx(expected.estimate, abs=1e-9)
        assert row["se"] == pytest.approx(expected.se, rel=1e-6)
    with out_path.open(encoding="utf-8") as file:
        written = list(csv.DictReader(file))
    assert list(written[0]) == ["respondent_id", "weight"]
    r_weights = read_r_weights(FIXTURES)["rake_tight"]
    assert [float(w["weight"]) for w in written] == pytest.approx(r_weights.tolist(), rel=1e-9)


def test_files_in_gb18030_or_with_a_byte_order_mark_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for encoding in ("gb18030", "utf-8-sig"):
        status, out, _ = _run([str(_copy(tmp_path, encoding=encoding)), *DESIGN, "--by", "sex"], capsys)
        assert status == 0 and json.loads(out)["estimates"][1]["level"] == "女"


def test_missing_columns_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(
        [str(RESPONSES), "--stratum", "层", "--psu", "psu", "--weight", "w", "--outcome", "素质"], capsys
    )
    assert status == 2 and out == ""
    assert "缺少列" in err and "层" in err and "素质" in err


def test_text_in_a_numeric_column_names_the_column_and_the_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, {4: {"w": "一千"}})
    status, _, err = _run([str(path), *DESIGN], capsys)
    assert status == 2
    assert "第 6 行" in err and "“w”" in err and "一千" in err


def test_a_single_psu_stratum_is_an_error_unless_a_lonely_psu_rule_is_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "weights.csv"
    argv = [str(RESPONSES), "--stratum", "stratum_lonely", *DESIGN[2:], "--weights-out", str(out_path)]
    status, out, err = _run(argv, capsys)
    assert status == 2 and out == "" and "S99" in err and "合并" in err
    assert not out_path.exists()
    status, out, _ = _run([*argv, "--lonely-psu", "adjust"], capsys)
    expected = read_r_estimates(FIXTURES)[("lonely_adjust", "literate", "", "")]
    assert status == 0 and json.loads(out)["estimates"][0]["se"] == pytest.approx(expected.se, rel=1e-9)


def test_raking_that_does_not_converge_names_the_margin_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "weights.csv"
    argv = [
        str(RESPONSES),
        *DESIGN,
        "--rake",
        str(MARGINS),
        "--rake-maxit",
        "1",
        "--weights-out",
        str(out_path),
    ]
    status, out, err = _run(argv, capsys)
    assert status == 2 and out == "" and "未收敛" in err and "“sex”" in err
    assert not out_path.exists()


def test_margins_that_do_not_match_the_data_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    margins = tmp_path / "margins.csv"
    text = MARGINS.read_text(encoding="utf-8").replace("urban,农村,452000.0", "urban,乡村,452000.0")
    margins.write_text(text, encoding="utf-8")
    out_path = tmp_path / "weights.csv"
    status, _, err = _run(
        [str(RESPONSES), *DESIGN, "--rake", str(margins), "--weights-out", str(out_path)], capsys
    )
    assert status == 2 and "urban" in err and "农村" in err
    assert not out_path.exists()


def test_bad_arguments_give_a_chinese_message_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run([str(RESPONSES), "--psu", "psu"], capsys)
    assert status == 2 and "命令参数有误" in err


def test_python_dash_m_kesu_stats_runs_the_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kesu.stats", "survey_estimate", str(RESPONSES), *DESIGN],
        capture_output=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout.decode("utf-8"))["estimates"][0]["n"] == 600

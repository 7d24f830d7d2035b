"""The five seed plans, as txt and in the formats they may arrive in, scored against their gold parses."""

from __future__ import annotations

from pathlib import Path

import pytest

from kesu.docparse import parse_plan_bytes, parse_plan_text

from .conftest import SEEDS, assert_meets_thresholds, sample_text, score
from .pdf_maker import text_pdf
from .variants import as_docx, as_gb18030, wrapped_like_pdf


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_as_utf8_text_meets_the_accuracy_thresholds(name: str, tmp_path: Path) -> None:
    draft = parse_plan_bytes(sample_text(name).encode("utf-8"), name)
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_as_docx_meets_the_accuracy_thresholds(name: str, tmp_path: Path) -> None:
    draft = parse_plan_bytes(as_docx(sample_text(name)), name.replace(".txt", ".docx"))
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_in_gb18030_meets_the_accuracy_thresholds(name: str, tmp_path: Path) -> None:
    draft = parse_plan_bytes(as_gb18030(sample_text(name)), name)
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_wrapped_like_pdf_text_meets_the_accuracy_thresholds(
    name: str, tmp_path: Path
) -> None:
    draft = parse_plan_text(wrapped_like_pdf(sample_text(name)))
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


@pytest.mark.parametrize("width", [28, 42])
@pytest.mark.parametrize("name", sorted(SEEDS))
def test_other_page_widths_keep_the_thresholds(name: str, width: int, tmp_path: Path) -> None:
    draft = parse_plan_text(wrapped_like_pdf(sample_text(name), width=width))
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_seed_plan_as_a_real_text_pdf_meets_the_accuracy_thresholds(name: str, tmp_path: Path) -> None:
    draft = parse_plan_bytes(text_pdf(sample_text(name)), name.replace(".txt", ".pdf"))
    assert_meets_thresholds(score(SEEDS[name], draft.to_json_dict(), tmp_path))


def test_the_doubled_work_points_keep_one_copy_and_say_so() -> None:
    draft = parse_plan_text(sample_text("pingdingshan_2017_work_points.txt"))
    assert len(draft.tasks) == 33
    assert draft.period is not None and (draft.period.start, draft.period.end) == (2017, 2017)
    assert any("两遍" in w for w in draft.warnings)


def test_spans_of_seed_targets_point_at_their_text_in_the_source() -> None:
    text = sample_text("pingdingshan_2021_2025.txt")
    draft = parse_plan_text(text)
    targets = [t for task in draft.tasks for t in task.targets]
    assert targets
    for target in targets:
        assert text[target.span[0] : target.span[1]] == target.text
    for task in draft.tasks:
        assert text[task.span[0] : task.span[1]].find(task.title) >= 0

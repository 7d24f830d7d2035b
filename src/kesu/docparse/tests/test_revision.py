"""A revised document's tasks continue the earlier version's, though numbering or wording moved."""

from __future__ import annotations

from pathlib import Path

import pytest

from kesu.docparse import PlanDraft, parse_plan_text
from kesu.docparse.revision import Earlier, continued

HEADER = "某市2024年全民科学素质工作要点\n一、重点任务\n"
MUSEUMS = "建设校园科技馆。到2024年底，全市建成校园科技馆20所，每所配备专职辅导员。"
LECTURES = "开展科普讲座。全年开展科普讲座不少于60场次，覆盖各县（市、区）。"
CONTESTS = "组织青少年科技创新大赛。每年举办一届，评选优秀作品。"


def _draft(*items: str) -> PlanDraft:
    return parse_plan_text(
        HEADER + "".join(f"{n}.{item}\n牵头单位：市科协\n" for n, item in enumerate(items, 1))
    )


def _earlier(draft: PlanDraft, active: bool = True) -> list[Earlier]:
    return [Earlier(t.id, t.title, t.text, active) for t in draft.tasks]


def _continued(before: PlanDraft, after: PlanDraft) -> dict[str, str]:
    """Revised title → the earlier title it continues."""
    titles = {t.id: t.title for t in before.tasks}
    return {
        new.title: titles[old]
        for new_id, old in continued(_earlier(before), after.tasks).items()
        for new in after.tasks
        if new.id == new_id
    }


def test_a_task_inserted_at_the_top_renumbers_the_rest_and_each_continues_its_own() -> None:
    before, after = _draft(MUSEUMS, LECTURES), _draft(CONTESTS, MUSEUMS, LECTURES)
    assert {t.id for t in before.tasks}.isdisjoint(t.id for t in after.tasks[1:])  # every id moved
    assert _continued(before, after) == {"建设校园科技馆": "建设校园科技馆", "开展科普讲座": "开展科普讲座"}


def test_a_reworded_heading_in_the_same_place_continues_the_task() -> None:
    reworded = LECTURES.replace("开展科普讲座。", "举办科普讲座活动。")
    assert _continued(_draft(MUSEUMS, LECTURES), _draft(MUSEUMS, reworded)) == {
        "举办科普讲座活动": "开展科普讲座"
    }


def test_a_different_task_in_the_same_place_is_new_and_the_old_one_is_removed() -> None:
    assert _continued(_draft(MUSEUMS, LECTURES), _draft(MUSEUMS, CONTESTS)) == {}


def test_moved_and_reworded_at_once_continues_only_when_the_text_is_nearly_the_same() -> None:
    nearly = "开展科普讲座活动。全年开展科普讲座不少于60场次，覆盖各县（市、区）。"
    before = _draft(MUSEUMS, LECTURES)
    assert _continued(before, _draft(CONTESTS, MUSEUMS, nearly)) == {
        "建设校园科技馆": "建设校园科技馆",
        "开展科普讲座活动": "开展科普讲座",
    }
    rewritten = "开展科普宣讲。围绕健康、应急等主题宣讲40场。"
    assert "开展科普宣讲" not in _continued(before, _draft(CONTESTS, MUSEUMS, rewritten))


def test_an_earlier_task_continues_one_revised_task_at_most() -> None:
    twice = _draft(
        MUSEUMS,
        LECTURES.replace("开展科普讲座。", "开展科普讲座（一）。"),
        LECTURES.replace("开展科普讲座。", "开展科普讲座（二）。"),
    )
    found = continued(_earlier(_draft(MUSEUMS, LECTURES)), twice.tasks)
    assert len(found) == 1 and len(set(found.values())) == 1


def test_a_task_an_earlier_revision_removed_comes_back_only_by_its_own_id() -> None:
    before = _draft(MUSEUMS, LECTURES)
    removed = [Earlier(t.id, t.title, t.text, active=t.title != "开展科普讲座") for t in before.tasks]
    reworded = _draft(MUSEUMS, LECTURES.replace("开展科普讲座。", "举办科普讲座活动。"))
    assert continued(removed, reworded.tasks) == {}
    assert continued(removed, before.tasks) == {}  # the same id: matched as it always was, not here


SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sample_plans"


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.txt")))
def test_each_sample_plan_revised_by_script_continues_every_task_it_kept(sample: str) -> None:
    """Every fifth heading reworded (its last two characters become 工作) and a task inserted before
    the first: each old task is continued by its own revised self, and only the inserted one is new."""
    text = (SAMPLES / sample).read_text(encoding="utf-8")
    before = parse_plan_text(text)
    reworded = before.tasks[::5]
    revised = text
    for task in reworded:
        revised = revised.replace(task.title, task.title[:-2] + "工作", 1)
    first = before.tasks[0].title
    revised = revised.replace(first, "开展院士专家进校园活动。每年不少于10场。\n" + first, 1)
    after = parse_plan_text(revised)
    pairs = continued(_earlier(before), after.tasks)
    old_title = {task.id: task.title for task in before.tasks}
    same_id = {task.id for task in after.tasks} & set(old_title)
    for task in after.tasks:
        if task.id in pairs:
            was = old_title[pairs[task.id]]
            assert task.title in (was, was[:-2] + "工作"), f"{task.title} paired with {was}"
    unmatched = [t.title for t in after.tasks if t.id not in pairs and t.id not in same_id]
    assert len(unmatched) <= 1 and all("院士专家进校园" in title for title in unmatched)
    assert len(pairs) + len(same_id) >= len(before.tasks)  # none of the old tasks is left behind

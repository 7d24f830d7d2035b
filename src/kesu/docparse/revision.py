"""Which task of an earlier version each task of a revised document continues.

A task's id is its place in the outline and its heading (``二.(一).3-<hash of the heading>``), so a
revision that inserts a task renumbers every task after it, and a reworded heading changes that
task's id. Matching by id alone would read those as tasks removed and new ones added, and the
reports, targets and corrections attached to them would stay behind on deactivated tasks.
``continued`` pairs what the ids do not:

1. **moved**: the same heading at another place in the outline (numbering shifted);
2. **reworded**: at the same place, a heading or text close to the old one; or anywhere, a text
   that is nearly the same.

Each earlier task continues at most one revised task, best match first. A task of the revision
that matches nothing is new; an earlier task that nothing continues is removed — as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from .model import Task

# Thresholds of difflib's ratio (2 × matching characters ÷ both lengths), chosen on revisions of the
# sample plans: a reworded heading at the same place keeps half its characters ("开展科普讲座" →
# "举办科普讲座活动" is 0.6); moved and reworded at once, only a nearly unchanged text is trusted.
SAME_PLACE = 0.5
ANYWHERE = 0.8
# Comparing every left-over pair costs about 0.2 ms each; past this many pairs (a different document
# uploaded as a revision, say) only tasks at the same place are compared.
MAX_PAIRS = 2500


@dataclass(frozen=True)
class Earlier:
    """A task as the earlier version of the document wrote it."""

    id: str
    title: str
    text: str
    active: bool = True  # deactivated by an earlier revision: found again only by its exact id


def place(task_id: str) -> str:
    """The outline position part of a task id (``二.(一).3``)."""
    return task_id.rsplit("-", 1)[0]


def heading_key(task_id: str) -> str:
    """The heading part of a task id: the same for the same heading wherever it stands."""
    return task_id.rsplit("-", 1)[-1]


def continued(earlier: Sequence[Earlier], revised: Sequence[Task]) -> dict[str, str]:
    """Revised task id → the earlier task id it continues, for the tasks whose id changed."""
    known = {task.id for task in earlier}
    new = [task for task in revised if task.id not in known]
    free = [task for task in earlier if task.active and task.id not in {t.id for t in revised}]
    pairs = _moved(free, new)
    left_new = [task for task in new if task.id not in pairs]
    left_old = [task for task in free if task.id not in set(pairs.values())]
    pairs.update(_reworded(left_old, left_new))
    return pairs


def _moved(free: list[Earlier], new: list[Task]) -> dict[str, str]:
    """Same heading, another place: in document order, as numbering shifts keep the order."""
    by_heading: dict[str, list[Earlier]] = defaultdict(list)
    for old in free:
        by_heading[heading_key(old.id)].append(old)
    pairs: dict[str, str] = {}
    for task in new:
        candidates = by_heading.get(heading_key(task.id))
        if candidates:
            pairs[task.id] = candidates.pop(0).id
    return pairs


def _reworded(free: list[Earlier], new: list[Task]) -> dict[str, str]:
    everywhere = len(free) * len(new) <= MAX_PAIRS
    scored = [
        (score, index, old.id, task.id)
        for index, task in enumerate(new)
        for old in free
        if (everywhere or place(old.id) == place(task.id)) and (score := _likeness(old, task)) is not None
    ]
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for _, _, old_id, new_id in sorted(scored, key=lambda s: (-s[0], s[1])):
        if new_id not in pairs and old_id not in taken:
            pairs[new_id] = old_id
            taken.add(old_id)
    return pairs


def _likeness(old: Earlier, task: Task) -> float | None:
    """How alike the two are (higher is closer), or None when they are not the same task."""
    text = _ratio(old.text, task.text, ANYWHERE if place(old.id) != place(task.id) else SAME_PLACE)
    if place(old.id) != place(task.id):
        return text
    title = _ratio(old.title, task.title, SAME_PLACE)
    if title is None and text is None:
        return None
    return 1 + (title or 0) + (text or 0)  # the same place first


def _ratio(a: str, b: str, floor: float) -> float | None:
    """difflib's ratio when it reaches ``floor`` (its cheap upper bounds are tried first)."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return None
    ratio = matcher.ratio()
    return ratio if ratio >= floor else None

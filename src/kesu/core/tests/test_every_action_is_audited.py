"""Every write action of every app leaves an audit event, and every change records what was there before.

Read from the real ``<app>/actions.py`` modules (and ``actions/`` packages) with ``ast``: a public
function that writes to the database — itself or through the functions it calls there — must record
an event, itself or through them, unless it is listed below with the reason it is not audited. An
event whose verb says something existing changed (update, status, move, disable …) must carry
``before``. A new action that forgets either fails here by name.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kesu.core.models import VERB_LABELS

SRC = Path(__file__).resolve().parents[2]
WRITES = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
# ``capture``: an event the action hands, in its own transaction, to the task that writes it.
RECORDERS = {"record", "record_export", "capture"}
# Verbs that say an existing row changed: what it was must be in the event.
CHANGE_VERB = re.compile(r"(update|status|disable|enable|move|submit|reopen|unlock|revoke|correct)$")

NOT_AUDITED = {
    "scope_changed": "bumps users' scope counters inside the action that changed the scope, which records the event",
    "mark_read": "marks the user's own notifications read: what they have seen, nothing anyone else reads",
    "answer_item": "a member of the public answering the questionnaire; the submission is audited",
    "mark_shown": "records which question a respondent has seen; part of answering",
    "save_profile": "a respondent's own demographic answers; part of answering",
    "start_public_response": "opens an anonymous response through the public link (rate-limited per address); "
    "the submission is audited",
    "notify_groups": "queues messages to work groups; the action that made them news records its own event",
    "summarise": "recounts volunteers' yearly summary from their service records inside the action that "
    "changed the records, which records the event",
    "follow_region_move": "rewrites activities' copy of their region's path inside the region move, "
    "which records the event",
    "on_unit_saved": "rewrites a unit's funding lines' copy of its region's path inside the action that "
    "moved the unit, which records the event",
}


@dataclass
class Action:
    module: str
    name: str
    calls: set[str] = field(default_factory=set)
    writes: bool = False
    records: list[ast.Call] = field(default_factory=list)


def action_modules() -> list[Path]:
    return sorted([*SRC.glob("*/actions.py"), *SRC.glob("*/actions/*.py"), *SRC.glob("*/actions_*.py")])


def read_actions() -> dict[str, list[Action]]:
    found: dict[str, list[Action]] = {}
    for path in action_modules():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            action = Action(str(path.relative_to(SRC)), node.name)
            for sub in ast.walk(node):
                if not isinstance(sub, ast.Call):
                    continue
                func = sub.func
                name = (
                    func.attr
                    if isinstance(func, ast.Attribute)
                    else func.id
                    if isinstance(func, ast.Name)
                    else ""
                )
                action.calls.add(name)
                if isinstance(func, ast.Attribute) and name in WRITES and not _is_plain_container(func):
                    action.writes = True
                if isinstance(func, ast.Attribute) and name in RECORDERS and _names(func.value, "audit"):
                    action.records.append(sub)
            found.setdefault(node.name, []).append(action)
    return found


def _is_plain_container(func: ast.Attribute) -> bool:
    # dict.update(...) on a local mapping is not a database write
    return (
        func.attr == "update"
        and isinstance(func.value, ast.Name)
        and func.value.id in {"fields", "values", "data", "params"}
    )


def _names(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def closure(actions: dict[str, list[Action]], has: str) -> dict[tuple[str, str], bool]:
    """Whether each action writes (or records), itself or through the action functions it calls."""
    result = {(a.module, a.name): bool(getattr(a, has)) for group in actions.values() for a in group}
    changed = True
    while changed:
        changed = False
        for group in actions.values():
            for action in group:
                key = (action.module, action.name)
                if result[key]:
                    continue
                if any(result[(c.module, c.name)] for call in action.calls for c in actions.get(call, [])):
                    result[key] = changed = True
    return result


ACTIONS = read_actions()


def test_the_actions_are_found() -> None:
    modules = {a.module for group in ACTIONS.values() for a in group}
    assert {
        "accounts/actions.py",
        "plans/actions.py",
        "reporting/actions.py",
        "survey/actions/waves.py",
    } <= modules
    assert len(ACTIONS) > 100


def test_every_action_that_writes_records_an_audit_event() -> None:
    writes, records = closure(ACTIONS, "writes"), closure(ACTIONS, "records")
    silent = sorted(
        f"{module}:{name}"
        for (module, name), wrote in writes.items()
        if wrote and not records[(module, name)] and not name.startswith("_") and name not in NOT_AUDITED
    )
    assert silent == [], "these actions write without an audit event (record one, or say why in NOT_AUDITED)"


def test_the_exemptions_are_still_real_actions() -> None:
    assert set(NOT_AUDITED) <= set(ACTIONS), "an exempted action was renamed or removed: update NOT_AUDITED"


def recorded_verbs() -> list[tuple[str, str, str, set[str]]]:
    rows = []
    for group in ACTIONS.values():
        for action in group:
            for call in action.records:
                verb_node = call.args[1] if len(call.args) > 1 else None
                verb = verb_node.value if isinstance(verb_node, ast.Constant) else ""
                rows.append((action.module, action.name, str(verb), {k.arg or "" for k in call.keywords}))
    return rows


def test_every_change_records_what_was_there_before() -> None:
    missing = sorted(
        f"{module}:{name} {verb}"
        for module, name, verb, keywords in recorded_verbs()
        if CHANGE_VERB.search(verb) and "before" not in keywords
    )
    assert missing == []


@pytest.mark.django_db
def test_every_recorded_verb_has_a_chinese_label() -> None:
    unlabelled = sorted({verb for _, _, verb, _ in recorded_verbs() if verb and verb not in VERB_LABELS})
    assert unlabelled == []

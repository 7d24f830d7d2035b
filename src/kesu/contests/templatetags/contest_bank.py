"""``{% bank_facts contest as facts %}``: what the contest page's bank panel shows (counts, the rule's check)."""

from __future__ import annotations

from typing import Any

from django import template

from kesu.contests import bank
from kesu.contests.models import Contest, ItemType
from kesu.quiz import draw as quizdraw

register = template.Library()


@register.simple_tag(takes_context=True)
def bank_facts(context: dict[str, Any], contest: Contest) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    access = getattr(user, "access", None)
    manages = access is not None and contest.region_id in set(getattr(access, "office_region_ids", ()))
    summary = bank.summary(contest)
    rule = quizdraw.parse_rule(contest.draw_rule)
    return {
        "manages": manages,
        "types": [
            {"label": label, "count": summary.by_type.get(value, 0), "drawn": rule.counts.get(value, 0)}
            for value, label in ItemType.choices
        ],
        "topics": [(t, summary.topic_total(t)) for t in summary.topics],
        "problems": bank.rule_problems(contest),
        "locked": bank.is_locked(contest),
        "topic_rule": rule.topics,
    }

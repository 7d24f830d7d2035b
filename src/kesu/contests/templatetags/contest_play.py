"""``{% play_facts contest as facts %}``: what the contest page's answering panel shows."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Q

from kesu.contests import engine
from kesu.contests.models import Attempt, AttemptStatus, Contest, Participant

register = template.Library()


@register.simple_tag(takes_context=True)
def play_facts(context: dict[str, Any], contest: Contest) -> dict[str, Any]:
    """Counts within what the reader may see: participants, attempts today, flagged attempts (one query each)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"visible": False}
    people = Participant.objects.visible_to(user).filter(contest=contest)
    counts = Attempt.objects.filter(contest=contest, participant__in=people).aggregate(
        today=Count("pk", filter=Q(day=engine.local_day(engine.now()))),
        active=Count("pk", filter=Q(status=AttemptStatus.ACTIVE)),
        flagged=Count("pk", filter=Q(flagged=True) & ~Q(status=AttemptStatus.VOIDED)),
        voided=Count("pk", filter=Q(status=AttemptStatus.VOIDED)),
    )
    return {
        "visible": True,
        "participants": people.count(),
        # The one rule for who changes a contest (a system administrator too), not restated here.
        "manages": Contest.objects.manageable_by(user).filter(pk=contest.pk).exists(),
        "open": engine.is_open(contest),
        **counts,
    }

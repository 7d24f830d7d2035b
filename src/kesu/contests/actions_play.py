"""The office's writes on an own contest's answering: voiding attempts, revealing a phone, closing play.

One transaction and one audit event each; side effects (the leaderboard's cached copy) on commit.
A voided attempt keeps its rows (the evidence) but leaves the leaderboard, ranks and the figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kesu.contests import engine, own_figures, standings
from kesu.contests.models import Attempt, AttemptStatus, Contest, Participant
from kesu.core import audit
from kesu.core.personal import reveal

if TYPE_CHECKING:
    from kesu.accounts.models import User

VERBS: dict[str, str] = {
    "contest.void_attempts": "作废竞赛答题成绩",
    "contest.close_play": "结束在线答题（结算前）",
}


class PlayAdminError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refuse_if_frozen(contest: Contest) -> None:
    if contest.is_frozen:
        raise PlayAdminError("竞赛成绩已冻结，不能再作废答题")


@transaction.atomic
def void_attempts(
    actor: User,
    contest: Contest,
    *,
    reason: str,
    participant: Participant | None = None,
    attempt: Attempt | None = None,
) -> int:
    """Void one attempt, or every attempt of one participant, with a reason; how many were voided."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    _refuse_if_frozen(contest)
    reason = reason.strip()
    if not reason:
        raise PlayAdminError("请填写作废原因")
    attempts = Attempt.objects.filter(contest=contest).exclude(status=AttemptStatus.VOIDED)
    if attempt is not None:
        attempts, target = attempts.filter(pk=attempt.pk), attempt
    elif participant is not None:
        attempts, target = attempts.filter(participant=participant), participant  # type: ignore[assignment]
    else:
        raise PlayAdminError("请选择要作废的答题或参赛人")
    ids = list(attempts.values_list("pk", flat=True))
    if not ids:
        raise PlayAdminError("没有可作废的答题")
    before = {
        str(pk): status for pk, status in Attempt.objects.filter(pk__in=ids).values_list("pk", "status")
    }
    Attempt.objects.filter(pk__in=ids).update(
        status=AttemptStatus.VOIDED, void_reason=reason[:200], voided_at=timezone.now(), voided_by=actor
    )
    audit.record(
        actor,
        "contest.void_attempts",
        target,
        region=contest.region,
        before={"attempts": before},
        after={"status": AttemptStatus.VOIDED, "attempts": ids},
        note=f"作废 {len(ids)} 次答题：{reason}",
        target_repr=f"{contest.name} · {target}",
    )
    standings.recount_participants(
        contest, sorted(set(Attempt.objects.filter(pk__in=ids).values_list("participant_id", flat=True)))
    )
    own_figures.refresh_own_figures(contest)
    _forget_board(contest)
    return len(ids)


def reveal_phone(actor: User, participant: Participant) -> str:
    """The full phone number, for the organising office only; audited."""
    if not Participant.objects.phones_readable_by(actor).filter(pk=participant.pk).exists():
        raise PlayAdminError("只有竞赛主办区划的素质办可以查看完整手机号")
    return reveal(
        actor, participant, participant.phone_cipher, field="手机号", region=participant.contest.region
    )


@transaction.atomic
def close_play(actor: User | None, contest: Contest) -> int:
    """At the close (before 结算 freezes the figures): end every attempt still running, scoring what was
    answered, and count the final figures. Called by the freeze; safe to call again."""
    closed = 0
    for pk in Attempt.objects.filter(contest=contest, status=AttemptStatus.ACTIVE).values_list(
        "pk", flat=True
    ):
        closed += engine.finalise(pk, contest, AttemptStatus.EXPIRED)
    rows = own_figures.refresh_own_figures(contest)
    audit.record(
        actor,
        "contest.close_play",
        contest,
        region=contest.region,
        after={"closed_attempts": closed, "figure_rows": rows},
    )
    _forget_board(contest)
    return closed


def _forget_board(contest: Contest) -> None:
    # Now, so this process's next read recomputes; and again after the commit, in case another worker
    # recomputed from the old rows in between.
    standings.forget_board(contest)
    transaction.on_commit(lambda: standings.forget_board(contest))

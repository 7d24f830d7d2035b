"""The web questionnaire: public starts, profiles, answers and submission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kesu.core import audit
from kesu.core.ratelimit import RateLimit
from kesu.survey import sheets
from kesu.survey.actions._common import SurveyError
from kesu.survey.demographics import (
    EDUCATION,
    OCCUPATIONS,
    SEXES,
    URBAN_RURAL,
    age_group_of,
    key_group_of,
    variable_label,
)
from kesu.survey.models import (
    Answer,
    FrameUnit,
    Item,
    ItemType,
    Respondent,
    RespondentStatus,
    Source,
    Wave,
)

if TYPE_CHECKING:
    pass


class QuotaFullError(SurveyError):
    """A new respondent falls in a quota cell that already has its completed questionnaires."""


class TooManyStartsError(SurveyError):
    """One client has started as many responses through the public link as an hour allows."""


def public_starts() -> RateLimit:
    """Starts per client address and wave in an hour, counted by the one rate limiter (core.ratelimit),
    which keeps only a hash of the address."""
    return RateLimit("survey-start", settings.KESU_SURVEY_STARTS_PER_IP_PER_HOUR, 3600)


@transaction.atomic
def start_public_response(
    wave: Wave, data: dict[str, Any], unit: FrameUnit | None, client_ip: str
) -> Respondent:
    """A response begun through the public link, created only once its profile is answered (no empty rows)."""
    wave = Wave.objects.select_for_update().get(
        pk=wave.pk
    )  # one start at a time per wave: limits hold across processes
    if not (wave.is_open and wave.public_link):
        raise SurveyError("本次调查目前不接受作答。")
    profile = check_profile(wave, data)
    if unit is None or unit.wave_id != wave.pk:
        raise SurveyError("请选择您所在的乡镇（街道）。")
    refuse_full_quota(wave, profile, unit)
    if not public_starts().hit(f"{wave.pk}:{client_ip}"):
        raise TooManyStartsError(
            "从您所在的网络发起的答卷已经很多，请一小时后再试。如已开始作答，请输入答题码继续。"
        )
    now = timezone.now()
    return Respondent.objects.create(
        wave=wave, source=Source.WEB, status=RespondentStatus.STARTED, started_at=now, unit=unit, **profile
    )


def _quota_value(variable: str, profile: dict[str, Any], unit: FrameUnit | None) -> str:
    if variable == "region":
        return unit.subregion.name if unit is not None and unit.subregion is not None else ""
    return str(profile.get(variable, ""))


def refuse_full_quota(wave: Wave, profile: dict[str, Any], unit: FrameUnit | None) -> None:
    """Stop a new respondent whose quota cell already has its target of submitted questionnaires.

    Only new respondents are stopped: one who already began answers on and may submit past the
    target, so nobody's work is thrown away.
    """
    complete = Respondent.objects.filter(wave=wave).complete()
    for variable, targets in (wave.quotas or {}).items():
        value = _quota_value(variable, profile, unit)
        if value not in targets:
            continue
        field = "unit__subregion__name" if variable == "region" else variable
        if complete.filter(**{field: value}).count() >= targets[value]:
            raise QuotaFullError(
                f"感谢您的支持！本次调查中{variable_label(variable)}为“{value}”的受访者已经足够，"
                "暂不需要更多答卷。您填写的信息没有保存。"
            )


def check_profile(wave: Wave, data: dict[str, Any]) -> dict[str, Any]:
    """The demographic answers of a respondent, or the first thing wrong with them."""
    try:
        age = int(str(data.get("age", "")).strip())
    except ValueError:
        raise SurveyError("请填写周岁年龄（数字）。") from None
    if not wave.age_min <= age <= wave.age_max:
        raise SurveyError(f"本调查的对象是 {wave.age_min}—{wave.age_max} 周岁的居民。")
    checks = (
        ("sex", SEXES, "性别"),
        ("education", EDUCATION, "文化程度"),
        ("urban_rural", URBAN_RURAL, "城乡"),
        ("occupation", tuple(OCCUPATIONS), "职业"),
    )
    for field, allowed, label in checks:
        if data.get(field) not in allowed:
            raise SurveyError(f"请选择{label}。")
    return {
        "sex": data["sex"],
        "age": age,
        "age_group": age_group_of(age),
        "education": data["education"],
        "urban_rural": data["urban_rural"],
        "occupation": data["occupation"],
        "key_group": key_group_of(age, data["occupation"]),
    }


@transaction.atomic
def save_profile(respondent: Respondent, data: dict[str, Any], unit: FrameUnit | None) -> None:
    if respondent.is_complete:
        raise SurveyError("这份问卷已经提交，不能修改。")
    is_new = not respondent.has_profile
    profile = check_profile(respondent.wave, data)
    for field, value in profile.items():
        setattr(respondent, field, value)
    if unit is not None:
        respondent.unit = unit
    if respondent.unit is None:
        raise SurveyError("请选择您所在的乡镇（街道）。")
    if is_new:  # a code's first profile makes a new respondent: full quota cells take no more
        wave = Wave.objects.select_for_update().get(pk=respondent.wave_id)
        refuse_full_quota(wave, profile, respondent.unit)
    respondent.status = RespondentStatus.STARTED
    respondent.started_at = respondent.started_at or timezone.now()
    respondent.item_shown_at = None
    respondent.save()


def next_item(respondent: Respondent) -> Item | None:
    answered = respondent.answers.values_list("item_id", flat=True)
    return respondent.wave.instrument.items.exclude(pk__in=answered).order_by("order").first()


def mark_shown(respondent: Respondent) -> None:
    """The moment an item was shown; the time spent on it is measured on the server from here."""
    Respondent.objects.filter(pk=respondent.pk).update(item_shown_at=timezone.now())


@transaction.atomic
def answer_item(respondent: Respondent, item: Item, chosen: list[str]) -> Answer:
    if respondent.is_complete:
        raise SurveyError("这份问卷已经提交，不能修改。")
    wrong = [c for c in chosen if c not in item.options]
    if wrong or (item.type != ItemType.MULTIPLE and len(chosen) > 1):
        raise SurveyError("请从给出的选项中选择。")
    locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
    shown = locked.item_shown_at
    seconds = (timezone.now() - shown).total_seconds() if shown else None
    answer, _created = Answer.objects.update_or_create(
        respondent=locked,
        item=item,
        defaults={"choice": "|".join(o for o in item.options if o in chosen), "seconds": seconds},
    )
    Respondent.objects.filter(pk=locked.pk).update(item_shown_at=None)
    return answer


@transaction.atomic
def submit_response(respondent: Respondent) -> None:
    locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
    if locked.is_complete:
        raise SurveyError("这份问卷已经提交过了：每个答题码只能提交一次。")
    if next_item(locked) is not None:
        raise SurveyError("还有题目没有回答。")
    before = {"status": locked.status}
    locked.status, locked.submitted_at = RespondentStatus.COMPLETE, timezone.now()
    items = locked.wave.instrument.items.order_by("order", "pk").values_list("pk", "options")
    locked.sheet = sheets.pack(list(items), dict(locked.answers.values_list("item_id", "choice")))
    locked.save(update_fields=["status", "submitted_at", "sheet"])
    audit.record(
        None,
        "survey.response_submit",
        locked,
        region=locked.wave.region,
        before=before,
        after={"status": locked.status},
        note="网络问卷",
    )

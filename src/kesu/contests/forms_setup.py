"""The own contest's rules: the draw per type and per topic, points, timers, attempts, ranking, eligibility.

The draw rule is checked against the active bank here (``kesu.quiz.draw.check``), so an office cannot
save a rule that asks for more items than the bank holds; the message says which type or topic is short.
"""

from __future__ import annotations

from typing import Any

from django import forms

from kesu.contests import bank
from kesu.contests.forms_bank import HENAN_TOPICS
from kesu.contests.models import Contest, ScoreMode
from kesu.core.forms import StyledFormMixin
from kesu.quiz import draw as quizdraw

TIE_BREAKS = {
    "score_time_entry": ["score_desc", "time_asc", "first_entry_asc"],
    "score_entry": ["score_desc", "first_entry_asc"],
    "score_time": ["score_desc", "time_asc"],
}
TIE_BREAK_CHOICES = [
    ("score_time_entry", "得分高者在前，同分用时少者在前，再同则先交卷者在前"),
    ("score_entry", "得分高者在前，同分先交卷者在前（不比用时）"),
    ("score_time", "得分高者在前，同分用时少者在前"),
]
REGISTRATION_FIELDS = [("unit", "工作单位"), ("school", "学校（学生填写）"), ("key_group", "重点人群")]
TOPIC_PREFIX = "topic_"


class RulesForm(StyledFormMixin, forms.Form):
    judge = forms.IntegerField(label="判断题（道）", min_value=0, max_value=100, initial=7)
    single = forms.IntegerField(label="单选题（道）", min_value=0, max_value=100, initial=7)
    multi = forms.IntegerField(label="多选题（道）", min_value=0, max_value=100, initial=6)
    points_per_item = forms.IntegerField(label="每题分值", min_value=1, max_value=100, initial=5)
    seconds_per_item = forms.IntegerField(label="每题限时（秒）", min_value=5, max_value=600, required=False)
    seconds_per_attempt = forms.IntegerField(
        label="每次答题限时（秒）", min_value=30, max_value=7200, required=False, help_text="两项至少填一项"
    )
    attempts_per_day = forms.IntegerField(label="每人每日答题次数", min_value=1, max_value=50, initial=1)
    score_mode = forms.ChoiceField(label="成绩计算", choices=ScoreMode.choices)
    tie_break = forms.ChoiceField(label="排名规则", choices=TIE_BREAK_CHOICES)
    age_limit = forms.BooleanField(label="限 18–69 周岁参赛（报名时填写出生年份）", required=False)
    registration = forms.MultipleChoiceField(
        label="报名时另外填写（地区必填）",
        choices=REGISTRATION_FIELDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    certificate_threshold = forms.IntegerField(
        label="证书分数线", min_value=0, required=False, help_text="达到此分数可下载电子证书；不填则不发证书"
    )
    leaderboard_size = forms.IntegerField(label="排行榜显示人数", min_value=1, max_value=1000, initial=100)

    def __init__(self, *args: Any, contest: Contest, **kwargs: Any) -> None:
        self.contest = contest
        self.topic_names = _topics(contest)
        if "initial" not in kwargs:
            kwargs["initial"] = initial_of(contest)
        super().__init__(*args, **kwargs)
        self.fields["registration"].widget.attrs["class"] = "form-check-input"
        for index, topic in enumerate(self.topic_names):
            self.fields[f"{TOPIC_PREFIX}{index}"] = forms.IntegerField(
                label=f"“{topic}”至少（道）", min_value=0, max_value=100, required=False
            )
            self.fields[f"{TOPIC_PREFIX}{index}"].widget.attrs["class"] = "form-control"
        self.rule: quizdraw.Rule | None = None

    def topic_fields(self) -> list[forms.BoundField]:
        return [self[f"{TOPIC_PREFIX}{i}"] for i in range(len(self.topic_names))]

    @property
    def topics_open(self) -> bool:
        """Show the topic minimums when one is set or wrong."""
        return any(field.value() or field.errors for field in self.topic_fields())

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(TOPIC_PREFIX)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if not data.get("seconds_per_item") and not data.get("seconds_per_attempt"):
            self.add_error("seconds_per_attempt", "每题限时和每次答题限时至少填一项")
        topics = {
            topic: data.get(f"{TOPIC_PREFIX}{i}") or 0
            for i, topic in enumerate(self.topic_names)
            if data.get(f"{TOPIC_PREFIX}{i}")
        }
        rule = quizdraw.Rule({t: data[t] for t in ("judge", "single", "multi")}, topics)
        for problem in bank.rule_problems(self.contest, rule):
            self.add_error(None, problem)
        full = rule.total * data["points_per_item"]
        threshold = data.get("certificate_threshold")
        if threshold is not None and threshold > full:
            self.add_error("certificate_threshold", f"证书分数线不能高于满分 {full} 分")
        self.rule = rule
        return data

    def values(self) -> dict[str, Any]:
        """The Contest fields to store."""
        data = self.cleaned_data
        assert self.rule is not None
        return {
            "draw_rule": self.rule.as_json(),
            "points_per_item": data["points_per_item"],
            "seconds_per_item": data.get("seconds_per_item"),
            "seconds_per_attempt": data.get("seconds_per_attempt"),
            "attempts_per_day": data["attempts_per_day"],
            "score_mode": data["score_mode"],
            "tie_break": TIE_BREAKS[data["tie_break"]],
            "min_age": 18 if data.get("age_limit") else None,
            "max_age": 69 if data.get("age_limit") else None,
            "registration_fields": {
                key: key in data.get("registration", []) for key, _ in REGISTRATION_FIELDS
            },
            "certificate_threshold": data.get("certificate_threshold"),
            "leaderboard_size": data["leaderboard_size"],
        }


def _topics(contest: Contest) -> list[str]:
    """The 2025 Henan topics, then any other topic of the bank or of the stored rule."""
    names = list(HENAN_TOPICS)
    rule_topics = (contest.draw_rule or {}).get("topics") or {}
    for topic in [*bank.summary(contest).topics, *rule_topics]:
        if topic not in names:
            names.append(topic)
    return names


def initial_of(contest: Contest) -> dict[str, Any]:
    rule = quizdraw.parse_rule(contest.draw_rule) if contest.draw_rule else None
    tie = next((key for key, order in TIE_BREAKS.items() if order == contest.tie_break), "score_time_entry")
    initial: dict[str, Any] = {
        "points_per_item": contest.points_per_item,
        "seconds_per_item": contest.seconds_per_item,
        "seconds_per_attempt": contest.seconds_per_attempt,
        "attempts_per_day": contest.attempts_per_day,
        "score_mode": contest.score_mode,
        "tie_break": tie,
        "age_limit": contest.min_age is not None,
        "registration": [k for k, on in (contest.registration_fields or {}).items() if on],
        "certificate_threshold": contest.certificate_threshold,
        "leaderboard_size": contest.leaderboard_size,
    }
    if rule is not None:
        initial.update(rule.counts)
        for index, topic in enumerate(_topics(contest)):
            if topic in rule.topics:
                initial[f"{TOPIC_PREFIX}{index}"] = rule.topics[topic]
    return initial

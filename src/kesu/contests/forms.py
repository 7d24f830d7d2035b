"""Forms of contests Part 1: the contest record (with its 组织奖 rule), a round, the results upload."""

from __future__ import annotations

from typing import Any

from django import forms

from kesu.contests import actions
from kesu.contests.models import Contest, ContestRound
from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.plans.models import Task
from kesu.quiz.ranking import METRIC_LABELS, AwardRule, Metric

WHEN = {"type": "datetime-local"}
WHEN_FORMAT = "%Y-%m-%dT%H:%M"
# The contest's own fields, as the action writes them (``actions.CONTEST_FIELDS``), but the award rule
# is put together from the award_* fields below; the plan tasks (many-to-many) go before the notes.
CONTEST_FIELDS = [
    *(name for name in actions.CONTEST_FIELDS if name not in ("award_rule", "notes")),
    "plan_tasks",
    "notes",
]
UNIT_METRICS = [(m.value, METRIC_LABELS[m]) for m in Metric if m is not Metric.PARTICIPATION_RATE]


class ContestForm(StyledFormMixin, forms.ModelForm):
    """The contest and the office's 组织奖 rule (stored together in ``award_rule``)."""

    award_metric = forms.ChoiceField(
        label="地区组织奖依据",
        choices=[(m.value, METRIC_LABELS[m]) for m in Metric],
        initial=Metric.PARTICIPATION_RATE.value,
        help_text="参与率 = 参赛人数 ÷ 所选人口；原始人数偏向人口多的地区",
    )
    award_region_count = forms.IntegerField(label="获奖地区数", min_value=0, max_value=1000, initial=0)
    award_unit_metric = forms.ChoiceField(
        label="单位组织奖依据", choices=UNIT_METRICS, initial=Metric.PARTICIPANTS.value
    )
    award_unit_count = forms.IntegerField(label="获奖单位数", min_value=0, max_value=1000, initial=0)
    award_individual_count = forms.IntegerField(
        label="获奖个人数",
        min_value=0,
        max_value=10000,
        initial=0,
        required=False,
        help_text="仅本级自办竞赛：结算时按成绩排名（得分、用时、首次提交）取前 N 名",
    )

    class Meta:
        model = Contest
        fields = CONTEST_FIELDS
        widgets = {
            "opens_at": forms.DateTimeInput(attrs=WHEN, format=WHEN_FORMAT),
            "closes_at": forms.DateTimeInput(attrs=WHEN, format=WHEN_FORMAT),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "plan_tasks": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "kind": "组织参加：导入平台导出的各地区、各单位成绩；本级自办：在本系统出题答题",
            "population_basis": "参与率的分母，取“指标数值”中各地区的人口数",
            "plan_tasks": "要求组织参加本竞赛的方案任务（含“竞赛”的任务排在前面）",
        }

    def __init__(self, *args: Any, tasks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        task_field = self.fields["plan_tasks"]
        assert isinstance(task_field, forms.ModelMultipleChoiceField)
        task_field.queryset = tasks if tasks is not None else Task.objects.none()
        task_field.label_from_instance = lambda task: f"{task.plan} · {task.title}"  # type: ignore[method-assign,assignment]
        if self.instance.pk:
            self.fields.pop("kind")  # an own contest has a bank and participants: the kind stays
            rule = AwardRule.from_json(self.instance.award_rule or {})
            self.initial.update(
                award_metric=rule.metric.value,
                award_region_count=rule.region_count,
                award_unit_metric=rule.unit_metric.value,
                award_unit_count=rule.unit_count,
                award_individual_count=rule.individual_count,
            )

    def action_fields(self) -> dict[str, Any]:
        """The cleaned fields for the action: ``award_rule`` composed, ``plan_tasks`` apart."""
        data = dict(self.cleaned_data)
        rule = AwardRule(
            Metric(data.pop("award_metric")),
            data.pop("award_region_count") or 0,
            data.pop("award_unit_count") or 0,
            Metric(data.pop("award_unit_metric")),
            data.pop("award_individual_count", 0) or 0,
        )
        data["award_rule"] = rule.as_json()
        return data


class RoundForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ContestRound
        fields = ["number", "name", "opens_at", "closes_at"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs=WHEN, format=WHEN_FORMAT),
            "closes_at": forms.DateTimeInput(attrs=WHEN, format=WHEN_FORMAT),
        }

    def validate_unique(self) -> None:
        """A number already used updates that round (the action's upsert), so it is not an error here."""


class ResultsImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="成绩文件",
        help_text="xlsx 或 CSV（UTF-8 或 GBK）：平台导出的各地区或各单位成绩",
        validators=[within_upload_limit],
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    round = forms.ModelChoiceField(
        label="轮次", queryset=ContestRound.objects.none(), required=False, empty_label="全程（整个竞赛）"
    )

    def __init__(self, *args: Any, contest: Contest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = contest.rounds.all()  # type: ignore[attr-defined]

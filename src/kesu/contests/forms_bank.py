"""Forms of the item bank: one item's edit, and the copy from the survey's item bank."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from kesu.contests.models import ContestItem, ItemType
from kesu.core.forms import StyledFormMixin
from kesu.quiz import items as quizitems
from kesu.survey.models import Instrument

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser

HENAN_TOPICS = [
    "安全生产",
    "前沿科技",
    "信息技术",
    "生态环境",
    "防灾减灾",
    "卫生健康",
    "食品安全",
    "科学家精神",
    "《科普法》",
]


class ItemForm(StyledFormMixin, forms.Form):
    type = forms.ChoiceField(label="题型", choices=ItemType.choices)
    stem = forms.CharField(
        label="题干", widget=forms.Textarea(attrs={"rows": 3}), max_length=quizitems.MAX_STEM
    )
    options = forms.CharField(
        label="选项",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一个选项，按 A、B、C… 的顺序；判断题不填（固定为 正确/错误）",
    )
    answer = forms.CharField(
        label="答案", max_length=40, help_text="选择题填字母，如 A 或 AC；判断题填 正确 或 错误"
    )
    explanation = forms.CharField(label="解析", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    topics = forms.CharField(label="主题", required=False, max_length=200, help_text="多个主题用顿号分隔")
    difficulty = forms.IntegerField(label="难度（1 易 … 5 难）", min_value=1, max_value=5, initial=2)

    def __init__(self, *args: Any, item: ContestItem | None = None, **kwargs: Any) -> None:
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "type": item.type,
                "stem": item.stem,
                "options": "\n".join(quizitems.option_text(o) for o in item.options)
                if item.type != "judge"
                else "",
                "answer": quizitems.answer_text(item.type, item.answer),
                "explanation": item.explanation,
                "topics": "、".join(item.topics),
                "difficulty": item.difficulty,
            }
        self.item = item
        self.row: quizitems.ItemRow | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        cells = {
            "code": self.item.code if self.item else "",
            "type": data["type"],
            "stem": data["stem"],
            "answer": data["answer"],
            "explanation": data.get("explanation", ""),
            "topics": data.get("topics", ""),
            "difficulty": str(data["difficulty"]),
        }
        options = [line for line in data.get("options", "").splitlines() if line.strip()]
        row, problems = quizitems.check_item(cells, options)
        fields = {
            "type": "type",
            "stem": "stem",
            "options": "options",
            "answer": "answer",
            "difficulty": "difficulty",
        }
        for column, message in problems.items:
            self.add_error(fields.get(column), message)
        self.row = row
        return data


class SurveyCopyForm(StyledFormMixin, forms.Form):
    instrument = forms.ModelChoiceField(label="调查问卷题库", queryset=Instrument.objects.none())
    topics = forms.MultipleChoiceField(
        label="给复制的题目加上主题",
        required=False,
        choices=[(t, t) for t in HENAN_TOPICS],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Instrument.objects.visible_to(user).select_related("region")
        self.fields["topics"].widget.attrs["class"] = "form-check-input"

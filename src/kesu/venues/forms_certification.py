"""Forms of the certification workflow and of the annual report and review."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.regions.models import Region, Unit
from kesu.venues.forms_system import ALL, SubtreeFilterSet
from kesu.venues.models import (
    REPORT_FIGURES,
    AnnualReport,
    Application,
    ApplicationStatus,
    Category,
    CertificationBatch,
    DesignationSystem,
    Institution,
    Outcome,
    Rubric,
)
from kesu.venues.models.system import working_days_end

DATE = forms.DateInput(attrs={"type": "date"})


class BatchForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CertificationBatch
        fields = ["title", "label", "system", "level", "year", "start_year", "end_year", "closes_on"]
        widgets = {"closes_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = datetime.date.today()
        self.fields["year"].initial = today.year
        self.fields["start_year"].initial = today.year
        self.fields["end_year"].initial = today.year + 4


class CategoryField(forms.ModelChoiceField):
    """Categories of several schemes may share a name: each reads with its scheme."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.scheme.name}）"


class ApplicationForm(StyledFormMixin, forms.ModelForm):
    """申报: choose an institution already in the registry, or describe a new one."""

    class Meta:
        model = Application
        fields = [
            "institution",
            "name",
            "credit_code",
            "region",
            "unit",
            "category",
            "address",
            "contact_name",
            "contact_phone",
            "summary",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}
        field_classes = {"category": CategoryField}

    def __init__(self, *args: Any, user: Any, batch: CertificationBatch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        access = user.access
        _choices(self, "institution").queryset = Institution.objects.visible_to(user).filter(
            region__path__startswith=batch.region.path
        )
        self.fields["institution"].required = False
        self.fields["institution"].help_text = "已在登记库中的单位可直接选择，其余各项留空即按登记信息填写"
        _choices(self, "region").queryset = Region.objects.filter(
            path__startswith=batch.region.path
        ).order_by("code")
        units = Unit.objects.filter(
            region__path__in=_ancestor_paths(batch.region.path)
        ) | Unit.objects.filter(region__path__startswith=batch.region.path)
        if not access.is_office:
            units = Unit.objects.filter(pk__in=access.liaison_unit_ids)
        _choices(self, "unit").queryset = units.order_by("region__code", "name")
        _choices(self, "category").queryset = Category.objects.select_related("scheme").order_by(
            "scheme", "order"
        )
        for name in ("name", "credit_code", "region", "unit"):
            self.fields[name].required = False
        for name in ("region", "unit", "category"):
            _choices(self, name).empty_label = "请选择"
        _choices(self, "institution").empty_label = "新单位（在下面填写）"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        institution = data.get("institution")
        for name in ("name", "credit_code", "region", "unit"):
            if not data.get(name) and (institution is None or getattr(institution, name) is None):
                self.add_error(name, "请填写此项（或选择已登记的单位）")
        return data


def _choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


class ReturnStepForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label="退回理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="申报单位会看到这段话，修改后可重新提交",
    )


class RejectStepForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label="不予认定理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="不予认定后本申报结束，不能再提交",
    )


class CertificateTemplateForm(StyledFormMixin, forms.Form):
    document = forms.FileField(
        label="证书模板（.docx）",
        help_text="在 Word 中排好证书版式，在要填写的位置写上占位符，如 {{名称}}；不超过 10 MB",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        ),
        validators=[within_upload_limit],
    )


class PublicityForm(StyledFormMixin, forms.Form):
    publicity_start = forms.DateField(label="公示开始", widget=DATE)
    publicity_end = forms.DateField(
        label="公示结束", widget=DATE, help_text="一般为 5 个工作日（已跳过周末；遇法定节假日请顺延）"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = datetime.date.today()
        self.initial.setdefault("publicity_start", today)
        self.initial.setdefault("publicity_end", working_days_end(today))


class CertifyForm(StyledFormMixin, forms.Form):
    doc_number = forms.CharField(label="认定文号", max_length=60, help_text="如：平科协〔2025〕12号")
    certified_on = forms.DateField(label="认定日期", widget=DATE, initial=datetime.date.today)
    certificate_number = forms.CharField(label="证书编号", max_length=60)


class ScoreForm(StyledFormMixin, forms.Form):
    reviewer_name = forms.CharField(label="评审专家", max_length=60)
    score = forms.DecimalField(label="评分", min_value=Decimal(0), max_value=Decimal(100), decimal_places=1)
    comment = forms.CharField(label="评审意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ObjectionForm(StyledFormMixin, forms.Form):
    received_on = forms.DateField(label="收到日期", widget=DATE, initial=datetime.date.today)
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 2}))


class HandleObjectionForm(StyledFormMixin, forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    handling = forms.CharField(label="处理情况", widget=forms.Textarea(attrs={"rows": 2}))


# ---- annual -------------------------------------------------------------------------------------


class RubricForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Rubric
        fields = ["name", "excellent_min", "good_min", "pass_min"]


class BandsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Rubric
        fields = ["excellent_min", "good_min", "pass_min"]


class LineForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="评分项", max_length=120)
    points = forms.DecimalField(
        label="分值", min_value=Decimal("0.5"), max_value=Decimal(100), decimal_places=1
    )
    figure = forms.ChoiceField(
        label="依据的年报数据", choices=[("", "人工评分"), *REPORT_FIGURES.items()], required=False
    )
    thresholds = forms.CharField(
        label="档次",
        required=False,
        help_text="写成“最低值:得分”，以逗号分隔，如 300:10, 250:8, 200:6；人工评分的项留空",
    )


class RoundForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    rubric = forms.ModelChoiceField(label="考核评分表", queryset=Rubric.objects.none())
    due_date = forms.DateField(label="填报截止日", widget=DATE)
    warn_days = forms.IntegerField(label="临期提醒天数", min_value=0, max_value=60, initial=7)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "rubric").queryset = Rubric.objects.manageable_by(user)
        _choices(self, "rubric").empty_label = "请选择"
        self.fields["year"].initial = datetime.date.today().year - 1


class AnnualReportForm(StyledFormMixin, forms.ModelForm):
    """The base's year, with its own points per rubric line (fields ``self_<line id>``)."""

    class Meta:
        model = AnnualReport
        fields = [
            "open_days",
            "visitors",
            "fulltime_staff",
            "parttime_staff",
            "funding",
            "volunteers",
            "activities",
            "problems",
        ]
        widgets = {
            "activities": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, suggested: dict[int, Decimal | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("open_days", "visitors", "fulltime_staff", "parttime_staff", "funding", "volunteers"):
            self.fields[name].widget.attrs["inputmode"] = "decimal" if name == "funding" else "numeric"
        report: AnnualReport = self.instance
        mine = {score.line_id: score.self_points for score in report.line_scores.all()}
        for line in report.round.rubric.lines.all():
            field = forms.DecimalField(
                label=f"自评：{line.title}（{line.points.normalize():f} 分）",
                required=False,
                min_value=Decimal(0),
                max_value=line.points,
                decimal_places=1,
                help_text=f"留空则按所填数据计分：{line.thresholds_text}" if line.figure else "人工评分",
            )
            field.widget.attrs["inputmode"] = "decimal"
            computed = suggested.get(line.pk)
            if computed is not None:
                field.widget.attrs["placeholder"] = f"按数据计 {computed.normalize():f} 分"
            self.fields[f"self_{line.pk}"] = field
            self.initial[f"self_{line.pk}"] = mine.get(line.pk)
        _style(self)

    def points(self) -> dict[int, Decimal | None]:
        return {int(name[5:]): value for name, value in self.cleaned_data.items() if name.startswith("self_")}

    def figures(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


OUTCOMES = [(o.value, o.label) for o in Outcome if o.value]


class ReviewForm(StyledFormMixin, forms.Form):
    outcome = forms.ChoiceField(label="处理结果", choices=[("", "请选择"), *OUTCOMES])
    rectify_deadline = forms.DateField(label="整改期限", widget=DATE, required=False)
    note = forms.CharField(label="评审意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(
        self,
        *args: Any,
        report: AnnualReport,
        own_points: dict[int, Decimal | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.initial.update(
            outcome=report.outcome, rectify_deadline=report.rectify_deadline, note=report.outcome_note
        )
        if report.outcome:  # a decided report shows its outcome, never “请选择”
            cast("forms.ChoiceField", self.fields["outcome"]).choices = OUTCOMES
        scores = {score.line_id: score for score in report.line_scores.all()}
        own = own_points or {}
        for line in report.round.rubric.lines.all():
            field = forms.DecimalField(
                label=f"评审：{line.title}（{line.points.normalize():f} 分）",
                required=True,
                min_value=Decimal(0),
                max_value=line.points,
                decimal_places=1,
            )
            self.fields[f"review_{line.pk}"] = field
            score = scores.get(line.pk)
            reviewed = score.review_points if score is not None else None
            self.initial[f"review_{line.pk}"] = reviewed if reviewed is not None else own.get(line.pk)
        _style(self)

    def points(self) -> dict[int, Decimal | None]:
        return {
            int(name[7:]): value for name, value in self.cleaned_data.items() if name.startswith("review_")
        }


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if not isinstance(field.widget, forms.CheckboxInput | forms.RadioSelect | forms.HiddenInput):
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if css not in field.widget.attrs.get("class", ""):
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()


class ReturnForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 2}))


class PhotoForm(StyledFormMixin, forms.Form):
    photo = forms.FileField(
        label="照片",
        help_text="JPG、PNG、GIF 或 WEBP，每张不超过 5 MB",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        validators=[within_upload_limit],
    )


class ApplicationFilterSet(SubtreeFilterSet):
    """A batch's page (its status buttons) and ``/api/certification-applications/`` filter alike:
    by batch, state, the region's subtree (by code) and name or credit code."""

    region_path = "region__path"
    batch = django_filters.NumberFilter(label="批次")
    status = django_filters.ChoiceFilter(label="状态", choices=ApplicationStatus.choices, empty_label=ALL)
    q = django_filters.CharFilter(label="名称或信用代码", method="filter_q")

    class Meta:
        model = Application
        fields = ["batch", "status", "region", "q"]

    def filter_q(self, queryset: QuerySet[Application], name: str, value: str) -> QuerySet[Application]:
        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(credit_code__startswith=value.upper()))


class BatchFilterSet(SubtreeFilterSet):
    year = django_filters.NumberFilter(label="年度")
    system = django_filters.ChoiceFilter(label="体系", choices=DesignationSystem.choices, empty_label=ALL)

    class Meta:
        model = CertificationBatch
        fields = ["region", "year", "system"]

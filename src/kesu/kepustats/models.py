"""科普统计 figures: one form per unit's report in a 科普统计 round, one row per figure (docs/kepustats.md).

The round itself is a Reporting cycle of kind ``kepustats`` (status, board, reminders, review and lock
are Reporting's); this app keeps what the unit filled in and where each pre-filled figure came from.
Who sees what follows the report: ``report_scope_q`` (liaison: own unit; office: subtree).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import scoped
from kesu.kepustats import form as formdef
from kesu.reporting.models import Report, report_scope_q

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser

KIND = "kepustats"  # Reporting's Cycle.kind for a 科普统计 round


class Source(models.TextChoices):
    PREFILL = "prefill", _("系统预填")
    TYPED = "typed", _("单位填报")


class StatisticsFormQuerySet(models.QuerySet["StatisticsForm"]):
    def visible_to(self, user: AnyUser) -> StatisticsFormQuerySet:
        return scoped(self, user, lambda access: report_scope_q(access, "report__"))

    def writable_by(self, user: AnyUser) -> StatisticsFormQuerySet:
        """The unit's own liaison (or a sub-region's own office), while Reporting says it is writable."""
        return self.filter(report__in=Report.objects.writable_by(user))


class StatisticsForm(models.Model):
    """A unit's 科普统计 form for one calendar year: the figures of one Reporting report."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="statistics_form")
    year = models.PositiveSmallIntegerField(_("统计年度"))
    form_year = models.PositiveSmallIntegerField(_("调查表版本"))
    prefilled_at = models.DateTimeField(_("预填时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = StatisticsFormQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "report__unit__name"]
        verbose_name = _("科普统计表")
        verbose_name_plural = _("科普统计表")

    def __str__(self) -> str:
        return f"{self.report.unit.name}{self.year}年度科普统计表"

    def get_absolute_url(self) -> str:
        return reverse("kepustats:form", kwargs={"form_id": self.pk})

    @property
    def definition(self) -> formdef.FormDef:
        return formdef.load_form(self.form_year)

    def values(self) -> dict[str, formdef.Cell]:
        return {f.code: f.cell for f in self.figures.all() if f.cell is not None}


class Figure(models.Model):
    """One figure of a form: a whole number, or “-” (``missing``); never both.

    ``source`` says who wrote ``value``: a pre-fill (then ``provenance`` says from which rows) or the
    unit. ``computed`` is the latest pre-fill figure even after the unit typed over it, so the page can
    show both; re-pre-filling never writes ``value`` of a typed figure.
    """

    form = models.ForeignKey(StatisticsForm, on_delete=models.CASCADE, related_name="figures")
    code = models.CharField(_("指标编码"), max_length=8)
    value = models.BigIntegerField(_("数值"), null=True, blank=True)
    missing = models.BooleanField(_("缺失（-）"), default=False)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.TYPED)
    computed = models.BigIntegerField(_("系统计算值"), null=True, blank=True)
    provenance = models.CharField(_("数据来源说明"), max_length=500, blank=True)
    link = models.CharField(_("来源链接"), max_length=300, blank=True)
    reason = models.CharField(_("修改理由"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["form", "code"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="kepustats_figure_unique")]
        verbose_name = _("统计数")
        verbose_name_plural = _("统计数")

    def __str__(self) -> str:
        return f"{self.code}={formdef.cell_text(self.cell)}"

    @property
    def cell(self) -> formdef.Cell | None:
        if self.missing:
            return formdef.MISSING
        return self.value

    @property
    def changed_from_computed(self) -> bool:
        return self.source == Source.TYPED and self.computed is not None and self.cell != self.computed

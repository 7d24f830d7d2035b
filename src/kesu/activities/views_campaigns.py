"""Campaign pages: the list, a campaign's page (coverage, 人次 by type and key group, its activities),
create/edit for the office, the 总结 (docx) and 汇总表 (xlsx), and the report link's accept button."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST, require_safe

from kesu.activities import actions_campaigns as actions
from kesu.activities import counting, job_kinds, summary
from kesu.activities.filters_campaigns import CampaignFilterSet
from kesu.activities.forms_campaigns import CampaignForm
from kesu.activities.models import Activity, Campaign
from kesu.core.downloads import DOCX_TYPE
from kesu.core.exports import XLSX_TYPE
from kesu.core.http import AuthedRequest, managed_region, manages_current_region
from kesu.core.jobs import start_or_join_job
from kesu.core.objectviews import Column, ObjectCreateView, ObjectDetailView, ObjectEditView, ObjectListView

LATEST = 50  # the page lists the latest; the activity list filtered by the campaign has them all
# What the latest-rows table shows: building 50 full rows (40 columns each) cost more than the query.
LATEST_FIELDS = ("name", "kind", "starts_at", "attendance", "status", "unit__name", "region__name")
COLUMNS = (
    Column("名称", "name", link=True),
    Column("类别", "get_kind_display"),
    Column("年度", "year"),
    Column("开始日期", "starts_on"),
    Column("结束日期", "ends_on"),
    Column("主题", "theme"),
    Column("总结截止", "summary_due"),
    Column("区划", "region.name"),
)


class CampaignList(ObjectListView):
    model = Campaign
    columns = COLUMNS
    filterset_class = CampaignFilterSet
    title = "主题活动"
    create_url = "activities:campaign_create"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("region")

    def can_create(self) -> bool:
        return manages_current_region(self.request)


def reads_figures(request: AuthedRequest, campaign: Campaign) -> bool:
    """The region's offices and leaders read every unit's figures; a liaison sees its own activities only."""
    return request.user.access.reads_path(campaign.region.path)


def _create_activity_url(campaign: Campaign) -> str:
    """Act's entry form, opened on this campaign (planned activities are registered there)."""
    try:
        return f"{reverse('activities:activity_create')}?campaign={campaign.pk}"
    except NoReverseMatch:
        return ""


class CampaignDetail(ObjectDetailView):
    model = Campaign
    template_name = "activities/campaign_detail.html"
    pk_url_kwarg = "campaign_id"

    def extra_context(self, obj: Any) -> dict[str, Any]:
        campaign: Campaign = obj
        figures = (
            counting.cached_campaign_figures(campaign) if reads_figures(self.request, campaign) else None
        )
        # A reader of the campaign's region reads all of its rows (they lie in its subtree); a liaison its own.
        rows = Activity.objects.filter(campaign=campaign)
        if figures is None:
            rows = Activity.objects.visible_to(self.request.user).filter(campaign=campaign)
        latest = list(
            rows.select_related("unit", "region").only(*LATEST_FIELDS).order_by("-starts_at", "-pk")[:LATEST]
        )
        return {
            "figures": figures,
            "latest": latest,
            "total": sum(figures.by_status.values()) if figures else len(latest),
            "list_url": f"{reverse('activities:activity_list')}?campaign={campaign.pk}",
            "create_activity_url": _create_activity_url(campaign),
            "summary_text": summary.overview_text(campaign, figures) if figures else "",
        }


class CampaignCreate(ObjectCreateView):
    model = Campaign
    form_class = CampaignForm
    template_name = "activities/campaign_form.html"
    action_errors = (actions.CampaignError,)

    def allowed(self) -> None:
        self.region = managed_region(self.request)

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)

    def save(self, form: Any, obj: Any) -> Campaign:
        return actions.create_campaign(self.request.user, self.region, **form.cleaned_data)


class CampaignEdit(ObjectEditView):
    model = Campaign
    form_class = CampaignForm
    template_name = "activities/campaign_form.html"
    action_errors = (actions.CampaignError,)
    pk_url_kwarg = "campaign_id"

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)

    def save(self, form: Any, obj: Any) -> Campaign:
        return actions.update_campaign(self.request.user, obj, **form.cleaned_data)


def _summary_campaign(request: AuthedRequest, campaign_id: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=campaign_id)
    if not reads_figures(request, campaign):
        raise PermissionDenied("只有本级及上级素质办可以生成活动总结和汇总表。")
    return campaign


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_safe
def campaign_summary(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    campaign = _summary_campaign(request, campaign_id)
    actions.record_summary_export(request.user, campaign, "活动总结")
    return _download(summary.summary_docx(campaign), DOCX_TYPE, f"{campaign.name}活动总结.docx")


@require_safe
def campaign_table(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    """The 汇总表 in the request when small; a background job with progress above the threshold."""
    campaign = _summary_campaign(request, campaign_id)
    actions.record_summary_export(request.user, campaign, "汇总表")
    if summary.adopted_rows(campaign).count() > job_kinds.TABLE_ROWS_IN_REQUEST:
        job = start_or_join_job(
            request.user,
            job_kinds.CAMPAIGN_TABLE_JOB,
            f"{campaign.name}汇总表"[:200],
            region=campaign.region,
            campaign_id=campaign.pk,
        )
        messages.info(request, "活动较多，汇总表正在后台生成，完成后可在本页下载。")
        return redirect(job)
    return _download(summary.summary_xlsx(campaign), XLSX_TYPE, f"{campaign.name}汇总表.xlsx")


# ---- the half-year report link ----------------------------------------------------------------------


@require_POST
def accept_report_figures(request: AuthedRequest, entry_id: int) -> HttpResponse:
    """The liaison accepts the figures the linked activities give: only then are they written to the entry."""
    from kesu.activities import report_link

    entry = report_link.writable_entry(request, entry_id)
    try:
        written = report_link.accept(request.user, entry, request.POST)
    except report_link.LinkError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已将 {written} 项活动数据填入目标完成值（草稿），可继续修改后保存。")
    return redirect("reporting:entry", entry_id=entry.pk)

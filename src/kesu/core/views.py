"""Platform pages: the role-aware home, the audit trail, job progress and the region switcher."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from kesu.core import audit
from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.filters import AuditEventFilterSet
from kesu.core.http import AuthedRequest, choose_region, current_region
from kesu.core.jobs import recover_stale_jobs, results_link, start_job
from kesu.core.models import AuditEvent, Job
from kesu.core.panels import panels_for
from kesu.regions.models import Region, Unit

logger = logging.getLogger(__name__)


@require_safe
def home(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    region = current_region(request)
    context: dict[str, object] = {"region": region}
    if region is not None and (access.is_office or access.is_leader):
        subtree = Region.objects.subtree(region)
        context.update(
            subregion_count=region.children.count(),
            unit_count=Unit.objects.visible_to(request.user).filter(region=region).count(),
            member_count=Unit.objects.visible_to(request.user).filter(region=region, is_member=True).count(),
            subtree_unit_count=Unit.objects.visible_to(request.user).filter(region__in=subtree).count(),
            region_units=Unit.objects.visible_to(request.user).filter(region=region),
            # The region being looked at (the switcher's choice), not everything the office may read.
            recent_events=AuditEvent.objects.visible_to(request.user)
            .filter(region__path__startswith=region.path)
            .select_related("actor")[:8],
        )
    if access.is_liaison:
        context["my_units"] = Unit.objects.filter(pk__in=access.liaison_unit_ids).select_related("region")
    context["panels"] = panels_for(request)
    return render(request, "core/home.html", context)


@require_safe
def audit_list(request: AuthedRequest) -> HttpResponse:
    if not request.user.access.is_office:
        raise Http404
    events = AuditEvent.objects.visible_to(request.user).select_related("actor", "region")
    filterset = AuditEventFilterSet(request.GET, queryset=events, request=request)
    events = filterset.qs
    if wants_xlsx(request):
        audit.record_export(
            request.user, "审计日志.xlsx", rows=min(events.count(), 50000), note=request.GET.urlencode()
        )
        rows = ((e.at, e.actor, e.verb, e.target_repr, e.region, e.note, e.ip) for e in events[:50000])
        headers = ["时间", "操作人", "操作", "对象", "区划", "说明", "来源地址"]
        return xlsx_response("审计日志.xlsx", "审计日志", headers, rows)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "filterset": filterset})


@require_safe
def audit_detail(request: AuthedRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(AuditEvent.objects.visible_to(request.user), pk=event_id)
    return render(request, "core/audit_detail.html", {"event": event})


@require_safe
def job_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user)
    recover_stale_jobs(jobs.filter(pk=job_id))  # when its worker died, say so rather than spin
    job = get_object_or_404(jobs, pk=job_id)
    template = "core/_job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job, "results": results_link(job)})


@require_POST
def switch_region(request: AuthedRequest) -> HttpResponse:
    region = get_object_or_404(
        Region.objects.visible_to(request.user), code=request.POST.get("region_code", "")
    )
    choose_region(request, region)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@require_safe
def region_search(request: AuthedRequest) -> HttpResponse:
    """The switcher's search: the regions the user may read whose name holds what was typed."""
    query = request.GET.get("q", "").strip()
    found = Region.objects.visible_to(request.user).select_related("parent").order_by("level", "path")
    found = found.filter(name__contains=query)[:30] if query else found.none()
    return render(request, "core/_region_search_options.html", {"found": found, "query": query})


@login_not_required
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: the database answers (200), or it does not (503, still JSON,
    so a monitor reads the reason rather than an error page)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.error("healthz: database unavailable: %s", error)
        return JsonResponse(
            {"status": "error", "database": "unavailable", "message": "数据库无法连接"},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check: usually a page left open too long, or cookies turned off."""
    return render(request, "core/csrf_failure.html", {"reason": reason}, status=403)


@require_safe
def job_download(request: AuthedRequest, job_id: int) -> FileResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=job_id)
    if not job.result_file:
        raise Http404
    filename = (job.result_file.name or "result").rsplit("/", 1)[-1]
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=filename)


@require_POST
def audit_export_start(request: AuthedRequest) -> HttpResponse:
    if not request.user.access.is_office:
        raise Http404
    job = start_job(request.user, "audit_export", "导出审计日志", region=current_region(request))
    audit.record_export(
        request.user, "审计日志（后台导出）", region=current_region(request), note=f"后台任务 {job.pk}"
    )
    return redirect(job)

"""The message centre's pages: one's messages (filters, mark read), an office's feed of what its units
did today and the delivery status of what its actions sent, the receiving preferences, and the group
robots of a unit or a region office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from kesu.accounts.actions import update_user
from kesu.core.http import AuthedRequest
from kesu.messaging import actions, rules
from kesu.messaging.filters import MessageFilterSet
from kesu.messaging.forms import ChannelsForm, ContactForm, RobotForm
from kesu.messaging.kinds import PERSONAL_CHANNELS, Channel, MessageKind, all_kinds, get_kind
from kesu.messaging.models import (
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    GroupRobot,
    Message,
    RobotDelivery,
)
from kesu.regions.models import Region, Unit

PAGE_SIZE = 30
# What a unit does that its office wants to know the same day (the office's feed).
UNIT_ACTIVITY = ("report_submitted", "report_resubmitted", "notice_signed", "notice_answered")
STATUS_CSS = {
    DeliveryStatus.QUEUED: "text-bg-light border",
    DeliveryStatus.SENDING: "text-bg-info",
    DeliveryStatus.SENT: "text-bg-success",
    DeliveryStatus.FAILED: "text-bg-danger",
    DeliveryStatus.READ: "text-bg-success",
}


def _centre_context(request: AuthedRequest, tab: str) -> dict[str, Any]:
    return {"tab": tab, "unread_total": Message.objects.visible_to(request.user).unread().count()}


def _safe_next(request: AuthedRequest, target: str) -> str:
    """A path on this site only: a message's link or a page's ``next`` never leads elsewhere."""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/"):
        return target
    return "/messages/"


@require_safe
def centre(request: AuthedRequest) -> HttpResponse:
    """One's own messages, newest first, filtered by kind, read or not, and date; reading the page
    marks nothing read (opening a message, or 标为已读, does)."""
    filterset = MessageFilterSet(request.GET or None, queryset=Message.objects.visible_to(request.user))
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(rows.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/centre.html",
        {**_centre_context(request, "inbox"), "page": page, "filterset": filterset},
    )


def _own(request: AuthedRequest, message_id: int) -> Message:
    return get_object_or_404(Message.objects.visible_to(request.user), pk=message_id)


@require_POST
def open_message(request: AuthedRequest, message_id: int) -> HttpResponse:
    """Open a message: it is marked read and its page opens (the page checks access again)."""
    message = _own(request, message_id)
    actions.mark_read(request.user, Message.objects.filter(pk=message.pk))
    return redirect(_safe_next(request, message.url))


@require_POST
def read_message(request: AuthedRequest, message_id: int) -> HttpResponse:
    message = _own(request, message_id)
    actions.mark_read(request.user, Message.objects.filter(pk=message.pk))
    return redirect(_safe_next(request, request.POST.get("next", "")))


@require_POST
def read_all(request: AuthedRequest) -> HttpResponse:
    count = actions.mark_read(request.user, Message.objects.visible_to(request.user).unread())
    messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    return redirect("messaging:centre")


def _office_only(request: AuthedRequest) -> None:
    if not request.user.access.is_office:
        raise PermissionDenied("只有素质办可以查看此页面")


@require_safe
def feed(request: AuthedRequest) -> HttpResponse:
    """An office's day (today, or ``?day=`` a day before): what its units did — handed in, handed in
    again, signed, answered — from the office's own messages, so it shows only what the office was
    told and may read."""
    _office_only(request)
    today = timezone.localdate()
    try:
        day = min(date.fromisoformat(request.GET.get("day", "")), today)
    except ValueError:
        day = today
    mine = Message.objects.visible_to(request.user).created_on(day).filter(kind__in=UNIT_ACTIVITY)
    counts = dict(mine.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    totals = [(get_kind(kind).label, counts.get(kind, 0)) for kind in UNIT_ACTIVITY]
    items = list(mine.order_by("-created_at", "-pk")[:200])
    return render(
        request,
        "messaging/feed.html",
        {
            **_centre_context(request, "feed"),
            "day": day,
            "is_today": day == today,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1) if day < today else None,
            "totals": totals,
            "items": items,
        },
    )


@dataclass(frozen=True)
class DeliveryLine:
    """One channel of a sent message as its sender reads it: 短信：失败, and why."""

    channel: str
    status: str
    css: str
    reason: str = ""


def delivery_lines(deliveries: list[Delivery]) -> list[DeliveryLine]:
    return [
        DeliveryLine(
            Channel(d.channel).label,
            DeliveryStatus(d.status).label
            + ("（并入每日汇总）" if d.in_digest and d.status == "queued" else ""),
            STATUS_CSS.get(DeliveryStatus(d.status), "text-bg-light border"),
            d.last_error if d.status == DeliveryStatus.FAILED else "",
        )
        for d in deliveries
    ]


@require_safe
def sent(request: AuthedRequest) -> HttpResponse:
    """What the office's own actions sent (督办, returns, approvals…), with each channel's status in plain
    Chinese: 排队, 已发送, 失败 (and the reason), 已读. Offices only: a liaison never sees channels."""
    _office_only(request)
    rows = (
        Message.objects.filter(actor_id=request.user.pk)
        .select_related("recipient")
        .prefetch_related("deliveries")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page:
        message.delivery_lines = delivery_lines(list(message.deliveries.all()))  # type: ignore[attr-defined]
    groups = (
        RobotDelivery.objects.filter(actor_id=request.user.pk)
        .select_related("robot")
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "messaging/sent.html",
        {**_centre_context(request, "sent"), "page": page, "groups": list(groups[:50])},
    )


# ---- how one is reached -------------------------------------------------------------------------

ROLE_WORDS = (("is_office", "素质办"), ("is_liaison", "联络员"), ("is_leader", "领导"))
NOT_CHOSEN = ("robot_test", "digest")


def kinds_for(request: AuthedRequest) -> list[MessageKind]:
    """The kinds a user may receive, by the audience each kind names (a kind for someone else, e.g.
    a registry's 基地所在单位, is shown to liaisons and offices alike)."""
    access = request.user.access
    mine = [word for flag, word in ROLE_WORDS if getattr(access, flag)]
    every = [word for _, word in ROLE_WORDS]
    kinds = []
    for kind in all_kinds():
        if kind.code in NOT_CHOSEN:
            continue
        named = [word for word in every if word in kind.audience]
        if not named or any(word in mine for word in named) or kind.code == "job_finished":
            kinds.append(kind)
    return kinds


def allowed_channels(user: Any) -> list[str]:
    """Personal channels the operator and the user's office allow (站内 always)."""
    policy = rules.Policies().for_paths(rules.home_paths([user.pk]).get(user.pk, []))
    system = rules.system_channels()
    return [c for c in PERSONAL_CHANNELS if c in system and (policy is None or policy.allows(c))]


def preferences(request: AuthedRequest) -> HttpResponse:
    """Mobile (checked: 11 digits, mainland), optional e-mail, and per kind the channels wanted within
    what the office allows. Two forms on one page, each saved on its own."""
    user = request.user
    allowed = allowed_channels(user)
    chosen = {p.kind: list(p.channels) for p in ChannelPreference.objects.visible_to(user)}
    kinds = kinds_for(request)
    contact = ContactForm(initial={"mobile": user.mobile, "email": user.email})
    channels = ChannelsForm(kinds=kinds, allowed=allowed, chosen=chosen)
    if request.method == "POST":
        if request.POST.get("form") == "contact":
            contact = ContactForm(request.POST)
            if contact.is_valid():
                update_user(
                    user,
                    user,
                    display_name=user.display_name,
                    email=contact.cleaned_data["email"],
                    mobile=contact.cleaned_data["mobile"],
                )
                messages.success(request, "联系方式已保存")
                return redirect("messaging:preferences")
        else:
            channels = ChannelsForm(request.POST, kinds=kinds, allowed=allowed, chosen=chosen)
            if channels.is_valid():
                actions.set_preferences(user, channels.choices())
                messages.success(request, "接收方式已保存")
                return redirect("messaging:preferences")
    return render(
        request,
        "messaging/preferences.html",
        {
            **_centre_context(request, "preferences"),
            "contact": contact,
            "channels": channels,
            "extra_labels": [Channel(c).label for c in allowed if c != Channel.INAPP],
            "sms_allowed": Channel.SMS in allowed,
            "email_allowed": Channel.EMAIL in allowed,
        },
    )


# ---- group robots -------------------------------------------------------------------------------


def robot_kind_choices() -> list[tuple[str, str]]:
    return [(k.code, k.label) for k in all_kinds() if k.code not in NOT_CHOSEN]


@dataclass(frozen=True)
class RobotRow:
    robot: GroupRobot
    kinds: str
    last: RobotDelivery | None


def robot_rows(robots: Any) -> list[RobotRow]:
    labels = dict(robot_kind_choices())
    rows = []
    for robot in robots:
        last = robot.deliveries.order_by("-created_at", "-pk").first()
        kinds = "、".join(labels.get(k, k) for k in robot.kinds) if robot.kinds else "全部类别"
        rows.append(RobotRow(robot, kinds, last))
    return rows


@require_safe
def robots(request: AuthedRequest) -> HttpResponse:
    """Where a user's working groups are connected: a liaison's units, an office's region(s), and for
    an office the units' robots in its area."""
    access = request.user.access
    if not (access.is_office or access.is_liaison):
        raise PermissionDenied("只有素质办和成员单位联络员可以设置工作群机器人")
    picked = request.GET.get("unit", "")
    if picked.isdigit():
        return redirect("messaging:unit_robots", unit_id=int(picked))
    units = Unit.objects.filter(pk__in=access.liaison_unit_ids).select_related("region").order_by("name")
    regions = Region.objects.filter(pk__in=access.office_region_ids).order_by("path")
    area = (
        GroupRobot.objects.manageable_by(request.user)
        .filter(unit__isnull=False)
        .exclude(unit__in=units)
        .select_related("unit__region")
        .order_by("unit__name", "pk")
        if access.is_office
        else GroupRobot.objects.none()
    )
    return render(
        request,
        "messaging/robots.html",
        {
            **_centre_context(request, "robots"),
            "units": units,
            "regions": regions,
            "area": list(area[:200]),
            "office_units": (
                Unit.objects.visible_to(request.user)
                .filter(region__in=regions)
                .order_by("region__path", "name")[:500]
                if access.is_office
                else []
            ),
        },
    )


def _unit_for_robots(request: AuthedRequest, unit_id: int) -> Unit:
    """A unit whose robots the user manages (its liaison, an office above it); a reader gets 403, others 404."""
    unit = get_object_or_404(Unit.objects.visible_to(request.user).select_related("region"), pk=unit_id)
    access = request.user.access
    if unit.pk in access.liaison_unit_ids or access.manages_path(unit.region.path):
        return unit
    raise PermissionDenied("只有本单位联络员或素质办可以设置本单位的工作群机器人")


def _region_for_robots(request: AuthedRequest, region_code: str) -> Region:
    region = get_object_or_404(Region.objects.visible_to(request.user), code=region_code)
    if not request.user.access.manages_path(region.path):
        raise PermissionDenied("只有本级素质办可以设置素质办的工作群机器人")
    return region


def unit_robots(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = _unit_for_robots(request, unit_id)
    return _owner_robots(request, unit, f"{unit.name}的工作群", GroupRobot.objects.filter(unit=unit))


def region_robots(request: AuthedRequest, region_code: str) -> HttpResponse:
    region = _region_for_robots(request, region_code)
    return _owner_robots(
        request, region, f"{region.name}素质办的工作群", GroupRobot.objects.filter(region=region)
    )


def _owner_robots(request: AuthedRequest, owner: Unit | Region, title: str, robots: Any) -> HttpResponse:
    """The robots of one unit or office, and the form that adds one (errors in Chinese on the form)."""
    form = RobotForm(request.POST or None, kinds=robot_kind_choices(), initial={"enabled": True})
    if request.method == "POST" and form.is_valid():
        try:
            robot = actions.add_robot(request.user, owner, **form.cleaned_data)
        except actions.MessagingError as error:
            form.add_error(_error_field(error.message), error.message)
        else:
            messages.success(request, f"已添加“{robot.name}”。可点“发送测试消息”确认群里能收到。")
            return redirect(request.path)
    elif request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    return render(
        request,
        "messaging/owner_robots.html",
        {**_centre_context(request, "robots"), "title": title, "rows": robot_rows(robots), "form": form},
    )


def _error_field(message: str) -> str | None:
    """Which field an action's refusal is about, so the message shows beside it."""
    if "Webhook" in message or "域名" in message or "地址" in message:
        return "webhook"
    if "密钥" in message:
        return "secret"
    if "名称" in message:
        return "name"
    return None


def _manageable_robot(request: AuthedRequest, robot_id: int) -> GroupRobot:
    return get_object_or_404(
        GroupRobot.objects.manageable_by(request.user).select_related("unit__region", "region"), pk=robot_id
    )


def _owner_url(robot: GroupRobot) -> str:
    if robot.unit_id:
        return reverse("messaging:unit_robots", kwargs={"unit_id": robot.unit_id})
    assert robot.region is not None
    return reverse("messaging:region_robots", kwargs={"region_code": robot.region.code})


def robot_edit(request: AuthedRequest, robot_id: int) -> HttpResponse:
    """Change a robot (a blank webhook or secret keeps the stored one), or remove it."""
    robot = _manageable_robot(request, robot_id)
    if request.method == "POST" and request.POST.get("step") == "delete":
        actions.remove_robot(request.user, robot)
        messages.success(request, f"已删除“{robot.name}”")
        return redirect(_owner_url(robot))
    initial = {"name": robot.name, "kinds": robot.kinds, "enabled": robot.enabled}
    form = RobotForm(request.POST or None, kinds=robot_kind_choices(), editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_robot(request.user, robot, **form.cleaned_data)
        except actions.MessagingError as error:
            form.add_error(_error_field(error.message), error.message)
        else:
            messages.success(request, f"“{robot.name}”已保存")
            return redirect(_owner_url(robot))
    return render(
        request,
        "messaging/robot_edit.html",
        {**_centre_context(request, "robots"), "robot": robot, "form": form, "back": _owner_url(robot)},
    )


@require_POST
def robot_test(request: AuthedRequest, robot_id: int) -> HttpResponse:
    robot = _manageable_robot(request, robot_id)
    actions.test_robot(request.user, robot)
    messages.success(request, f"测试消息已排队发往“{robot.name}”，稍后刷新本页查看是否已发送。")
    return redirect(_owner_url(robot))

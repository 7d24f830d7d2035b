"""The message centre over HTTP, per persona: the bell, the list and its filters, marking read, the
office's feed and sent messages, the preferences, the API."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kesu.accounts.models import User
from kesu.messaging import actions
from kesu.messaging.models import ChannelPreference, Delivery, DeliveryStatus, Message
from kesu.testing import World

pytestmark = pytest.mark.django_db
# What no liaison should ever read: the technical names of channels and the old badges.
TECHNICAL = (
    "站内消息",
    "邮件（未送达）",
    "未送达",
    "inapp",
    "email",
    "sms",
    "wecom",
    "dingtalk",
    "企业微信：",
    "短信：",
)


def send(user: User, key: str, kind: str = "report_due", title: str = "请报送", **extra: Any) -> Message:
    [message] = actions.notify(
        [user], kind, title=title, body=extra.pop("body", "内容"), url="/reporting/todo/", key=key, **extra
    )
    return message


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_bell_counts_ones_own_unread_messages_on_every_page(world: World, client_for: Any) -> None:
    send(world.edu_liaison, "a")
    send(world.edu_liaison, "b")
    send(world.kexie_liaison, "c")
    home = page(client_for(world.edu_liaison), "/")
    assert 'aria-label="消息中心：2 条未读"' in home
    assert 'aria-label="消息中心"' in page(client_for(world.pds_office), "/")  # none: no number


def test_a_liaison_reads_only_its_own_messages_and_no_channel_names(world: World, client_for: Any) -> None:
    world.edu_liaison.email = "edu@example.org"
    world.edu_liaison.mobile = "13812345678"
    world.edu_liaison.save()
    send(world.edu_liaison, "mine", title="教体局的提醒")
    other = send(world.kexie_liaison, "theirs", title="科协的私信")
    liaison = client_for(world.edu_liaison)
    for url in ("/messages/", "/messages/settings/", "/", "/reporting/todo/"):
        text = page(liaison, url)
        assert "科协的私信" not in text
        for word in TECHNICAL:
            assert f">{word}<" not in text and f"{word}（未送达）" not in text, (url, word)
    assert "教体局的提醒" in page(liaison, "/messages/")
    assert liaison.post(f"/messages/{other.pk}/open/").status_code == 404
    assert liaison.post(f"/messages/{other.pk}/read/").status_code == 404
    assert Message.objects.get(pk=other.pk).read_at is None
    assert liaison.get("/messages/sent/").status_code == 403  # delivery details are the office's
    assert liaison.get("/messages/today/").status_code == 403


def test_reading_the_list_marks_nothing_and_opening_a_message_marks_it_and_follows_its_link(
    world: World, client_for: Any
) -> None:
    message = send(world.edu_liaison, "k")
    liaison = client_for(world.edu_liaison)
    page(liaison, "/messages/")
    assert Message.objects.get(pk=message.pk).read_at is None
    response = liaison.post(f"/messages/{message.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/reporting/todo/"
    assert Message.objects.get(pk=message.pk).read_at is not None
    assert Delivery.objects.get(message=message, channel="inapp").status == DeliveryStatus.READ
    assert liaison.get(f"/messages/{message.pk}/open/").status_code == 405  # a GET changes nothing


def test_a_link_never_leads_off_the_site(world: World, client_for: Any) -> None:
    [message] = actions.notify(
        [world.edu_liaison], "report_due", title="t", body="b", url="https://evil.example/", key="evil"
    )
    response = client_for(world.edu_liaison).post(f"/messages/{message.pk}/open/")
    assert response["Location"] == "/messages/"


def test_mark_all_read_and_one_by_one(world: World, client_for: Any) -> None:
    first, second, third = (send(world.edu_liaison, key) for key in "xyz")
    theirs = send(world.kexie_liaison, "w")
    liaison = client_for(world.edu_liaison)
    liaison.post(f"/messages/{first.pk}/read/", {"next": "/messages/?state=unread"})
    assert Message.objects.filter(recipient=world.edu_liaison, read_at__isnull=True).count() == 2
    assert "全部标为已读（2 条未读）" in page(liaison, "/messages/")
    assert liaison.post("/messages/read/").status_code == 302
    assert not Message.objects.filter(recipient=world.edu_liaison, read_at__isnull=True).exists()
    assert Message.objects.get(pk=theirs.pk).read_at is None


def test_the_list_filters_by_kind_state_and_date(world: World, client_for: Any) -> None:
    send(world.edu_liaison, "1", kind="report_due", title="临期提醒甲")
    returned = send(world.edu_liaison, "2", kind="report_returned", title="退回修改乙")
    old = send(world.edu_liaison, "3", kind="notice_issued", title="去年的督办丙")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    actions.mark_read(world.edu_liaison, [returned])
    liaison = client_for(world.edu_liaison)
    by_kind = page(liaison, "/messages/?kind=report_returned")
    assert "退回修改乙" in by_kind and "临期提醒甲" not in by_kind
    unread = page(liaison, "/messages/?state=unread")
    assert "临期提醒甲" in unread and "退回修改乙" not in unread
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    recent = page(liaison, f"/messages/?since={since}")
    assert "去年的督办丙" not in recent and "临期提醒甲" in recent
    assert "起始日期：" in page(liaison, "/messages/?since=不是日期")  # a bad date is said, not a 500


def test_the_office_feed_shows_what_its_units_did_today(world: World, client_for: Any) -> None:
    send(world.pds_office, "s1", kind="report_submitted", title="市教育体育局提交了2025年上半年报送")
    send(world.pds_office, "s2", kind="notice_answered", title="市科协反馈了督办")
    yesterday = send(world.pds_office, "s3", kind="report_submitted", title="昨天的提交")
    Message.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - timedelta(days=1))
    send(world.xz_office, "s4", kind="report_submitted", title="新郑市的单位提交")
    feed = page(client_for(world.pds_office), "/messages/today/")
    assert "市教育体育局提交了2025年上半年报送" in feed and "市科协反馈了督办" in feed
    assert "昨天的提交" not in feed and "新郑市的单位提交" not in feed
    assert re.search(r'stat-value">1</div><div class="stat-label">单位已提交报送', feed)
    day_before = (timezone.localdate() - timedelta(days=1)).isoformat()
    before = page(client_for(world.pds_office), f"/messages/today/?day={day_before}")
    assert "昨天的提交" in before and "市科协反馈了督办" not in before
    assert "市科协反馈了督办" in page(client_for(world.pds_office), "/messages/today/?day=不是日期")


def test_the_sender_sees_each_channels_status_in_plain_chinese(world: World, client_for: Any) -> None:
    world.edu_liaison.email = "edu@example.org"
    world.edu_liaison.save()
    message = send(
        world.edu_liaison, "sent", kind="report_returned", title="退回修改", actor=world.pds_office
    )
    Delivery.objects.create(
        message=message, channel="sms", status=DeliveryStatus.FAILED, last_error="短信平台拒绝：签名未审核"
    )
    sent = page(client_for(world.pds_office), "/messages/sent/")
    assert "退回修改" in sent and "edu-liaison" in sent
    assert "站内消息：已发送" in sent and "短信：失败" in sent and "签名未审核" in sent
    assert "退回修改" not in page(client_for(world.xz_office), "/messages/sent/")


def test_a_mobile_in_the_wrong_format_is_refused_in_chinese(world: World, client_for: Any) -> None:
    liaison = client_for(world.edu_liaison)
    for bad in ("1381234567", "23812345678", "138-1234-5678"):
        text = liaison.post(
            "/messages/settings/", {"form": "contact", "mobile": bad, "email": ""}
        ).content.decode()
        assert "请填写 11 位中国大陆手机号码" in text, bad
    bad_mail = liaison.post("/messages/settings/", {"form": "contact", "mobile": "", "email": "不是邮箱"})
    assert "请填写有效的电子邮箱地址" in bad_mail.content.decode()
    world.edu_liaison.refresh_from_db()
    assert world.edu_liaison.mobile == "" and world.edu_liaison.email == ""
    liaison.post("/messages/settings/", {"form": "contact", "mobile": "13812345678", "email": "a@b.cn"})
    world.edu_liaison.refresh_from_db()
    assert (world.edu_liaison.mobile, world.edu_liaison.email) == ("13812345678", "a@b.cn")


def test_a_user_chooses_channels_per_kind_within_the_offices_policy(world: World, client_for: Any) -> None:
    liaison = client_for(world.edu_liaison)
    form = page(liaison, "/messages/settings/")
    assert "报送被退回修改" in form and "单位已提交报送" not in form  # a liaison's kinds only
    assert 'name="kind_report_returned" value="sms"' in form
    liaison.post("/messages/settings/", {"form": "channels", "kind_report_returned": ["email"]})
    assert ChannelPreference.objects.get(user=world.edu_liaison, kind="report_returned").channels == [
        "inapp",
        "email",
    ]
    actions.set_policy(
        world.pds_office,
        world.pingdingshan,
        channels=["inapp", "email"],
        quiet_start=None,
        quiet_end=None,
        digest=False,
    )
    limited = page(liaison, "/messages/settings/")
    assert 'value="sms"' not in limited and "本级素质办允许的方式" in limited
    office_form = page(client_for(world.pds_office), "/messages/settings/")
    assert "单位已提交报送" in office_form


def test_the_api_lists_and_marks_only_ones_own_messages(world: World, client_for: Any) -> None:
    mine = send(world.edu_liaison, "api1", title="我的")
    theirs = send(world.kexie_liaison, "api2", title="别人的")
    liaison = client_for(world.edu_liaison)
    listed = liaison.get("/api/messages/").json()
    assert [row["title"] for row in listed["results"]] == ["我的"]
    assert listed["results"][0]["kind_label"] == "报送即将截止"
    assert liaison.post(f"/api/messages/{theirs.pk}/read/").status_code == 404
    assert liaison.post(f"/api/messages/{mine.pk}/read/").json()["read_at"]
    send(world.edu_liaison, "api3")
    assert liaison.post("/api/messages/read-all/").json() == {"marked": 1}
    assert liaison.get("/api/messages/?state=unread").json()["results"] == []
    assert client_for(None).get("/api/messages/").status_code in (401, 403)

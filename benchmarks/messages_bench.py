"""Messages benchmark: one deadline's 2,000 reminders queued, then delivered by two workers, one of
which is killed (SIGKILL) mid-run; none lost, none doubled, every robot within its rate limit.

    psql -h 127.0.0.1 -U postgres -c 'create database messages_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/messages_bench .venv/bin/python benchmarks/messages_bench.py

What is sent (the deadline of a city with 100 member units of 20 liaisons each):

- ``notify``: 2,000 reminders, one per liaison, each stored in-app and sent by SMS through the real
  腾讯云短信 adapter (TC3-HMAC-SHA256 signed; the loopback server checks every signature);
- ``notify_groups``: each unit's group told once (100 robot messages, one call), half the robots
  企业微信, half 钉钉 (signed with the robot's secret, checked by the server);
- the same told the way the reminder run's triggers do it today: one ``notify_group`` per unit;
- the stress case, ``notify_groups`` again: 2,000 group-robot messages, 20 per unit group (one per
  liaison's due report), in one call. A robot takes 20 a minute, so the 22 messages per robot need
  more than a minute: the run shows the limit holding under load.

Each path is timed alone (its own transaction); all must queue in under 5 s.

Two ``kesu db_worker`` processes send; once the server has taken ``BENCH_KILL_AT`` (1,000)
messages, one is killed with SIGKILL. Its leases run out (``KESU_MESSAGE_LEASE_SECONDS``, 15 s here) and the surviving worker
settles them by the at-most-once rule (``messaging/delivery.py``). The run ends when nothing is
queued or sending. Checks, against what the loopback server recorded:

- lost: a delivery marked 已发送 that the server never accepted, or one still not settled;
- doubled: a message the server accepted twice;
- uncertain: a delivery the killed worker had started (失败 “无法确认是否已送达”), with whether the
  server in fact got it: these are the only ones not sent, by design, and are listed;
- rate: the most messages any robot took within 60 seconds (must be ≤ 20), and the rate-limit
  answers the server gave (must be 0).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
UNITS = int(os.environ.get("BENCH_UNITS", "100"))
PER_UNIT = int(os.environ.get("BENCH_PER_UNIT", "20"))
KILL_AT = int(os.environ.get("BENCH_KILL_AT", "1000"))  # kill a worker once the server took this many
LEASE = int(os.environ.get("BENCH_LEASE", "15"))
DING_SECRET = "SEC" + "5e" * 32
SMS_KEY = "bench-sms-secret"


def overrides(server_url: str) -> dict[str, Any]:
    return {
        "KESU_WEBHOOK_HOSTS": "127.0.0.1",
        "KESU_SMS_PROVIDER": "tencent",
        "KESU_SMS_ENDPOINT": f"{server_url}/",
        "KESU_SMS_SECRET_ID": "AKIDbench",
        "KESU_SMS_SECRET_KEY": SMS_KEY,
        "KESU_SMS_APP_ID": "1400000000",
        "KESU_SMS_SIGN_NAME": "科素",
        "KESU_SMS_TEMPLATE_ID": "100001",
        "KESU_MESSAGE_LEASE_SECONDS": LEASE,
        "KESU_MESSAGE_HTTP_TIMEOUT": 5,
        "KESU_MESSAGE_QUIET_HOURS": "",  # the benchmark may run at night
        "KESU_SITE_URL": "https://kesu.example.gov.cn",
    }


def setup_django(server_url: str) -> None:
    import django
    from django.conf import settings

    django.setup()
    for name, value in overrides(server_url).items():
        setattr(settings, name, value)


def run_worker() -> None:
    """One ``kesu db_worker`` (core's recovering worker) with the benchmark's settings."""
    setup_django(os.environ["BENCH_SERVER_URL"])
    from django.core.management import call_command

    call_command("db_worker", interval=0.1, startup_delay=False, reload=False, verbosity=0)


def prepare() -> tuple[list[Any], list[Any]]:
    """A fresh city: UNITS units with PER_UNIT liaisons each (mobile numbers), a robot per unit."""
    from django.core.management import call_command
    from django_tasks.backends.database.models import DBTaskResult

    from kesu.accounts.models import Membership, Role, User
    from kesu.messaging.models import GroupRobot, Message, RobotDelivery
    from kesu.regions.models import Region, Unit
    from kesu.testing import load_test_divisions

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code="410400000000").exists():
        load_test_divisions()
    city = Region.objects.get(code="410400000000")
    RobotDelivery.objects.all().delete()
    GroupRobot.objects.all().delete()
    Message.objects.all().delete()
    DBTaskResult.objects.all().delete()
    User.objects.filter(username__startswith="bench-").delete()
    Unit.objects.filter(region=city, name__startswith="基准单位").delete()
    units = Unit.objects.bulk_create([Unit(region=city, name=f"基准单位{i:03d}") for i in range(UNITS)])
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench-{u:03d}-{n:02d}",
                display_name=f"联络员{u:03d}-{n:02d}",
                mobile=f"139{u:04d}{n:04d}",
                password="!",
            )
            for u in range(UNITS)
            for n in range(PER_UNIT)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=user, role=Role.LIAISON, unit=units[i // PER_UNIT]) for i, user in enumerate(users)]
    )
    return units, users


def add_robots(units: list[Any], server: Any) -> None:
    from kesu.messaging import actions

    nobody: Any = None  # set up by the benchmark, not by a person
    for index, unit in enumerate(units):
        if index % 2:
            webhook = server.dingtalk_url(f"ding{index}")
            server.dingtalk_secrets[f"ding{index}"] = DING_SECRET
            actions.add_robot(
                nobody, unit, platform="dingtalk", name="工作群", webhook=webhook, secret=DING_SECRET
            )
        else:
            actions.add_robot(
                nobody, unit, platform="wecom", name="工作群", webhook=server.wecom_url(f"wx{index}")
            )


def queue(units: list[Any], users: list[Any]) -> dict[str, float]:
    """The deadline: every liaison reminded (one ``notify``), every unit's group told once (one
    ``notify_groups`` call, a message per unit), and the stress case: 20 more per group (one
    ``notify_groups`` call of 2,000 messages). Each path in its own transaction, timed alone."""
    from django.db import transaction

    from kesu.messaging import actions
    from kesu.messaging.actions import GroupMessage

    times: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        actions.notify(
            users,
            "report_due",
            title="【提醒】2026年上半年工作进展报送将于3天后截止",
            body="请于 6月30日 前提交上半年工作进展。",
            url="/reporting/todo/",
            key="bench:due:2026H1",
        )
    times["personal"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        once = [
            GroupMessage(
                unit,
                f"【提醒】{unit.name}的上半年报送将于3天后截止",
                f"本单位 {PER_UNIT} 位联络员，请于 6月30日 前提交。",
                "/reporting/todo/",
                "bench:unit:2026H1",
            )
            for unit in units
        ]
        actions.notify_groups(once, "report_due")
    times["group_once"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():  # as the reminder run's triggers do today: one notify_group per unit
        for unit in units:
            actions.notify_group(
                unit,
                "report_due",
                title=f"【催办】{unit.name}的上半年报送请抓紧提交",
                body="请于 6月30日 前提交。",
                url="/reporting/todo/",
                key="bench:unit-loop:2026H1",
            )
    times["group_once_loop"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        stress = [
            GroupMessage(
                unit,
                f"【提醒】联络员{index:03d}-{n:02d}的报送将于3天后截止",
                "请于 6月30日 前提交。",
                "/reporting/todo/",
                f"bench:due:2026H1:{n}",
            )
            for index, unit in enumerate(units)
            for n in range(PER_UNIT)
        ]
        actions.notify_groups(stress, "report_due")
    times["group_stress"] = time.perf_counter() - started
    return times


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def pending() -> int:
    from kesu.messaging.models import Delivery, DeliveryStatus, RobotDelivery

    busy = [DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    return (
        Delivery.objects.filter(status__in=busy).count()
        + RobotDelivery.objects.filter(status__in=busy).count()
    )


def spawn_worker(server_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BENCH_SERVER_URL": server_url}
    return subprocess.Popen([sys.executable, __file__, "--worker"], env=env, cwd=ROOT)


def check(server: Any) -> dict[str, Any]:
    from kesu.messaging.delivery import INTERRUPTED
    from kesu.messaging.models import Delivery, DeliveryStatus, RobotDelivery

    sms_rows = Delivery.objects.filter(channel="sms").select_related("message__recipient")
    robot_rows = RobotDelivery.objects.select_related("robot")
    got_sms = Counter(r.payload["PhoneNumberSet"][0].removeprefix("+86") for r in server.accepted("sms"))
    got_robot = Counter(
        (r.key, _title_of(r.payload)) for r in server.received if r.platform in ("wecom", "dingtalk")
    )
    lost: list[str] = []
    uncertain: list[str] = []
    statuses: Counter[str] = Counter()
    for row in sms_rows:
        statuses[f"短信 {row.get_status_display()}"] += 1
        delivered = got_sms[row.message.recipient.mobile] > 0
        _judge(row, delivered, lost, uncertain, INTERRUPTED, f"sms:{row.message.recipient.mobile}")
    for robot_row in robot_rows:
        statuses[f"群机器人 {robot_row.get_status_display()}"] += 1
        key = _server_key(robot_row)
        delivered = got_robot[(key, robot_row.title[:60])] > 0
        _judge(robot_row, delivered, lost, uncertain, INTERRUPTED, f"robot:{key}:{robot_row.title}")
    doubled = [k for k, n in got_sms.items() if n > 1] + [f"{k}" for k, n in got_robot.items() if n > 1]
    robot_keys = {r.key for r in server.received if r.platform in ("wecom", "dingtalk")}
    return {
        "statuses": dict(statuses),
        "server_accepted": {"sms": sum(got_sms.values()), "robots": sum(got_robot.values())},
        "server_rejected": Counter(r.platform for r in server.rejected),
        "lost": lost,
        "doubled": doubled,
        "uncertain": uncertain,
        "most_per_robot_in_60s": max((server.most_in_a_minute(k) for k in robot_keys), default=0),
        "other_failures": list(
            Counter(
                r.last_error
                for r in [*sms_rows, *robot_rows]
                if r.status == DeliveryStatus.FAILED and r.last_error != INTERRUPTED
            ).items()
        ),
    }


def _title_of(payload: Any) -> str:
    markdown = (payload or {}).get("markdown", {})
    if "title" in markdown:
        return str(markdown["title"])
    first = str(markdown.get("content", "")).split("\n", 1)[0]
    return first.strip("*")[:60]


def _server_key(row: Any) -> str:
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(row.robot.webhook).query)
    return (query.get("key") or query.get("access_token") or [""])[0]


def _judge(
    row: Any, delivered: bool, lost: list[str], uncertain: list[str], interrupted: str, name: str
) -> None:
    from kesu.messaging.models import DeliveryStatus

    if row.status == DeliveryStatus.SENT and not delivered:
        lost.append(name)
    elif row.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING):
        lost.append(f"{name}（未结束）")
    elif row.status == DeliveryStatus.FAILED and row.last_error == interrupted:
        uncertain.append(f"{name}：服务器{'已收到' if delivered else '未收到'}")


def main() -> None:
    from kesu.messaging.tests.robots import RobotServer

    server = RobotServer(sms_secret_key=SMS_KEY).start()
    setup_django(server.url)
    from django.db import connection

    units, users = prepare()
    add_robots(units, server)
    print(f"load average before queueing: {load()}", flush=True)
    times = queue(units, users)
    personal = times["personal"]
    print(f"queued {len(users)} reminders (in-app + SMS, one notify) in {personal:.2f} s", flush=True)
    print(f"queued {UNITS} group messages, one per unit (one notify_groups) in {times['group_once']:.2f} s")
    print(
        f"queued {UNITS} group messages, one per unit ({UNITS} notify_group) in {times['group_once_loop']:.2f} s"
    )
    print(
        f"queued {UNITS * PER_UNIT} group messages, {PER_UNIT} per robot (one notify_groups) "
        f"in {times['group_stress']:.2f} s; load average {load()}",
        flush=True,
    )
    started = time.perf_counter()  # the workers start now, with everything queued
    workers = [spawn_worker(server.url) for _ in range(2)]
    killed = False
    last_report = 0.0
    while pending() and time.perf_counter() - started < 1800:
        now = time.perf_counter() - started
        if not killed and len(server.received) >= KILL_AT:
            os.kill(workers[0].pid, signal.SIGKILL)
            killed = True
            print(
                f"killed worker {workers[0].pid} (SIGKILL) at {now:.0f} s, after {len(server.received)} "
                f"messages; {pending()} still to send",
                flush=True,
            )
        if now - last_report >= 15:
            last_report = now
            print(f"  {now:5.0f} s: the server took {len(server.received)}; {pending()} to send", flush=True)
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    print(f"delivered in {elapsed:.1f} s by two workers, one of them killed mid-run; load average {load()}")
    connection.close()
    result = check(server)
    print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    server.stop()
    ok = not result["lost"] and not result["doubled"] and result["most_per_robot_in_60s"] <= 20
    quick = max(times.values()) < 5
    print("OK" if ok and quick else "FAILED")
    sys.exit(0 if ok and quick else 1)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        run_worker()
    else:
        main()

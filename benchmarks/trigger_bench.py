"""Opening a cycle: the office's request, then the background task that tells every unit (issue 18).

    DATABASE_URL=sqlite:////tmp/trigger_bench.sqlite3 .venv/bin/python benchmarks/trigger_bench.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/trigger_bench .venv/bin/python benchmarks/trigger_bench.py
    BENCH_DEMO=1 KESU_DATA_DIR=var .venv/bin/python benchmarks/trigger_bench.py   # the demo's 平顶山市

Synthetic (default): migrates, then builds a city office and ``BENCH_UNITS`` units (36 and 300 by
default, comma-separated) each leading one task and with one liaison, and opens a cycle of that
plan over HTTP (the Django test client, the database task backend: the request only queues the
composing). Prints the request's time and queries, then runs the queued task as a worker would and
prints its time, queries and messages. With ``BENCH_DEMO=1`` it opens the next half-year's cycle
of the demo's 平顶山市 plan instead (on the demo database; the cycle is deleted again afterwards).

Numbers: see docs/messaging.md ("Composing in the background").
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["KESU_TASK_BACKEND"] = "django_tasks.backends.database.DatabaseBackend"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tasks.backends.database.models import DBTaskResult  # noqa: E402
from django_tasks.task import ResultStatus  # noqa: E402

from kesu.accounts import actions as account_actions  # noqa: E402
from kesu.accounts.models import Role, User  # noqa: E402
from kesu.messaging.models import Message  # noqa: E402
from kesu.plans.models import Plan, PlanStatus, Responsibility, Task  # noqa: E402
from kesu.regions import actions as region_actions  # noqa: E402
from kesu.regions.models import Region, RegionLevel  # noqa: E402
from kesu.reporting.models import Cycle  # noqa: E402

PASSWORD = "bench-password-2025"


def city(units: int) -> tuple[User, Plan]:
    """A city of ``units`` units (made once per size, kept between runs) and its office."""
    tag = f"bench{units}"
    region, _ = Region.objects.get_or_create(
        code=f"99{units:04d}000000", defaults={"name": f"基准市{units}", "level": RegionLevel.CITY}
    )
    if not region.path:
        region.path = region.compute_path()
        region.save(update_fields=["path"])
    office = User.objects.filter(username=f"{tag}-office").first()
    if office is None:
        office = account_actions.create_user(None, f"{tag}-office", PASSWORD, role=Role.OFFICE, region=region)
    plan = Plan.objects.filter(region=region, title=f"{tag}方案").first()
    if plan is None:
        plan = Plan.objects.create(
            region=region, title=f"{tag}方案", status=PlanStatus.PUBLISHED, period_start=2021, period_end=2025
        )
        for number in range(1, units + 1):
            unit = region_actions.create_unit(None, region, f"基准单位{number:03d}")
            task = Task.objects.create(
                plan=plan, external_id=str(number), order=number, title=f"任务{number}"
            )
            Responsibility.objects.create(task=task, role="lead", mention=unit.name, unit=unit)
            account_actions.create_user(None, f"{tag}-{number:03d}", PASSWORD, role=Role.LIAISON, unit=unit)
    return office, plan


def demo_city() -> tuple[User, Plan]:
    office = User.objects.get(username="pds-office")
    plan = (
        Plan.objects.filter(region__code="410400000000", status=PlanStatus.PUBLISHED).order_by("pk").first()
    )
    assert plan is not None, "load the demo first (kesu setup_demo)"
    return office, plan


def bench(label: str, office: User, plan: Plan, period: str) -> None:
    Cycle.objects.filter(plan=plan, period=period).delete()
    client = Client()
    client.force_login(office)
    client.get("/", secure=True)
    form = {"plan": plan.pk, "period": period, "timely_days": 0, "lock_days": 30, "warn_days": 7}
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as request_queries:
        response = client.post("/reporting/cycles/", form, secure=True)
    request_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, (response.status_code, response.content.decode()[:300])
    cycle = Cycle.objects.get(plan=plan, period=period)
    queued = DBTaskResult.objects.filter(
        status=ResultStatus.NEW, task_path="kesu.reporting.notify.compose_messages"
    ).order_by("enqueued_at")
    before = Message.objects.count()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as job_queries:
        for result in queued:  # as the worker runs it
            result.claim()
            result.set_succeeded(result.task.call(*result.task_result.args, **result.task_result.kwargs))
    job_ms = (time.perf_counter() - started) * 1000
    messages = Message.objects.count() - before
    reports = cycle.reports.count()
    print(
        f"{label}: {reports} reports. request {request_ms:.0f} ms, {len(request_queries)} queries; "
        f"background task {job_ms:.0f} ms, {len(job_queries)} queries, {messages} messages"
    )
    if os.environ.get("BENCH_DEMO"):
        Message.objects.filter(key__in=[f"cycle_opened:{r.pk}" for r in cycle.reports.all()]).delete()
        cycle.delete()


def main() -> None:
    call_command("migrate", verbosity=0)
    load = os.getloadavg()
    print(f"{connection.vendor}, load average {load[0]:.1f}")
    if os.environ.get("BENCH_DEMO"):
        office, plan = demo_city()
        bench("demo 平顶山市", office, plan, os.environ.get("BENCH_PERIOD", "2030H1"))
        return
    for size in (int(n) for n in os.environ.get("BENCH_UNITS", "36,300").split(",")):
        office, plan = city(size)
        bench(f"synthetic city of {size} units", office, plan, "2025H2")
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

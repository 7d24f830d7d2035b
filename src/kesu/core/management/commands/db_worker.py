"""``kesu db_worker``: django-tasks' database worker, which also recovers the jobs of dead workers.

At start-up and then every ``KESU_JOB_STALE_SECONDS``, the worker looks for running jobs whose
heartbeat stopped (their worker was killed, or its machine went down) and fails them with a reason,
or queues them again when their kind is safe to retry (``core.jobs.recover_stale_jobs``).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks.backends.database.management.commands import db_worker

from kesu.core.jobs import recover_stale_jobs, stale_after

logger = logging.getLogger(__name__)


def sweep() -> None:
    """Recover stale jobs once; a failure is logged and never stops the worker."""
    try:
        recover_stale_jobs()
    except Exception:
        logger.exception("recovering stale jobs failed")
    finally:
        connection.close()


class RecoveringWorker(db_worker.Worker):
    def start(self) -> None:
        sweep()  # the jobs this machine's previous worker left behind, before taking new work
        stop = threading.Event()

        def sweep_periodically() -> None:
            while not stop.wait(stale_after().total_seconds()):
                sweep()

        threading.Thread(target=sweep_periodically, name="kesu-job-sweeper", daemon=True).start()
        try:
            super().start()
        finally:
            stop.set()


class Command(db_worker.Command):
    help = "运行后台任务（django-tasks 数据库队列），并回收工作进程中断的任务。"

    def handle(  # the same as django-tasks' handle, with the recovering worker
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        worker = RecoveringWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process handles signals
            run_with_reloader(worker.start)
        else:
            worker.configure_signals()
            worker.start()
        if batch:
            logger.info("No more tasks to run - exiting gracefully.")

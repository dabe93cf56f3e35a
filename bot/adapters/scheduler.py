"""APScheduler 3 with a SQLAlchemy job store: persisted jobs call `fire_reminder(reminder_id)` only.

Only one process runs the scheduler at a time (a lease row in the database); the others keep the job
store in paused mode so they can still add and remove jobs. Deliveries are also claimed per
(reminder, due time), so even two schedulers that overlap during a hand-over post a reminder once.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.adapters import reminder_jobs
from bot.adapters.schema import scheduler_leader
from bot.adapters.triggers import trigger_for
from bot.domain.clock import Clock, SystemClock
from bot.domain.reminders import Reminder

log = logging.getLogger(__name__)

JOB_FUNCTION = "bot.adapters.reminder_jobs:fire_reminder"
LEASE_S = 15.0
HEARTBEAT_S = 3.0

# What the running process does when a job is missed; firing itself is registered in reminder_jobs.
_report_missed: Callable[[str, datetime], None] | None = None


def fire(reminder_id: str) -> None:
    """The entry point's old path: jobs written by a not-yet-upgraded process during a deploy."""
    reminder_jobs.fire_reminder(reminder_id)


class ReminderScheduler:
    def __init__(
        self,
        engine: Engine,
        deliver: Callable[[str, datetime | None], None],
        report_missed: Callable[[str, datetime], None],
        grace_s: int = 3600,
        clock: Clock | None = None,
    ) -> None:
        self._clock = clock or SystemClock("UTC")
        global _report_missed
        reminder_jobs.register(deliver)
        _report_missed = report_missed
        self._engine = engine
        self._grace_s = grace_s
        self._identity = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
            job_defaults={"coalesce": True, "misfire_grace_time": grace_s, "max_instances": 1},
            timezone=ZoneInfo("UTC"),
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self._stop = threading.Event()
        self._leading = False
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._scheduler.start(paused=True)
        self._thread = threading.Thread(target=self._lead_when_possible, name="scheduler-lease", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        if self._leading:
            with self._engine.begin() as db:
                db.execute(
                    update(scheduler_leader)
                    .where(scheduler_leader.c.holder == self._identity)
                    .values(expires_at=0.0)
                )
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def leading(self) -> bool:
        return self._leading

    def _lead_when_possible(self) -> None:
        """Hold the lease while alive; poll the job store so jobs added by other processes fire on time."""
        while not self._stop.is_set():
            leading = self._try_lease()
            if leading and not self._leading:
                log.warning("this process now runs the reminder scheduler")
                self._scheduler.resume()
            elif not leading and self._leading:
                log.warning("another process took over the reminder scheduler")
                self._scheduler.pause()
            self._leading = leading
            if leading:
                self._scheduler.wakeup()
            self._stop.wait(HEARTBEAT_S if not leading else 1.0)

    def _try_lease(self) -> bool:
        now = time.time()
        try:
            with self._engine.begin() as db:
                taken = db.execute(
                    update(scheduler_leader)
                    .where(scheduler_leader.c.name == "reminders")
                    .where(
                        (scheduler_leader.c.holder == self._identity) | (scheduler_leader.c.expires_at < now)
                    )
                    .values(holder=self._identity, expires_at=now + LEASE_S)
                ).rowcount
                if taken:
                    return True
                exists = db.execute(
                    select(scheduler_leader.c.name).where(scheduler_leader.c.name == "reminders")
                ).first()
                if exists:
                    return False
                db.execute(
                    insert(scheduler_leader).values(
                        name="reminders", holder=self._identity, expires_at=now + LEASE_S
                    )
                )
                return True
        except IntegrityError:
            return False
        except Exception as error:
            log.warning("scheduler lease check failed: %s", type(error).__name__)
            return self._leading

    # -- jobs ------------------------------------------------------------------------------------

    def schedule(self, reminder: Reminder) -> datetime | None:
        """Persist the reminder's job; returns its next run (computed on the app's clock until the
        running scheduler has assigned one)."""
        trigger = trigger_for(reminder)
        job = self._scheduler.add_job(
            JOB_FUNCTION,
            trigger,
            args=[reminder.reminder_id],
            id=reminder.reminder_id,
            replace_existing=True,
            name=f"reminder {reminder.reminder_id}",
        )
        next_run: datetime | None = getattr(job, "next_run_time", None) or trigger.get_next_fire_time(
            None, self._clock.now()
        )
        if self._leading:
            self._scheduler.wakeup()
        return next_run

    def cancel(self, reminder_id: str) -> None:
        try:
            self._scheduler.remove_job(reminder_id)
        except Exception:  # already fired (one-off) or never scheduled
            log.info("no job to remove for reminder %s", reminder_id)

    def next_run(self, reminder_id: str) -> datetime | None:
        job = self._scheduler.get_job(reminder_id)
        next_run: datetime | None = getattr(job, "next_run_time", None) if job else None
        return next_run

    def _on_missed(self, event: JobExecutionEvent) -> None:
        if _report_missed is not None:
            _report_missed(str(event.job_id), event.scheduled_run_time)

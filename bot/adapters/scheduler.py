"""APScheduler 3 with a SQLAlchemy job store: persisted jobs call `fire_reminder(reminder_id)` only.

Only one process runs the scheduler at a time (`bot.adapters.leadership`: a lock freed when its
holder dies); the others keep the job store in paused mode so they can still add and remove jobs.
Deliveries are also claimed per (reminder, due time), so even two schedulers that overlap during a
hand-over post a reminder once.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import Engine

from bot.adapters import reminder_jobs
from bot.adapters.leadership import Leadership, leadership_for
from bot.adapters.schema import JOB_TABLE
from bot.adapters.triggers import trigger_for
from bot.domain.clock import Clock, SystemClock
from bot.domain.reminders import Reminder
from bot.domain.when import OneOff

log = logging.getLogger(__name__)

JOB_FUNCTION = "bot.adapters.reminder_jobs:fire_reminder"
# A standby tries to lead this often, so it takes over within seconds of the leader's lock being freed.
HEARTBEAT_S = 3.0
# The leader checks that it still holds the lock (and polls the job store) this often.
LEADER_CHECK_S = 1.0
# The leader runs housekeeping (purging old seen-event claims) this often while it runs.
HOUSEKEEPING_S = 3600.0

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
        leadership: Leadership | None = None,
        housekeeping: Callable[[], object] | None = None,
        active_reminders: Callable[[], Iterable[Reminder]] | None = None,
    ) -> None:
        self._clock = clock or SystemClock("UTC")
        global _report_missed
        reminder_jobs.register(deliver)
        _report_missed = report_missed
        self._engine = engine
        self._grace_s = grace_s
        self._identity = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
            job_defaults={"coalesce": True, "misfire_grace_time": grace_s, "max_instances": 1},
            timezone=ZoneInfo("UTC"),
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self._stop = threading.Event()
        self._leading = False
        self._thread: threading.Thread | None = None
        self._leadership = leadership or leadership_for(engine)
        self._housekeeping = housekeeping
        self._housekept_at: float | None = None
        self._active_reminders = active_reminders
        # Persisted jobs that are nobody's reminder (the weekly gaps digest): id → (function, trigger).
        self._standing_jobs: dict[str, tuple[str, BaseTrigger | None]] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._scheduler.start(paused=True)
        self._place_standing_jobs()
        self._thread = threading.Thread(target=self._lead_when_possible, name="scheduler-leader", daemon=True)
        self._thread.start()

    def shutdown(self, timeout: float = 5.0, hand_back: Callable[[], object] | None = None) -> bool:
        """Take no new jobs, let running ones finish within `timeout`, hand back what this process
        claimed but did not post, then step down; False if a job was still running."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=timeout)
        finished = True
        if self._scheduler.running:
            self._scheduler.pause()
            # APScheduler's own shutdown waits for running jobs without a limit.
            closer = threading.Thread(target=self._scheduler.shutdown, name="scheduler-stop", daemon=True)
            closer.start()
            closer.join(timeout)
            finished = not closer.is_alive()
            if not finished:
                log.warning("a reminder job was still running at shutdown")
        if hand_back is not None:
            try:
                hand_back()
            except Exception as error:
                log.warning("could not hand back claimed deliveries: %s", type(error).__name__)
        self._leadership.release()
        self._leading = False
        return finished

    @property
    def leading(self) -> bool:
        return self._leading

    def leader_known(self) -> bool | None:
        """For readiness: whether some process (this one or another) leads; None if not started here."""
        if self._thread is None or self._stop.is_set():
            return None
        if self._leading:
            return True
        try:
            return self._leadership.holder() is not None
        except Exception as error:
            log.info("cannot tell who leads: %s", type(error).__name__)
            return False

    def _lead_when_possible(self) -> None:
        """Lead while the lock is ours; poll the job store so jobs added by other processes fire on time."""
        while not self._stop.is_set():
            leading = self._try_lease()
            if leading and not self._leading:
                log.warning("this process now runs the reminder scheduler")
                self._realign_jobs()
                self._scheduler.resume()
            elif not leading and self._leading:
                log.warning("lost the scheduler lock; another process may run the reminders now")
                self._scheduler.pause()
            self._leading = leading
            if leading:
                self._scheduler.wakeup()
                self._housekeep()
            self._stop.wait(LEADER_CHECK_S if leading else HEARTBEAT_S)

    def _try_lease(self) -> bool:
        """Keep leading if the lock is still ours, else try to take it; never raises."""
        try:
            return self._leadership.still_held() if self._leading else self._leadership.try_acquire()
        except Exception as error:
            log.warning("scheduler leadership check failed: %s", type(error).__name__)
            return False

    def _realign_jobs(self) -> None:
        """Stored repeating jobs whose trigger an older version built differently (before issue 9, "every
        Friday … skip holidays" was stored as every day) get today's trigger, once, by the new leader."""
        if self._active_reminders is None:
            return
        try:
            for reminder in self._active_reminders():
                if isinstance(reminder.schedule, OneOff):
                    continue
                job = self._scheduler.get_job(reminder.reminder_id)
                if job is not None and repr(job.trigger) != repr(trigger_for(reminder)):
                    log.warning("reminder %s: its stored trigger is rebuilt", reminder.reminder_id)
                    self.schedule(reminder)
        except Exception as error:
            log.warning("could not check stored reminder jobs: %s", type(error).__name__)

    def _housekeep(self) -> None:
        """Only the leader purges, so replicas do not all scan the same tables every hour."""
        now = time.monotonic()
        if self._housekeeping is None or (
            self._housekept_at is not None and now - self._housekept_at < HOUSEKEEPING_S
        ):
            return
        self._housekept_at = now
        try:
            self._housekeeping()
        except Exception as error:
            log.warning("housekeeping failed: %s", type(error).__name__)

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

    def add_sweep(self, sweep: Callable[[], None], every_s: float) -> None:
        """Run `sweep` (due retries, deliveries whose process died) as soon as this process leads
        and every `every_s` while it does; an in-memory job, since every process adds its own."""
        with contextlib.suppress(ValueError):  # the store is there from an earlier call
            self._scheduler.add_jobstore(MemoryJobStore(), "local")
        self._scheduler.add_job(
            sweep,
            "interval",
            seconds=every_s,
            id="delivery-sweep",
            jobstore="local",
            replace_existing=True,
            next_run_time=SystemClock("UTC").now(),  # APScheduler waits on the machine's clock
            misfire_grace_time=None,
            coalesce=True,
        )

    def keep_job(self, job_id: str, function: str, trigger: BaseTrigger | None) -> None:
        """A persisted job calling `function(job_id)` (the weekly gaps digest), put in place at start.

        A stored job with the same trigger is left alone, so a restart never pushes a run that is due
        (or was missed while every process was down) to next week; None removes the job. It runs late
        rather than never (no misfire grace): whoever runs it decides whether that week is done.
        """
        self._standing_jobs[job_id] = (function, trigger)

    def _place_standing_jobs(self) -> None:
        for job_id, (function, trigger) in self._standing_jobs.items():
            try:
                job = self._scheduler.get_job(job_id)
                if trigger is None:
                    if job is not None:
                        self._scheduler.remove_job(job_id)
                elif job is None or repr(job.trigger) != repr(trigger) or job.func_ref != function:
                    self._scheduler.add_job(
                        function,
                        trigger,
                        args=[job_id],
                        id=job_id,
                        name=job_id,
                        replace_existing=True,
                        misfire_grace_time=None,
                        coalesce=True,
                    )
            except Exception as error:
                log.warning("could not put the %s job in place: %s", job_id, type(error).__name__)

    def next_run(self, reminder_id: str) -> datetime | None:
        job = self._scheduler.get_job(reminder_id)
        next_run: datetime | None = getattr(job, "next_run_time", None) if job else None
        return next_run

    def _on_missed(self, event: JobExecutionEvent) -> None:
        if _report_missed is not None:
            _report_missed(str(event.job_id), event.scheduled_run_time)

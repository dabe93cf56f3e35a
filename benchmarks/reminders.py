"""Reminder scheduling at scale, with the real APScheduler and SQLite job store.

    .venv/bin/python -m benchmarks.reminders [--reminders 10000] [--same-minute 500]

- time to schedule N reminders (stored, then added to the persistent job store);
- lateness (fire time minus due time) when M reminders fall due at the same moment, each claimed
  and marked sent in `reminder_deliveries` exactly as a real delivery is (the Slack post itself is
  not included);
- peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.speed import percentile
from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.database import make_engine
from bot.adapters.delivery_store import SqlDeliveries
from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.adapters.migrate import upgrade
from bot.adapters.reminder_store import SqlReminderStore
from bot.adapters.scheduler import ReminderScheduler
from bot.domain.clock import SystemClock
from bot.domain.reminders import Reminder
from bot.domain.when import OneOff, Recurring
from bot.services.reminder_delivery import ReminderDelivery, RetryPolicy

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Shanghai")
# Lateness is measured on the machine's clock, the one APScheduler waits on.
CLOCK = SystemClock("Asia/Shanghai")


def run(count: int, same_minute: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'state.sqlite3'}")
        upgrade(engine)
        store = SqlReminderStore(engine)
        delivery = ReminderDelivery(
            store,
            SqlDeliveries(engine),
            SqlChecklistStore(engine),
            ChinaWorkCalendar.from_file(Path(scratch) / "holidays.toml"),
            CLOCK,
            list,
            RetryPolicy(),
        )
        due_at: dict[str, datetime] = {}
        lateness: list[float] = []
        finished = threading.Event()
        lock = threading.Lock()

        def deliver(reminder_id: str, _scheduled: datetime | None) -> None:
            fired = CLOCK.now()
            if reminder_id not in due_at:
                return
            claimed = delivery.claim_due(reminder_id)  # the real claim row, as production takes it
            if claimed is None:
                return
            delivery.delivered(claimed)
            due = claimed.due
            with lock:
                lateness.append((fired - due).total_seconds())
                if len(lateness) >= same_minute:
                    finished.set()

        scheduler = ReminderScheduler(engine, deliver, lambda *_: None)
        scheduler.start()
        while not scheduler.leading:
            time.sleep(0.1)
        now = CLOCK.now()
        started = time.perf_counter()
        for index in range(count):
            # Far-future reminders, weekly and one-off, as a team's backlog would be.
            schedule = (
                Recurring(frozenset({index % 5}), datetime.min.time().replace(hour=9 + index % 8))
                if index % 2
                else OneOff(now + timedelta(days=30 + index % 300))
            )
            reminder = Reminder(uuid.uuid4().hex[:12], "C1", f"提醒 {index}", "U1", "Asia/Shanghai", schedule)
            store.add(reminder)
            scheduler.schedule(reminder)
        schedule_s = time.perf_counter() - started

        due = (CLOCK.now() + timedelta(seconds=20)).replace(microsecond=0)
        for index in range(same_minute):
            reminder = Reminder(
                uuid.uuid4().hex[:12], "C1", f"同一时刻 {index}", "U1", "Asia/Shanghai", OneOff(due)
            )
            due_at[reminder.reminder_id] = due
            store.add(reminder)
            scheduler.schedule(reminder)
        finished.wait(timeout=max(60.0, (due - CLOCK.now()).total_seconds() + 60))
        scheduler.shutdown()
        engine.dispose()
    return {
        "reminders_scheduled": count,
        "schedule_seconds": round(schedule_s, 1),
        "per_reminder_ms": round(1000 * schedule_s / count, 2),
        "same_moment": same_minute,
        "fired": len(lateness),
        "lateness_p50_s": round(percentile(lateness, 0.5), 3) if lateness else None,
        "lateness_p99_s": round(percentile(lateness, 0.99), 3) if lateness else None,
        "lateness_max_s": round(max(lateness), 3) if lateness else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="reminder scheduling at scale")
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--same-minute", type=int, default=500)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "reminders.json")
    args = parser.parse_args()
    results = run(args.reminders, args.same_minute)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

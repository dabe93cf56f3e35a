"""The morning at scale: nudges (one DM per owner) and the channel digest over a big state database.

    .venv/bin/python -m benchmarks.nudges [--campaigns 1000] [--items 20] [--owners 200] [--postgres]

On a frozen Friday 10:00 (Shanghai) with 1,000 campaigns × 20 items and 200 owners (most in
Shanghai, some in New York and Kolkata), it measures with the real SQL stores and delivery claims:
- computing the nudges (the one open-items query, grouping per owner, each owner's local morning);
- the whole run (claim, post, mark sent per owner), with a poster that counts instead of calling
  Slack, so the figure is opsbot's own work; and the same run again in a new process the same day
  (every claim refused: nothing posted);
- the Slack calls a run makes: chat.postMessage per DM, users.info per owner's time zone (cached);
- the channel morning digest (bot/services/morning_digest.py), composed and run the same way.
`--postgres` runs it on a database of its own on OPSBOT_TEST_DATABASE_URL's server as well.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from benchmarks.workspace import OpenWorkspace
from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.database import make_engine
from bot.adapters.delivery_store import SqlDeliveries
from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.adapters.migrate import upgrade
from bot.adapters.nudge_optout_store import SqlNudgeOptouts
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.clock import FixedClock
from bot.domain.nudges import Nudge
from bot.services.nudges import MorningNudges

ROOT = Path(__file__).resolve().parent.parent
FRIDAY_10 = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CALENDAR = ChinaWorkCalendar()


class CountingPeople(OpenWorkspace):
    """Slack's users.info as the nudges use it: every time-zone lookup counted."""

    def __init__(self, zones: dict[str, str]) -> None:
        self.zones = zones
        self.lookups = 0

    def timezone_of(self, user: str) -> str | None:
        self.lookups += 1
        return self.zones.get(user)


class CountingPoster:
    """Stands in for chat.postMessage: one call per DM or digest, counted, nothing sent."""

    def __init__(self) -> None:
        self.calls = 0
        self.items = 0

    def post_nudge(self, nudge: Nudge) -> None:
        self.calls += 1
        self.items += len(nudge.items)

    def post_morning_digest(self, digest: object) -> None:
        self.calls += 1


def owner_zones(owners: int) -> dict[str, str]:
    """One owner in ten in New York, one in ten in Kolkata, the rest in Shanghai."""
    zones = {}
    for n in range(owners):
        zone = {0: "America/New_York", 1: "Asia/Kolkata"}.get(n % 10, "Asia/Shanghai")
        zones[f"U{n:08d}"] = zone
    return zones


def seed(engine: Engine, campaigns: int, items: int, owners: int) -> None:
    """Campaigns in 100 channels; due dates from two weeks ago to three weeks ahead; a tenth ticked."""
    store = SqlChecklistStore(engine)
    start = FRIDAY_10.date() - timedelta(days=14)
    for c in range(campaigns):
        rows = [
            ChecklistItem(
                f"i{n}",
                f"事项 {c}-{n}:与各部门确认资源与排期",
                start + timedelta(days=(c + n) % 35),
                None,
                f"U{(c * items + n) % owners:08d}",
                done=(c + n) % 10 == 0,
            )
            for n in range(items)
        ]
        campaign = Campaign(uuid.uuid4().hex[:10], f"活动 {c}", "acquisition", "用户拉新", None, None)
        store.save(Checklist(campaign, [Stage("s", "阶段", rows)]), channel=f"C{c % 100:08d}")


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return round(time.perf_counter() - started, 3), result


def nudges_on(engine: Engine, people: CountingPeople, poster: CountingPoster) -> MorningNudges:
    return MorningNudges(
        SqlChecklistStore(engine),
        SqlNudgeOptouts(engine),
        SqlDeliveries(engine),
        people,
        CALENDAR,
        FixedClock(FRIDAY_10),
        poster,
        "Asia/Shanghai",
    )


def morning_digest_figures(engine: Engine) -> dict[str, Any] | None:
    """The channel morning digest, timed the same way; None where this build has none."""
    try:
        from bot.services.morning_digest import MorningDigest
    except ImportError:
        return None
    poster = CountingPoster()
    digest = MorningDigest(
        SqlChecklistStore(engine), SqlDeliveries(engine), FixedClock(FRIDAY_10), CALENDAR, poster
    )
    compose_s, composed = timed(lambda: digest.compose_all(FRIDAY_10.date()))
    run_s, posted = timed(digest.run)
    return {
        "compose_seconds": compose_s,
        "channels": len(composed),
        "run_seconds": run_s,
        "posted": posted,
        "slack_calls": poster.calls,
    }


def measure(engine: Engine, campaigns: int, items: int, owners: int) -> dict[str, Any]:
    upgrade(engine)
    seed_s, _ = timed(lambda: seed(engine, campaigns, items, owners))
    people, poster = CountingPeople(owner_zones(owners)), CountingPoster()
    nudges = nudges_on(engine, people, poster)
    compute_s, due = timed(nudges.due_nudges)
    lookups_first = people.lookups
    compute_again_s, _ = timed(nudges.due_nudges)  # zones cached: the quarter-hourly cost
    run_s, posted = timed(nudges.run)
    # Baseline in the same run: what a per-owner design costs, one query per owner and one DM per item.
    store, day = SqlChecklistStore(engine), FRIDAY_10.date()
    per_owner_s, _ = timed(lambda: [store.open_items(owner=o, due_by=day) for o in owner_zones(owners)])
    restarted = nudges_on(engine, CountingPeople(owner_zones(owners)), CountingPoster())
    restart_s, again = timed(restarted.run)
    return {
        "campaigns": campaigns,
        "items": campaigns * items,
        "owners": owners,
        "seed_seconds": seed_s,
        "compute_seconds": compute_s,
        "compute_cached_zones_seconds": compute_again_s,
        "owners_due": len(due),
        "items_listed": sum(len(n.items) for n in due),
        "run_seconds": run_s,
        "dms_posted": posted,
        "slack_calls": {"chat.postMessage": poster.calls, "users.info": lookups_first},
        "baseline_query_per_owner_seconds": per_owner_s,
        "baseline_dm_per_item_calls": sum(len(n.items) for n in due),
        "restart_same_day_run_seconds": restart_s,
        "restart_same_day_posted": again,
        "morning_digest": morning_digest_figures(engine),
    }


@contextmanager
def own_postgres(server: str) -> Iterator[str]:
    """A database of the benchmark's own on the server, dropped afterwards."""
    name = f"opsbot_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(campaigns: int, items: int, owners: int, postgres: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"at": FRIDAY_10.isoformat()}
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'state.sqlite3'}")
        results["sqlite"] = measure(engine, campaigns, items, owners)
        engine.dispose()
    server = os.environ.get("OPSBOT_TEST_DATABASE_URL", "")
    if postgres and server:
        with own_postgres(server) as url:
            engine = make_engine(url)
            results["postgresql"] = measure(engine, campaigns, items, owners)
            engine.dispose()
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| database | compute s | baseline: query per owner s | run s | DMs | baseline: DM per item |"
        " users.info | restart run s | digest compose s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("sqlite", "postgresql"):
        r = results.get(name)
        if r is None:
            continue
        digest = r["morning_digest"] or {}
        lines.append(
            f"| {name} | {r['compute_seconds']} | {r['baseline_query_per_owner_seconds']} |"
            f" {r['run_seconds']} | {r['dms_posted']} | {r['baseline_dm_per_item_calls']} |"
            f" {r['slack_calls']['users.info']} | {r['restart_same_day_run_seconds']} |"
            f" {digest.get('compose_seconds', '–')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="morning nudges and digest at scale")
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--owners", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="also on OPSBOT_TEST_DATABASE_URL's server")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "nudges.json")
    args = parser.parse_args()
    results = run(args.campaigns, args.items, args.owners, args.postgres)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(markdown(results))


if __name__ == "__main__":
    main()

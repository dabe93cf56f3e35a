"""What the foundation costs at start-up and per checklist, beside what it replaced.

    .venv/bin/python -m benchmarks.foundation [--repeat 7]

- state database at start: `upgrade()` on a new SQLite file, on an already current one (every
  `opsbot serve` start after the first), and on the previous release's database
  (tests/fixtures/legacy); baseline: `metadata.create_all`, what start-up ran before migrations;
- drafting a checklist (template validated, holiday calendar, due dates placed): a 2026 launch, a
  2027 launch counted Monday–Friday, and a short-notice launch that compresses the plan;
  baseline: reading and parsing the template file alone, which the old drafter did on every draft.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.adapters.database import make_engine
from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.adapters.migrate import upgrade
from bot.adapters.schema import metadata
from bot.container import PROMPTS_DIR
from bot.domain.drafting import ChecklistDrafter

ROOT = Path(__file__).resolve().parent.parent
LEGACY = ROOT / "tests" / "fixtures" / "legacy" / "main-782b98a.sqlite3"
TODAY = date(2026, 11, 25)


class NoPlaybook:
    """Sections are looked up in the index in production; left out so only the drafting is timed."""

    def section(self, tail: str) -> tuple[str, list[str]] | None:
        return None


def timed(action: Callable[[Path], object], repeat: int) -> list[float]:
    """Milliseconds for each run, each in a fresh scratch directory."""
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as scratch:
            start = time.perf_counter()
            action(Path(scratch))
            times.append((time.perf_counter() - start) * 1000)
    return times


def _upgrade_new(scratch: Path) -> None:
    upgrade(make_engine(f"sqlite:///{scratch / 'new.sqlite3'}"))


def _create_all(scratch: Path) -> None:
    metadata.create_all(make_engine(f"sqlite:///{scratch / 'new.sqlite3'}"))


def _upgrade_legacy(scratch: Path) -> None:
    copy = scratch / "legacy.sqlite3"
    shutil.copy(LEGACY, copy)
    upgrade(make_engine(f"sqlite:///{copy}"))


def database_figures(repeat: int) -> dict[str, float]:
    current = Path(tempfile.mkdtemp()) / "current.sqlite3"
    upgrade(make_engine(f"sqlite:///{current}"))
    runs = {
        "baseline create_all, new database": timed(_create_all, repeat),
        "upgrade, new database": timed(_upgrade_new, repeat),
        "upgrade, database already current": timed(
            lambda _: upgrade(make_engine(f"sqlite:///{current}")), repeat
        ),
        "upgrade, previous release's database": timed(_upgrade_legacy, repeat),
    }
    return {name: round(statistics.median(values), 1) for name, values in runs.items()}


def drafting_figures(repeat: int) -> dict[str, float]:
    drafter = ChecklistDrafter(
        PROMPTS_DIR / "checklist.toml", NoPlaybook(), ChinaWorkCalendar(), lambda: TODAY
    )
    cases: dict[str, Callable[[], object]] = {
        "baseline: read and parse the template": lambda: tomllib.loads(
            (PROMPTS_DIR / "checklist.toml").read_text(encoding="utf-8")
        ),
        "draft, launch 2026-12-12": lambda: drafter.draft(
            "双十二拉新活动", date(2026, 12, 12), date(2026, 12, 14)
        ),
        "draft, launch 2027-02-01 (Monday–Friday)": lambda: drafter.draft(
            "春节拉新活动", date(2027, 2, 1), date(2027, 2, 3)
        ),
        "draft, launch in 4 days (compressed)": lambda: drafter.draft("急活动", date(2026, 11, 29), None),
    }
    figures = {}
    for name, case in cases.items():
        times = []
        for _ in range(repeat * 20):
            start = time.perf_counter()
            case()
            times.append((time.perf_counter() - start) * 1000)
        figures[name] = round(statistics.median(times), 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    results: dict[str, Any] = {
        "state database, median ms": database_figures(args.repeat),
        "checklist drafting, median ms": drafting_figures(args.repeat),
    }
    out = ROOT / "benchmarks" / "results" / "foundation.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

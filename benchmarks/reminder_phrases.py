"""Reminder phrases read correctly, refused or read WRONGLY, per language: the parser now and at git HEAD.

    python benchmarks/reminder_phrases.py benchmarks/reminder_phrases/dev.jsonl

Each line of the JSONL file is {"id", "lang", "phrase", "now", "tz", "expect": {"kind", "next", "text",
"workdays_only"}}, with kind "refuse" for phrases that must be refused. A phrase starts with its target
as `/ops remind` takes it (`me to …`); that word is dropped, as the command does. A reading is correct
when kind, the next firings (as instants), the text and workdays_only all match; reading something
wrongly is worse than refusing, so WRONG is counted apart. The baseline parser (`--baseline`, default
1cbccf3, the last one before issue 12; later revisions store rules this loader does not read) is loaded with `git show <rev>:bot/domain/<file>` into a
temporary package (read-only git), so both are measured in one run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Reading = dict[str, Any]


def _strip_target(phrase: str) -> str:
    """`/ops remind me …`: the first word is where the reminder goes, not part of the time."""
    first, _, rest = phrase.strip().partition(" ")
    return rest if first.lower() in ("me", "here", "我") or first.startswith("<#") else phrase


def _firings_of_head(schedule: Any, now: datetime, is_workday: Callable[[date], bool]) -> list[datetime]:
    """HEAD's schedules had weekdays and a time only; the next three as its trigger and delivery fired."""
    from bot.domain.recurrence import Recurring, next_firings

    if hasattr(schedule, "weekdays"):
        return next_firings(
            Recurring(schedule.weekdays, schedule.at, schedule.workdays_only), now, is_workday
        )
    return [schedule.at]


def read_new(phrase: str, now: datetime, is_workday: Callable[[date], bool]) -> Reading:
    from bot.domain.recurrence import OneOff, next_firings
    from bot.domain.when import InvalidWhen, parse_reminder

    try:
        parsed = parse_reminder(_strip_target(phrase), now)
    except InvalidWhen:
        return {"kind": "refuse"}
    schedule = parsed.schedule
    return {
        "kind": "once" if isinstance(schedule, OneOff) else "recurring",
        "next": next_firings(schedule, now, is_workday),
        "text": parsed.text,
        "workdays_only": not isinstance(schedule, OneOff) and schedule.workdays_only,
    }


def head_reader(revision: str = "HEAD") -> Callable[[str, datetime, Callable[[date], bool]], Reading]:
    """The parser as committed at `revision`, imported from a temporary copy under another package name."""
    folder = Path(tempfile.mkdtemp(prefix="opsbot-head-"))
    package = folder / "headbot"
    listed = subprocess.run(
        ["git", "ls-tree", "--name-only", revision, "bot/domain/"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in (
        path for path in listed if path.endswith(".py")
    ):  # the parser and what it imports, unchanged
        source = subprocess.run(
            ["git", "show", f"{revision}:{name}"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        target = package / Path(name).relative_to("bot")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.replace("from bot.", "from headbot."), encoding="utf-8")
    for init in (package / "__init__.py", package / "domain" / "__init__.py"):
        init.write_text("", encoding="utf-8")
    sys.path.insert(0, str(folder))
    when: ModuleType = importlib.import_module("headbot.domain.when")

    def read(phrase: str, now: datetime, is_workday: Callable[[date], bool]) -> Reading:
        try:
            parsed = when.parse_reminder(_strip_target(phrase), now)
        except when.InvalidWhen:
            return {"kind": "refuse"}
        except Exception:  # HEAD crashing on a phrase counts as refusing it, not as a reading
            return {"kind": "refuse"}
        once = isinstance(parsed.schedule, when.OneOff)
        return {
            "kind": "once" if once else "recurring",
            "next": _firings_of_head(parsed.schedule, now, is_workday),
            "text": parsed.text,
            "workdays_only": not once and parsed.schedule.workdays_only,
        }

    return read


def verdict(expected: Reading, got: Reading) -> str:
    if got["kind"] == "refuse":
        return "correct" if expected["kind"] == "refuse" else "refused"
    if expected["kind"] == "refuse":
        return "WRONG"
    same_times = [moment.timestamp() for moment in got["next"]] == [
        datetime.fromisoformat(moment).timestamp() for moment in expected["next"]
    ]
    same = (
        got["kind"] == expected["kind"]
        and same_times
        and got["text"] == expected["text"]
        and bool(got["workdays_only"]) == bool(expected.get("workdays_only", False))
    )
    return "correct" if same else "WRONG"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("phrases", type=Path, help="a JSONL file of phrases")
    parser.add_argument("--show", action="store_true", help="print every phrase the new parser does not read")
    parser.add_argument(
        "--baseline",
        default="1cbccf3",
        help="the git revision whose parser is the baseline (default 1cbccf3)",
    )
    args = parser.parse_args(argv)
    from bot.adapters.holiday_calendar import ChinaWorkCalendar

    calendar = ChinaWorkCalendar()
    readers = {"new": read_new, args.baseline[:10]: head_reader(args.baseline)}
    counts: dict[str, Counter[tuple[str, str]]] = {name: Counter() for name in readers}
    for line in args.phrases.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        now = datetime.fromisoformat(case["now"]).replace(tzinfo=ZoneInfo(case["tz"]))
        for name, read in readers.items():
            got = read(case["phrase"], now, calendar.is_workday)
            outcome = verdict(case["expect"], got)
            counts[name][(case["lang"], outcome)] += 1
            if args.show and name == "new" and outcome != "correct":
                shown = {**got, "next": [moment.isoformat() for moment in got.get("next", [])]}
                print(
                    f"{outcome:8} {case['id']} {case['phrase']!r}\n         got {shown}\n         want {case['expect']}"
                )
    languages = sorted({lang for counter in counts.values() for lang, _ in counter})
    print(f"{'parser':10} {'lang':4} {'correct':>7} {'refused':>7} {'WRONG':>5} {'total':>5}")
    for name, counter in counts.items():
        for lang in languages:
            row = [counter[(lang, outcome)] for outcome in ("correct", "refused", "WRONG")]
            print(f"{name:10} {lang:4} {row[0]:7} {row[1]:7} {row[2]:5} {sum(row):5}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

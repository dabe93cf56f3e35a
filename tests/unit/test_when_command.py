"""`opsbot when`: what a reminder phrase would do, as JSON, loading only the parser and the calendar."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.domain.clock import FixedClock
from tests.unit.test_services import reminder_service

ROOT = Path(__file__).resolve().parents[2]


def test_a_recurring_phrase_prints_its_next_three_firings(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "when",
            "me to submit the report at 3pm every day",
            "--now",
            "2026-11-25T10:00",
            "--tz",
            "Asia/Shanghai",
            "--json",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {
        "kind": "recurring",
        "next": ["2026-11-25T15:00:00+08:00", "2026-11-26T15:00:00+08:00", "2026-11-27T15:00:00+08:00"],
        "rule": "RRULE:FREQ=DAILY;BYHOUR=15;BYMINUTE=0;BYSECOND=0",
        "workdays_only": False,
        "text": "submit the report",
    }


def test_a_one_off_in_a_half_hour_zone(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["when", "今晚9点 提醒我开会", "--now", "2026-11-25T18:00", "--tz", "Asia/Kolkata", "--json"])
        == 0
    )
    reading = json.loads(capsys.readouterr().out)
    assert reading == {
        "kind": "once",
        "next": ["2026-11-25T21:00:00+05:30"],
        "rule": None,
        "workdays_only": False,
        "text": "开会",
    }


def test_working_days_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["when", "每月最后一个工作日下午4点 提醒我提交工时", "--now", "2026-06-05T10:00", "--json"]) == 0
    )
    reading = json.loads(capsys.readouterr().out)
    assert reading["workdays_only"] is True and reading["next"][0] == "2026-06-30T16:00:00+08:00"
    assert "BYSETPOS=-1" in reading["rule"]


def test_a_refusal_exits_2_with_the_reason_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", "me to call mom at 13pm", "--now", "2026-11-25T10:00", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "not a valid time" in captured.err


def test_the_slack_confirmation_shows_the_same_firings() -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    service, _, _ = reminder_service(FixedClock(now))
    created = service.create("me every other Tuesday at 9am physio", "U1", "C1")
    assert [moment.isoformat() for moment in created.upcoming] == [
        "2026-12-01T09:00:00+08:00",
        "2026-12-15T09:00:00+08:00",
        "2026-12-29T09:00:00+08:00",
    ]


def test_it_loads_no_slack_vector_store_llm_or_database_module() -> None:
    """`python -X importtime`: the command imports the parser and the calendar, nothing heavy."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))",
         "when", "每天上午9点 站会", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    modules = {line.split("|")[-1].strip().split(".")[0] for line in run.stderr.splitlines() if "|" in line}
    assert run.returncode == 0, run.stderr[-500:]
    assert not modules & {
        "chromadb",
        "langchain",
        "langchain_core",
        "slack_sdk",
        "slack_bolt",
        "sqlalchemy",
        "apscheduler",
    }

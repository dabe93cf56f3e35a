"""Two opsbot processes fire the morning-nudges job at the same moment on one PostgreSQL database:
each owner is DMed once. Each process is wired by `bootstrap_slack`, as `opsbot serve` wires it, on a
frozen clock (OPSBOT_NOW), and both talk to one fake Slack."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.adapters.checklist_store import SqlChecklistStore
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack.fake_slack import FakeSlack
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
OWNERS = [f"U0OWN{n:03d}" for n in range(40)]
LATE_OWNER = "U0DELHI"  # 07:30 in Kolkata at 10:00 in Shanghai: not yet
FRIDAY = date(2026, 12, 4)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def seed(engine: Engine) -> None:
    """Three campaigns whose items, due today or overdue, are spread over 40 owners and one in Kolkata."""
    store = SqlChecklistStore(engine)
    for c in range(3):
        items = [
            ChecklistItem(f"i{n}", f"事项 {c}-{n}", date(2026, 12, 4 - n % 3), None, owner)
            for n, owner in enumerate([*OWNERS, LATE_OWNER])
        ]
        campaign = Campaign(f"camp{c:06d}", f"活动{c}", "acquisition", "用户拉新", None, None)
        store.save(Checklist(campaign, [Stage("s", "阶段", items)]), channel="C0CAMPAIGN")


def launch(settings_dir: Path, engine: Engine, slack: FakeSlack, go: Path) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "OPSBOT_DATA_DIR": str(settings_dir),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": slack.api_url,
        "OPSBOT_EMBEDDER": "hashing",
        "OPSBOT_NOW": "2026-12-04T10:00:00+08:00",
    }
    log = (settings_dir.parent / f"{settings_dir.name}.log").open("ab")
    with log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.test_two_processes_nudges", str(go), str(settings_dir)],
            env=environment,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def test_two_processes_firing_the_job_at_once_dm_each_owner_once(
    postgres_engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    seed(postgres_engine)
    fake_slack.time_zones[LATE_OWNER] = "Asia/Kolkata"
    go = tmp_path / "go"
    processes = [launch(tmp_path / name, postgres_engine, fake_slack, go) for name in ("one", "two")]
    ready = [tmp_path / name / "ready" for name in ("one", "two")]
    assert wait_until(lambda: all(r.exists() for r in ready), timeout=120), [
        (tmp_path / f"{n}.log").read_text() for n in ("one", "two")
    ]
    go.touch()
    for process in processes:
        assert process.wait(timeout=120) == 0, (tmp_path / "one.log").read_text()
    dms = [c.params["channel"] for c in fake_slack.called("chat.postMessage")]
    assert sorted(dms) == sorted(OWNERS)
    one = next(c.params for c in fake_slack.called("chat.postMessage"))
    assert "3" in one["text"] and len([b for b in one["blocks"] if "accessory" in b]) == 3


def _fire_when_told(go: Path, data_dir: Path) -> None:
    """The child: wired like `opsbot serve`, ready, then fires the job the moment `go` appears."""
    from bot.adapters import campaign_jobs
    from bot.container import bootstrap, bootstrap_slack
    from bot.services.nudges import NUDGE_JOB_ID
    from bot.settings import Settings
    from bot.slack.config import slack_credentials

    settings = Settings(knowledge_dir=REPO / "knowledge")
    bootstrap_slack(bootstrap(settings), slack_credentials(settings))
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "ready").touch()
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)  # a tight poll, so both processes start within a millisecond or two
    campaign_jobs.fire(NUDGE_JOB_ID)


if __name__ == "__main__":
    _fire_when_told(Path(sys.argv[1]), Path(sys.argv[2]))

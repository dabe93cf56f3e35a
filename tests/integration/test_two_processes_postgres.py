"""Two `opsbot serve` replicas on one PostgreSQL database: the scheduler leader dies or is stopped.

Each replica has its own data directory, as on two hosts; they share only the database and Slack.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.adapters.leadership import AdvisoryLockLeadership, Leadership
from bot.settings import Settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.review_modal import FORM, campaign_with_a_review, open_review, review_submission
from tests.slack.test_reminders import delivered_and_done, reminder_id_in, reminder_posts
from tests.slack.test_shutdown import STOP_WITHIN_S, Served, leads, serving_all
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

TAKE_OVER_WITHIN_S = 15.0


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    return postgres_engine


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def replicas(settings: Settings, tmp_path: Path) -> list[tuple[Settings, Path]]:
    return [
        (settings.model_copy(update={"data_dir": tmp_path / name}), tmp_path / f"{name}.log")
        for name in ("one", "two")
    ]


def database_env(engine: Engine) -> dict[str, str]:
    return {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}


def leader_and_standby(leadership: Leadership, processes: list[Served]) -> tuple[Served, Served]:
    assert wait_until(lambda: any(leads(leadership, p)() for p in processes), timeout=10), "no leader"
    leader = next(p for p in processes if leads(leadership, p)())
    return leader, next(p for p in processes if p is not leader)


def posted(slack: FakeSlack, text: str) -> Callable[[], bool]:
    return lambda: bool(reminder_posts(slack, text))


def remind(served: Served, slack: FakeSlack, settings: Settings, text: str, response: str) -> str:
    """`/ops remind here …` through one replica; the new reminder's id."""
    assert served.client(slack, settings).command(f"remind here {text}", response=response).status == 200
    assert slack.wait_for(lambda: bool(slack.responses(response)))
    return reminder_id_in(slack.responses(response)[0]["text"])


def test_kill_minus_9_of_the_leader_hands_the_reminders_over_once(
    engine: Engine, settings: Settings, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    leadership = AdvisoryLockLeadership(engine, "reminder-scheduler")
    with serving_all(replicas(settings, tmp_path), fake_slack, **database_env(engine)) as processes:
        leader, standby = leader_and_standby(leadership, processes)
        in_the_gap = remind(standby, fake_slack, settings, "in 3 seconds 没有主进程时到期", "gap")
        after = remind(leader, fake_slack, settings, "in 14 seconds 新主进程接手后到期", "after")
        killed_at = time.monotonic()
        os.kill(leader.process.pid, signal.SIGKILL)
        leader.process.wait()
        assert wait_until(leads(leadership, standby), timeout=TAKE_OVER_WITHIN_S)
        assert time.monotonic() - killed_at < TAKE_OVER_WITHIN_S
        for reminder_id, text in ((in_the_gap, "没有主进程时到期"), (after, "新主进程接手后到期")):
            assert fake_slack.wait_for(posted(fake_slack, text), timeout=30)
            assert wait_until(delivered_and_done(engine, reminder_id), timeout=20)
            assert len(reminder_posts(fake_slack, text)) == 1, text


def test_sigterm_of_the_leader_hands_over_with_nothing_twice_and_nothing_lost(
    engine: Engine, settings: Settings, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    leadership = AdvisoryLockLeadership(engine, "reminder-scheduler")
    with serving_all(replicas(settings, tmp_path), fake_slack, **database_env(engine)) as processes:
        leader, standby = leader_and_standby(leadership, processes)
        texts = {
            f"交接第{n}条": remind(
                standby, fake_slack, settings, f"in {2 * n + 2} seconds 交接第{n}条", f"h{n}"
            )
            for n in range(1, 6)
        }
        took = leader.stop()
        assert leader.process.returncode == 0, leader.log.read_text()
        assert took < STOP_WITHIN_S
        assert wait_until(leads(leadership, standby), timeout=5), "the standby did not take over"
        for text, reminder_id in texts.items():
            assert fake_slack.wait_for(posted(fake_slack, text), timeout=30), text
            assert wait_until(delivered_and_done(engine, reminder_id), timeout=20)
        assert {text: len(reminder_posts(fake_slack, text)) for text in texts} == dict.fromkeys(texts, 1)


def test_a_review_saved_through_one_replica_is_cited_by_the_other_within_10_seconds(
    engine: Engine, settings: Settings, fake_slack: FakeSlack, tmp_path: Path, chroma_server: int
) -> None:
    shared = {**database_env(engine), "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server)}
    with serving_all(replicas(settings, tmp_path), fake_slack, **shared) as (one, two):
        lessons = "复盘教训:地推物料没有提前确认,渠道投放开始得太晚,下次提前两周锁定资源。"
        writer = one.client(fake_slack, settings)
        view = open_review(writer, campaign_with_a_review(writer, engine))
        assert writer.post(review_submission(view, {-1: lessons}), FORM).status == 200
        sources = SqlKnowledgeSources(engine)
        assert wait_until(lambda: bool(sources.all()), timeout=30), one.log.read_text()
        saved_at = time.monotonic()

        asked = 0

        def cited_by_the_other() -> bool:
            nonlocal asked
            asked += 1
            name = f"ask{asked}"
            two.client(fake_slack, settings).command("ask 双十二拉新活动复盘有什么教训?", response=name)
            if not fake_slack.wait_for(lambda: bool(fake_slack.responses(name)), timeout=5):
                return False
            reply = json.dumps(fake_slack.responses(name)[-1], ensure_ascii=False)
            return "复盘 · 双十二拉新活动" in reply and "地推物料" in reply

        assert wait_until(cited_by_the_other, timeout=10), two.log.read_text()[-3000:]
        assert time.monotonic() - saved_at < 10

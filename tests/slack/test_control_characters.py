"""Text with NUL and other control bytes, through the real app on PostgreSQL (which refuses NUL in text)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.adapters.database import make_engine
from bot.adapters.migrate import upgrade
from bot.adapters.schema import campaigns, reminders
from bot.domain.clock import FixedClock
from bot.domain.spaces import without_control_characters
from bot.settings import Settings
from tests.postgres import own_postgres_database
from tests.slack.conftest import RunningBot, running_bot
from tests.slack.fake_slack import FakeSlack


def test_control_characters_are_dropped_and_everything_else_kept() -> None:
    assert without_control_characters("a\x00b\x07c\x1b[31m\x7f") == "abc[31m"
    assert without_control_characters("行1\n行2\t\r\n") == "行1\n行2\t\r\n"
    assert without_control_characters("x\ud800y") == "xy"
    assert without_control_characters("双十二 🎉 <!channel>") == "双十二 🎉 <!channel>"


@pytest.fixture
def postgres_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    with own_postgres_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        with running_bot(slack_settings.model_copy(update={"database_url": url}), fake_slack, clock) as bot:
            yield bot


def test_a_nul_byte_in_a_checklist_and_a_reminder_is_stored_without_it(postgres_bot: RunningBot) -> None:
    bot = postgres_bot
    reply = bot.command("checklist 双十二\x00拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    assert reply.status == 200 and "生成活动清单" in reply.json()["text"]
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postMessage")))

    reply = bot.command("remind here 明天上午9点 交\x00周报\x07", response="rm")
    assert reply.status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("rm")))
    assert "✔" in bot.slack.responses("rm")[0]["text"]

    engine = make_engine(bot.settings.database)
    with engine.connect() as db:
        assert db.execute(select(campaigns.c.name)).scalar_one() == "双十二拉新活动"
        texts = db.execute(select(reminders.c.text).where(reminders.c.creator == "U0ALICE")).scalars().all()
        assert "交周报" in texts and not any("\x00" in text for text in texts)
    engine.dispose()

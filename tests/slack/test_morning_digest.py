"""The morning digest through the real app on the frozen clock: a persisted daily job, one post per
campaign channel and working day (not again after a second run or a restart), none on a weekend or in
a channel with nothing due, and a post Slack failed with a 5xx retried exactly once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.adapters import campaign_jobs
from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.delivery_store import SqlDeliveries
from bot.domain.clock import FixedClock
from bot.jobs import schedule_morning_digest
from bot.services.morning_digest import MORNING_JOB_ID, MorningDigest
from bot.slack.app import make_web_client
from bot.slack.config import slack_credentials
from tests.slack.conftest import RunningBot, running_bot
from tests.slack.test_checklists import post_checklist
from tests.slack.test_item_owners import LATER, post_checklist_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def digests_in(bot: RunningBot, channel: str) -> list[dict[str, Any]]:
    return [
        c.params
        for c in bot.slack.called("chat.postMessage")
        if c.params.get("channel") == channel and "Good morning" in str(c.params.get("text"))
    ]


def set_day(clock: FixedClock, day: str) -> None:
    clock.set(datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=SHANGHAI))


def leader_digest(bot: RunningBot, clock: FixedClock) -> MorningDigest:
    """The digest as the scheduler's leader (another process on the same database) runs it."""
    settings = bot.settings
    client = make_web_client(slack_credentials(settings), settings.slack_api_url, settings.slack_timeout_s)
    engine = bot.runtime.engine
    return schedule_morning_digest(
        settings,
        SqlChecklistStore(engine),
        SqlDeliveries(engine),
        bot.runtime.scheduler,
        bot.container.calendar,
        clock,
        client,
    )


def test_the_digest_is_a_persisted_daily_job(bot: RunningBot) -> None:
    bot.runtime.scheduler.start()
    with bot.runtime.engine.connect() as db:
        stored = db.execute(text("SELECT id FROM apscheduler_jobs WHERE id = :id"), {"id": MORNING_JOB_ID})
        assert stored.first() is not None


def test_each_due_channel_gets_one_digest_a_working_day_and_a_quiet_one_none(
    bot: RunningBot, clock: FixedClock
) -> None:
    post_checklist(bot)  # 双十二: first items due Thursday 11/26 and Friday 11/27
    post_checklist_in(bot, "C0QUIET", LATER)  # nothing due before January
    set_day(clock, "2026-11-28")  # Saturday: items are overdue, but nobody works
    campaign_jobs.fire(MORNING_JOB_ID)
    assert digests_in(bot, "C0CAMPAIGN") == []

    set_day(clock, "2026-11-30")  # Monday
    campaign_jobs.fire(MORNING_JOB_ID)
    campaign_jobs.fire(MORNING_JOB_ID)  # fired twice: posted once
    [digest] = digests_in(bot, "C0CAMPAIGN")
    rendered = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "双十二拉新活动" in rendered and "0/19" in rendered
    assert "明确活动目的与目标" in rendered and "overdue since 11/26" in rendered  # goal-1
    assert "确定活动文案并撰写" in rendered and "due 11/30" in rendered  # planning-1, due today
    assert "预热" not in rendered  # due later
    assert digests_in(bot, "C0QUIET") == []

    with running_bot(bot.settings, bot.slack, clock):  # a restart the same day
        campaign_jobs.fire(MORNING_JOB_ID)
    assert len(digests_in(bot, "C0CAMPAIGN")) == 1


def test_a_digest_slack_failed_with_a_5xx_is_retried_and_posted_exactly_once(
    bot: RunningBot, clock: FixedClock
) -> None:
    post_checklist(bot)
    set_day(clock, "2026-11-30")
    leader = leader_digest(bot, clock)
    bot.slack.fail_next("chat.postMessage", "http503")
    campaign_jobs.fire(MORNING_JOB_ID)
    assert bot.slack.called("chat.postMessage#http503") and digests_in(bot, "C0CAMPAIGN") == []
    assert leader.sweep() == 0  # its retry is not due yet
    clock.advance(timedelta(seconds=31))
    assert leader.sweep() == 1
    assert leader.sweep() == 0 and leader.run() == 0
    campaign_jobs.fire(MORNING_JOB_ID)
    assert len(digests_in(bot, "C0CAMPAIGN")) == 1

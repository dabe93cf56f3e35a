"""The persisted jobs a Slack process keeps besides reminders, and the sweep that retries deliveries.

Each job is an APScheduler row calling an importable function with only its id (bot/adapters/*_jobs.py);
what the job does is registered here by the running process. Every post they make is claimed once
through `reminder_deliveries`, so restarts and several processes never post twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.domain.clock import Clock
from bot.domain.working_days import WorkCalendar
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.adapters.delivery_store import SqlDeliveries
    from bot.adapters.scheduler import ReminderScheduler
    from bot.adapters.state_store import SqlStateStore
    from bot.services.gap_digest import GapDigest
    from bot.services.morning_digest import MorningDigest
    from bot.services.nudges import MorningNudges, NudgeOptouts, NudgePoster
    from bot.services.ports import ChecklistStore, KnowledgeLibrary, People
    from bot.slack.gaps import GapResponder

log = logging.getLogger(__name__)

# Sent and failed deliveries are kept a month for answering "did it go out?", then purged.
FINISHED_DELIVERIES_KEPT_S = 30 * 86400


def keep_house(state: SqlStateStore, deliveries: SqlDeliveries, clock: Clock) -> None:
    """What the scheduler's leader purges while running: old seen-event claims and finished deliveries."""
    state.forget_old_claims()
    deliveries.forget_finished(before=clock.now().timestamp() - FINISHED_DELIVERIES_KEPT_S)


def sweep_deliveries(*sweeps: Callable[[], object]) -> None:
    """The delivery sweep: reminders' retries, then the digest's; one failing never stops the other."""
    for sweep in sweeps:
        try:
            sweep()
        except Exception:
            log.exception("a delivery sweep failed; the next run tries again")


def _claim_rules(settings: Settings) -> dict[str, Any]:
    """How long a claim lasts, the retry backoff and which failures pass: the reminders' rules, for
    every post the jobs make (`ClaimedPosts`)."""
    from bot.services.reminder_delivery import RetryPolicy
    from bot.slack.reminders import post_failure

    return {
        "claim_s": settings.reminder_claim_s,
        "policy": RetryPolicy(settings.reminder_retry_backoff_s, settings.reminder_claim_s),
        "is_transient": lambda error: not post_failure(error).permanent,
    }


def schedule_gaps_digest(
    settings: Settings,
    gaps: GapResponder,
    deliveries: SqlDeliveries,
    scheduler: ReminderScheduler,
    people: People,
    sources: KnowledgeLibrary,
    clock: Clock,
) -> GapDigest:
    """The weekly gaps digest (OPSBOT_GAPS_DIGEST): a persisted job whose run each process registers,
    posted once per recipient and week through the reminders' delivery claims."""
    from bot.adapters import digest_jobs
    from bot.domain.editors import KnowledgeEditors
    from bot.services.gap_digest import DIGEST_JOB_ID, GapDigest, digest_recipients

    editors = KnowledgeEditors.parse(settings.knowledge_editors)
    digest = GapDigest(
        gaps.service,
        deliveries,
        clock,
        settings.gaps_digest_schedule,
        lambda: digest_recipients(settings.gaps_digest_to, editors, people.group_members, sources.all()),
        gaps,
        **_claim_rules(settings),
    )
    digest_jobs.register(digest.run)
    scheduler.keep_job(
        DIGEST_JOB_ID, digest_jobs.JOB_FUNCTION, digest_jobs.weekly_trigger(settings.gaps_digest_schedule)
    )
    return digest


def schedule_morning_nudges(
    settings: Settings,
    checklists: ChecklistStore,
    deliveries: SqlDeliveries,
    scheduler: ReminderScheduler,
    people: People,
    calendar: WorkCalendar,
    clock: Clock,
    poster: NudgePoster,
    optouts: NudgeOptouts,
) -> MorningNudges:
    """The morning nudges (OPSBOT_NUDGES, OPSBOT_NUDGE_TIME): a persisted quarter-hourly job whose run
    each process registers, each owner DMed once per local day through the delivery claims."""
    from bot.adapters import campaign_jobs
    from bot.services.nudges import NUDGE_JOB_ID, MorningNudges

    nudges = MorningNudges(
        checklists,
        optouts,
        deliveries,
        people,
        calendar,
        clock,
        poster,
        settings.timezone,
        settings.nudge_at,
        settings.nudges,
        **_claim_rules(settings),
    )
    campaign_jobs.register(NUDGE_JOB_ID, nudges.run)
    scheduler.keep_job(
        NUDGE_JOB_ID, campaign_jobs.JOB_FUNCTION, campaign_jobs.quarter_hour_trigger(settings.nudges)
    )
    return nudges


def schedule_morning_digest(
    settings: Settings,
    checklists: ChecklistStore,
    deliveries: SqlDeliveries,
    scheduler: ReminderScheduler,
    calendar: WorkCalendar,
    clock: Clock,
    client: Any,
) -> MorningDigest:
    """The morning digest in campaign channels (OPSBOT_MORNING_DIGEST, OPSBOT_MORNING_DIGEST_TIME): a
    persisted daily job whose run each process registers, posted once per channel and working day."""
    from bot.adapters import campaign_jobs
    from bot.services.morning_digest import MORNING_JOB_ID, MorningDigest
    from bot.slack.morning_digest import SlackMorningPoster

    morning = MorningDigest(
        checklists,
        deliveries,
        clock,
        calendar,
        SlackMorningPoster(client),
        settings.morning_digest_at,
        **_claim_rules(settings),
    )
    campaign_jobs.register(MORNING_JOB_ID, morning.run)
    trigger = campaign_jobs.daily_trigger(settings.morning_digest_at, settings.timezone)
    scheduler.keep_job(MORNING_JOB_ID, campaign_jobs.JOB_FUNCTION, trigger)
    return morning

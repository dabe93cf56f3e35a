"""The one place where clients and services are built from the settings, and handed on."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bot.adapters.embedding_cache import CachedEmbeddings
from bot.adapters.embeddings import make_embeddings
from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.domain.answering import Answerer, AnswerWriter, PassageRetriever, Retrieval, Scope
from bot.domain.clock import Clock, build_clock
from bot.domain.drafting import ChecklistDrafter, ChecklistTailor
from bot.domain.models import Chunk, Passage
from bot.domain.working_days import WorkCalendar
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.glossary import Glossary
from bot.knowledge.indexer import ProgressFactory
from bot.knowledge.snapshot import IndexSnapshot
from bot.knowledge.store import KnowledgeStore, OpenedOnFirstUse
from bot.knowledge.text import use_dictionary_table
from bot.resources import shipped_dir
from bot.settings import Settings
from bot.slack.config import SlackCredentials

log = logging.getLogger(__name__)

PROMPTS_DIR = shipped_dir("prompts")


class KnowledgeRetriever:
    """Adapts the knowledge base to the answer pipeline's retriever interface."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._knowledge = knowledge

    def retrieve(self, question: str, limit: int, collections: Scope = None) -> Retrieval:
        result = self._knowledge.search(question, limit, collections)
        return Retrieval(
            result.passages, result.covered, result.near, result.missing_subject, result.elsewhere
        )

    def topics(self) -> list[str]:
        return self._knowledge.topics()

    def passage(self, section: str) -> Passage | None:
        """A cited section whole (its chunks in document order), for the asker's pick of an unsure answer."""
        members = [chunk for chunk in self._knowledge.searcher.chunks if chunk.section == section]
        if not members:
            return None
        members.sort(key=lambda chunk: (chunk.source, chunk.position))
        first = members[0]
        text = "\n".join(chunk.text for chunk in members if chunk.source == first.source)
        collection = self._knowledge.searcher.collection_of(first.source)
        return Passage(Chunk(first.chunk_id, first.source, section, text, first.position), 1.0, collection)


@dataclass
class Container:
    """Everything a front end needs, built once."""

    settings: Settings
    clock: Clock
    knowledge: KnowledgeBase
    answerer: Answerer
    drafter: ChecklistDrafter
    # One holiday calendar (the team's holidays.toml, the package, then Monday–Friday) for everything.
    calendar: WorkCalendar


def build_writer(settings: Settings) -> AnswerWriter | None:
    if not settings.llm:
        return None
    from bot.adapters.llm import LangChainAnswerWriter

    return LangChainAnswerWriter(settings, PROMPTS_DIR)


def build_tailor(settings: Settings) -> ChecklistTailor | None:
    if not settings.llm:
        return None
    from bot.adapters.checklist_tailor import LangChainChecklistTailor
    from bot.adapters.llm import LangChainAnswerWriter

    return LangChainChecklistTailor(LangChainAnswerWriter.build_model(settings), PROMPTS_DIR)


def with_query_rewriting(retriever: PassageRetriever, settings: Settings) -> PassageRetriever:
    """With an LLM, questions are also searched as the model rewrites them (OPSBOT_LLM_REWRITE_QUERIES)."""
    if not settings.llm or not settings.llm_rewrite_queries:
        return retriever
    from bot.adapters.llm import LangChainAnswerWriter
    from bot.adapters.query_rewriter import LangChainQueryRewriter, RewritingRetriever

    rewriter = LangChainQueryRewriter(LangChainAnswerWriter.build_model(settings), PROMPTS_DIR)
    return RewritingRetriever(retriever, rewriter)


def knowledge_store(
    settings: Settings, embeddings: CachedEmbeddings, lazily: bool
) -> tuple[KnowledgeStore, IndexSnapshot | None]:
    """The Chroma store and, when embedded, its snapshot; `lazily` opens Chroma only when first used."""

    def open_chroma() -> KnowledgeStore:
        from bot.adapters.chroma_store import ChromaKnowledgeStore  # imports chromadb: seconds

        return ChromaKnowledgeStore(settings, embeddings)

    if settings.uses_chroma_server:  # other machines write there: no local cache can tell
        return open_chroma(), None
    path = settings.chroma_path
    snapshot = IndexSnapshot(
        path.with_name(f"{path.name}-snapshot"), settings.collection, embeddings.name, path / "chroma.sqlite3"
    )
    return (OpenedOnFirstUse(open_chroma, embeddings.name) if lazily else open_chroma()), snapshot


def bootstrap(
    settings: Settings,
    progress: ProgressFactory | None = None,
    clock: Clock | None = None,
    from_snapshot: bool = False,
) -> Container:
    """Build the knowledge base and the answer pipeline; nothing is indexed until first use.

    `clock` is the one source of "now" for everything built here (tests pass a fixed one).
    `from_snapshot` (a short-lived terminal command) answers an unchanged index from its snapshot
    and opens Chroma only when something must be indexed.
    """
    clock = clock or build_clock(settings.timezone, settings.now)
    use_dictionary_table(settings.cache_dir)
    embeddings = CachedEmbeddings(make_embeddings(settings.embedder), settings.cache_dir)
    store, snapshot = knowledge_store(settings, embeddings, lazily=from_snapshot)
    knowledge = KnowledgeBase(
        store,
        settings.knowledge_dir,
        Glossary.load(),
        lambda text: np.asarray(embeddings.embed_query(text), dtype=np.float32),
        progress,
        snapshot=snapshot,
        answer_from_snapshot=from_snapshot,
    )
    retriever = KnowledgeRetriever(knowledge)
    answerer = Answerer(
        with_query_rewriting(retriever, settings),
        build_writer(settings),
        settings.max_question_chars,
        settings.top_k,
        slash_command=settings.slash_command,
        sections=retriever,
    )
    calendar = ChinaWorkCalendar.from_file(settings.holidays_file)
    drafter = ChecklistDrafter(
        PROMPTS_DIR / "checklist.toml", knowledge, calendar, clock.today, build_tailor(settings)
    )
    return Container(settings, clock, knowledge, answerer, drafter, calendar)


@dataclass
class SlackRuntime:
    """The Slack front end, wired: the Bolt app, its ASGI server app, and a readiness flag."""

    app: Any
    asgi: Any
    responder: Any
    ready: threading.Event
    scheduler: Any = None
    reminders: Any = None
    engine: Any = None
    health: Any = None  # bot.health.Health: what /healthz and /readyz report
    # Makes deliveries this process claimed but did not post claimable again at once (claimed_until =
    # now), so the next leader need not wait for the claims to expire. None until deliveries have states.
    hand_back_deliveries: Callable[[], object] | None = None

    def stop(self, timeout: float) -> bool:
        """Once no new requests come in: finish the answers and reminder jobs in flight, hand back
        unposted deliveries, step down as leader. False if some work was still running at `timeout`."""
        deadline = time.monotonic() + timeout
        answered = bool(self.responder.drain(timeout / 2))
        if not answered:
            log.warning("answers were still being written at shutdown")
        posted = True
        if self.scheduler is not None:
            remaining = max(0.1, deadline - time.monotonic())
            posted = bool(self.scheduler.shutdown(remaining, self.hand_back_deliveries))
        if self.engine is not None:
            self.engine.dispose()
        return answered and posted

    def load_knowledge_in_background(self, knowledge: KnowledgeBase) -> threading.Thread:
        """Index and load while the server already accepts requests; /healthz says 503 until done."""

        def load() -> None:
            try:
                knowledge.refresh()
                self.ready.set()
            except Exception as error:
                log.error("the knowledge base could not be loaded: %s", error)

        thread = threading.Thread(target=load, name="knowledge-loader", daemon=True)
        thread.start()
        return thread


def review_questions(knowledge: KnowledgeBase) -> list[str]:
    """The playbook's own evaluation and review questions (活动运营 › 效果评估)."""
    found = knowledge.section("活动运营 › 效果评估")
    return found[1] if found else []


def bootstrap_slack(container: Container, credentials: SlackCredentials) -> SlackRuntime:
    """Build the state store, the Web API client, the responder and the Bolt app."""
    from bot.adapters.calendar_file import IcsCalendarFile
    from bot.adapters.checklist_store import SqlChecklistStore
    from bot.adapters.database import make_engine
    from bot.adapters.delivery_store import SqlDeliveries
    from bot.adapters.gap_store import SqlGapStore
    from bot.adapters.home_view_store import SqlHomeViews
    from bot.adapters.knowledge_source_store import SqlKnowledgeSources
    from bot.adapters.knowledge_usage import SqlKnowledgeUsage
    from bot.adapters.migrate import prepare_for_serving
    from bot.adapters.nudge_optout_store import SqlNudgeOptouts
    from bot.adapters.reminder_store import SqlReminderStore
    from bot.adapters.scheduler import ReminderScheduler
    from bot.adapters.scope_store import SqlChannelScopes
    from bot.adapters.state_store import SqlStateStore
    from bot.adapters.web_pages import PageFetcher
    from bot.domain.editors import KnowledgeEditors
    from bot.health import Health, WriteFailures, database_check, scheduler_check
    from bot.jobs import (
        keep_house,
        schedule_gaps_digest,
        schedule_morning_digest,
        schedule_morning_nudges,
        sweep_deliveries,
    )
    from bot.knowledge.documents import knowledge_files, source_name
    from bot.knowledge.text import tokenize
    from bot.services.answers import AnswerService
    from bot.services.calendar_export import CalendarExportService
    from bot.services.carry_over import CarryOver
    from bot.services.checklists import ChecklistService
    from bot.services.gaps import GapService
    from bot.services.home import HomeRefresher, HomeService
    from bot.services.knowledge import KnowledgeService
    from bot.services.nudges import NudgeChoices
    from bot.services.reminder_delivery import ReminderDelivery, RetryPolicy
    from bot.services.reminders import ReminderService
    from bot.services.reviews import ReviewService
    from bot.services.scopes import ScopeService, channel_collections
    from bot.slack.app import build_app, make_web_client
    from bot.slack.calendar_export import CalendarResponder
    from bot.slack.checklists import ChecklistResponder
    from bot.slack.files import SlackFiles
    from bot.slack.gaps import GapResponder
    from bot.slack.home import HomeResponder
    from bot.slack.knowledge import KnowledgeResponder
    from bot.slack.listeners.context import Services
    from bot.slack.nudges import NudgeResponder, SlackNudgePoster
    from bot.slack.people import SlackPeople
    from bot.slack.reminders import ReminderResponder
    from bot.slack.replies import Replier
    from bot.slack.responder import SlackResponder, response_url_poster
    from bot.slack.reviews import ReviewResponder
    from bot.slack.scopes import ScopeResponder
    from bot.slack.server import OpsbotAsgi
    from bot.slack.threads import ThreadSaver

    settings = container.settings
    engine = make_engine(settings.database)
    prepare_for_serving(engine)  # SQLite upgrades itself; PostgreSQL must be migrated already
    writes = WriteFailures()
    writes.watch(engine)
    state = SqlStateStore(engine, now=lambda: container.clock.now().timestamp())
    state.forget_old_claims()
    # Reviews live in the database, shared by every process; files from older versions come in once.
    knowledge_sources = SqlKnowledgeSources(engine)
    knowledge_sources.import_legacy_reviews(settings.reviews_dir)
    container.knowledge.attach_sources(knowledge_sources)
    client = make_web_client(
        credentials, settings.slack_api_url, settings.slack_timeout_s, settings.slack_max_retry_wait_s
    )
    post_webhook = response_url_poster(settings.slack_api_url)
    replier = Replier(client, post_webhook)
    workers = ThreadPoolExecutor(max_workers=settings.answer_workers, thread_name_prefix="answer")
    # Each answer reads its channel's collections (`/ops scope`), set by any process.
    channel_scopes = SqlChannelScopes(engine)
    people = SlackPeople(client)
    answers = AnswerService(
        container.answerer,
        state,
        lambda channel: channel_collections(channel_scopes, channel),
        people.is_member,
    )
    # Not-covered answers, 👎 and questions asked again are recorded as knowledge gaps (after replying).
    gap_service = GapService(SqlGapStore(engine), container.clock, tokenize, state)
    responder = SlackResponder(answers, state, client, workers, post_webhook, gaps=gap_service)
    checklist_store = SqlChecklistStore(engine)
    questions = lambda: review_questions(container.knowledge)  # noqa: E731  (read when needed: the playbook may change)
    reminder_store = SqlReminderStore(engine)
    reminder_service = ReminderService(
        reminder_store,
        checklist_store,
        container.calendar,
        container.clock,
        people,
        questions,
        settings.timezone,
    )
    deliveries = SqlDeliveries(engine)
    delivery = ReminderDelivery(
        reminder_store,
        deliveries,
        checklist_store,
        container.calendar,
        container.clock,
        questions,
        RetryPolicy(settings.reminder_retry_backoff_s, settings.reminder_claim_s),
    )
    reminders = ReminderResponder(reminder_service, client, replier, delivery)
    review_service = ReviewService(
        checklist_store,
        questions,
        knowledge_sources,
        container.clock,
        on_review_saved=container.knowledge.refresh,
        people=people,
    )
    reviews = ReviewResponder(review_service, client)
    checklist_service = ChecklistService(
        container.drafter, checklist_store, container.clock, reminder_service, people
    )
    checklists = ChecklistResponder(checklist_service, client, replier, names=people.name_of)
    # Reviews' action items: shown on the checklist at once, carried into the next one of the kind.
    reviews.refresh_checklist = checklists.refresh
    checklist_service.carry_over = CarryOver(checklist_store, container.calendar, container.clock)
    calendar_export = CalendarResponder(
        CalendarExportService(
            checklist_store,
            reminder_store,
            container.clock,
            container.calendar,
            IcsCalendarFile(),
            people.is_member,
            people.name_of,
        ),
        client,
        replier,
    )
    scheduler = ReminderScheduler(
        engine,
        reminders.deliver,
        reminders.report_missed,
        settings.reminder_grace_s,
        container.clock,
        housekeeping=lambda: keep_house(state, deliveries, container.clock),
        active_reminders=reminder_store.active,
    )
    reminder_service.timer = scheduler
    knowledge = KnowledgeResponder(
        KnowledgeService(
            knowledge_sources,
            KnowledgeEditors.parse(settings.knowledge_editors),
            people,
            container.clock,
            settings.max_upload_mb,
            on_learned=container.knowledge.refresh,
            pages=PageFetcher(
                frozenset(h.strip().lower() for h in settings.learn_allowed_hosts.split(",") if h.strip()),
                settings.slack_timeout_s,
                settings.max_upload_mb * 1024 * 1024,
            ),
            usage=SqlKnowledgeUsage(engine),
        ),
        SlackFiles(client, credentials.bot_token, settings.slack_api_url, settings.slack_timeout_s),
        client,
        replier,
        playbook_names=lambda: [
            source_name(settings.knowledge_dir, path) for path in knowledge_files(settings.knowledge_dir)
        ],
    )
    threads = ThreadSaver(knowledge.service, client, replier, people, ZoneInfo(settings.timezone))
    scopes = ScopeResponder(
        ScopeService(
            channel_scopes,
            knowledge_sources,
            knowledge.service.require_editor,
            container.clock,
            people.is_member,
            playbook_entries=lambda: len(knowledge_files(settings.knowledge_dir)),
        ),
        replier,
        settings.slash_command,
    )
    gaps = GapResponder(gap_service, knowledge.service, client, replier, settings.timezone)
    digest = schedule_gaps_digest(
        settings, gaps, deliveries, scheduler, people, knowledge_sources, container.clock
    )
    nudge_optouts = SqlNudgeOptouts(engine)
    nudges = schedule_morning_nudges(
        settings,
        checklist_store,
        deliveries,
        scheduler,
        people,
        container.calendar,
        container.clock,
        SlackNudgePoster(client),
        nudge_optouts,
    )
    nudge_choices = NudgeChoices(checklist_store, nudge_optouts, people, container.clock)
    nudge_responder = NudgeResponder(
        nudge_choices, checklists, client, replier, settings.slash_command, settings.nudge_at, settings.nudges
    )
    morning = schedule_morning_digest(
        settings, checklist_store, deliveries, scheduler, container.calendar, container.clock, client
    )
    scheduler.add_sweep(
        lambda: sweep_deliveries(reminders.sweep, digest.sweep, nudges.sweep, morning.sweep),
        settings.reminder_sweep_s,
    )
    # App Home: republished for those who opened it when their items, campaigns, reminders or gaps change.
    home_editors = KnowledgeEditors.parse(settings.knowledge_editors)
    home_service = HomeService(
        SqlHomeViews(engine),
        checklist_store,
        reminder_store,
        gap_service,
        people,
        lambda user: home_editors.may_edit(user, people.is_admin, people.group_members),
        container.calendar,
        container.clock,
    )
    home = HomeResponder(home_service, client, checklists, reminder_service, settings.timezone)
    home_refresher = HomeRefresher(home_service, home.publish, responder.submit)
    checklists.on_change = home_refresher.refresh_campaign
    reminders.on_change = home.on_change = gaps.on_answered = home_refresher.refresh
    services = Services(
        settings,
        responder,
        state,
        checklists,
        reminders,
        reviews,
        replier,
        knowledge,
        threads,
        scopes,
        gaps,
        nudges=nudge_responder,
        calendar=calendar_export,
        home=home,
    )
    app = build_app(credentials, services, client)
    ready = threading.Event()
    health = Health(
        {
            "knowledge": lambda: None if ready.is_set() else "loading the knowledge base",
            "database": database_check(engine),
            "scheduler": scheduler_check(scheduler.leader_known),
        },
        writes,
    )
    asgi = OpsbotAsgi(app, health)
    return SlackRuntime(
        app,
        asgi,
        responder,
        ready,
        scheduler,
        reminders,
        engine,
        health,
        hand_back_deliveries=delivery.hand_back,
    )

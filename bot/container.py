"""The one place where clients and services are built from the settings, and handed on."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.adapters.chroma_store import ChromaKnowledgeStore
from bot.adapters.embedding_cache import CachedEmbeddings
from bot.adapters.embeddings import make_embeddings
from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.domain.answering import Answerer, AnswerWriter, Retrieval
from bot.domain.clock import Clock, build_clock
from bot.domain.drafting import ChecklistDrafter, ChecklistTailor
from bot.domain.working_days import WorkCalendar
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.glossary import Glossary
from bot.knowledge.indexer import ProgressFactory
from bot.settings import Settings
from bot.slack.config import SlackCredentials

log = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


class KnowledgeRetriever:
    """Adapts the knowledge base to the answer pipeline's retriever interface."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._knowledge = knowledge

    def retrieve(self, question: str, limit: int) -> Retrieval:
        result = self._knowledge.search(question, limit)
        return Retrieval(result.passages, result.covered)

    def topics(self) -> list[str]:
        return self._knowledge.topics()


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


def bootstrap(
    settings: Settings, progress: ProgressFactory | None = None, clock: Clock | None = None
) -> Container:
    """Build the knowledge base and the answer pipeline; nothing is indexed until first use.

    `clock` is the one source of "now" for everything built here (tests pass a fixed one).
    """
    clock = clock or build_clock(settings.timezone, settings.now)
    embeddings = CachedEmbeddings(make_embeddings(settings.embedder), settings.cache_dir)
    store = ChromaKnowledgeStore(settings, embeddings)
    knowledge = KnowledgeBase(
        store,
        settings.knowledge_dir,
        Glossary.load(),
        lambda text: np.asarray(embeddings.embed_query(text), dtype=np.float32),
        progress,
        extra_dirs=(settings.reviews_dir,),
    )
    answerer = Answerer(
        KnowledgeRetriever(knowledge),
        build_writer(settings),
        settings.max_question_chars,
        settings.top_k,
        slash_command=settings.slash_command,
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
    from bot.adapters.checklist_store import SqlChecklistStore
    from bot.adapters.database import make_engine
    from bot.adapters.migrate import prepare_for_serving
    from bot.adapters.reminder_store import SqlReminderStore
    from bot.adapters.scheduler import ReminderScheduler
    from bot.adapters.state_store import SqlStateStore
    from bot.services.answers import AnswerService
    from bot.services.checklists import ChecklistService
    from bot.services.reminders import ReminderService
    from bot.services.reviews import ReviewService
    from bot.slack.app import build_app, make_web_client
    from bot.slack.checklists import ChecklistResponder
    from bot.slack.listeners.context import Services
    from bot.slack.reminders import ReminderResponder, SlackPeople
    from bot.slack.replies import Replier
    from bot.slack.responder import SlackResponder, post_to_response_url
    from bot.slack.reviews import ReviewResponder
    from bot.slack.server import OpsbotAsgi

    settings = container.settings
    engine = make_engine(settings.database)
    prepare_for_serving(engine)  # SQLite upgrades itself; PostgreSQL must be migrated already
    state = SqlStateStore(engine)
    state.forget_old_claims()
    client = make_web_client(credentials, settings.slack_api_url)
    replier = Replier(client, post_to_response_url)
    workers = ThreadPoolExecutor(max_workers=settings.answer_workers, thread_name_prefix="answer")
    responder = SlackResponder(AnswerService(container.answerer, state), state, client, workers)
    checklist_store = SqlChecklistStore(engine)
    questions = lambda: review_questions(container.knowledge)  # noqa: E731  (read when needed: the playbook may change)
    reminder_service = ReminderService(
        SqlReminderStore(engine),
        state,
        checklist_store,
        container.calendar,
        container.clock,
        SlackPeople(client),
        questions,
        settings.timezone,
    )
    reminders = ReminderResponder(reminder_service, client, replier)
    review_service = ReviewService(
        checklist_store,
        questions,
        settings.reviews_dir,
        container.clock,
        on_review_saved=container.knowledge.refresh,
    )
    reviews = ReviewResponder(review_service, client)
    checklist_service = ChecklistService(
        container.drafter, checklist_store, container.clock, reminder_service
    )
    checklists = ChecklistResponder(checklist_service, client, replier)
    scheduler = ReminderScheduler(
        engine, reminders.deliver, reminders.report_missed, settings.reminder_grace_s, container.clock
    )
    reminder_service.timer = scheduler
    services = Services(settings, responder, state, checklists, reminders, reviews, replier)
    app = build_app(credentials, services, client)
    ready = threading.Event()
    return SlackRuntime(app, OpsbotAsgi(app, ready.is_set), responder, ready, scheduler, reminders, engine)

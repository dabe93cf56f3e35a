"""Two `opsbot serve` processes on one PostgreSQL database and one `chroma run` server: a document
learned through one is cited by the other within 10 seconds, and once removed it is cited by neither.

Each process has its own data directory, as on two hosts; they share the database, Chroma and Slack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.settings import Settings
from tests.slack.conftest import BOT_TOKEN
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_learning import DOCUMENTS, DOCX, EDITOR, PLAN_TITLE, share
from tests.slack.test_shutdown import Served, serving_all
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

WITHIN_S = 10.0
# Only the shared Word file has this section: a citation of it can come from nowhere else.
QUESTION = "618 大促的优惠券被刷了怎么办?"
PLAN_SECTION = f"{PLAN_TITLE} › 风险预案 › 优惠券被刷"


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    return postgres_engine


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.bot_token = BOT_TOKEN  # files are served only to the bot's token, as Slack does
        yield slack


class Asker:
    """Asks one process `/ops ask …` under a fresh response name each time; the reply as text."""

    def __init__(self, served: Served, slack: FakeSlack, settings: Settings, name: str) -> None:
        self._client = served.client(slack, settings)
        self._slack = slack
        self._name = name
        self._asked = 0

    def reply(self) -> str:
        self._asked += 1
        response = f"{self._name}{self._asked}"
        assert self._client.command(f"ask {QUESTION}", response=response).status == 200
        assert self._slack.wait_for(lambda: bool(self._slack.responses(response)), timeout=5)
        reply = json.dumps(self._slack.responses(response)[-1], ensure_ascii=False)
        assert not any(failure in reply for failure in ("Traceback", "出错", "暂时无法使用")), reply
        return reply

    def cites_the_plan(self) -> bool:
        return PLAN_SECTION in self.reply()


def confirmed(slack: FakeSlack) -> bool:
    """The learning process said in the DM thread what it learned."""
    return any(
        f"学到了《{PLAN_TITLE}》" in str(call.params.get("text")) for call in slack.called("chat.postMessage")
    )


def logs(*processes: Served) -> str:
    return "\n".join(f"--- {p.log.name}\n{p.log.read_text()[-3000:]}" for p in processes)


def test_a_document_learned_through_one_process_is_cited_by_the_other_and_removed_from_both(
    engine: Engine, settings: Settings, fake_slack: FakeSlack, tmp_path: Path, chroma_server: int
) -> None:
    shared = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(chroma_server),
        "OPSBOT_KNOWLEDGE_EDITORS": EDITOR,
    }
    replicas = [
        (settings.model_copy(update={"data_dir": tmp_path / name}), tmp_path / f"{name}.log")
        for name in ("a", "b")
    ]
    with serving_all(replicas, fake_slack, **shared) as (a, b):
        ask_a, ask_b = (Asker(p, fake_slack, settings, name) for p, name in ((a, "a"), (b, "b")))
        assert not ask_b.cites_the_plan()  # nothing learned yet: the question is answered without it

        plan = fake_slack.share_file(
            "F0TWOPROC",
            "campaign_plan.docx",
            DOCX,
            (DOCUMENTS / "campaign_plan.docx").read_bytes(),
            EDITOR,
        )
        assert share(a.client(fake_slack, settings), EDITOR, plan, "1800005000.000100", "EvTwo1") == 200
        assert fake_slack.wait_for(lambda: confirmed(fake_slack), timeout=60), logs(a)
        confirmed_at = time.monotonic()
        assert wait_until(ask_b.cites_the_plan, timeout=WITHIN_S, every=0.2), logs(a, b)
        assert time.monotonic() - confirmed_at < WITHIN_S

        assert ask_a.cites_the_plan()  # so that "cited by neither" below means something
        (source,) = SqlKnowledgeSources(engine).all()
        assert source.title == PLAN_TITLE and source.created_by == EDITOR
        # The owner removes it through the other process than the one that learned it.
        b.client(fake_slack, settings).action(
            "knowledge_remove", source.source_id, user=EDITOR, response="removed"
        )
        assert fake_slack.wait_for(lambda: bool(fake_slack.responses("removed")), timeout=10)
        assert "已删除" in fake_slack.responses("removed")[0]["text"]
        removed_at = time.monotonic()
        assert wait_until(
            lambda: not ask_a.cites_the_plan() and not ask_b.cites_the_plan(), timeout=WITHIN_S, every=0.2
        ), logs(a, b)
        assert time.monotonic() - removed_at < WITHIN_S
        assert not ask_a.cites_the_plan() and not ask_b.cites_the_plan()  # and it stays gone

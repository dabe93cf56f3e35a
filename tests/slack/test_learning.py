"""Teaching opsbot from Slack: a knowledge editor shares a file in a DM; it is converted, stored,
cited by its own headings, and every bad case gets a reply and leaves nothing behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.adapters.schema import knowledge_sources
from bot.domain.clock import FixedClock
from bot.settings import Settings
from tests.slack.conftest import BOT_TOKEN, RunningBot, running_bot
from tests.slack.fake_slack import FakeSlack

DOCUMENTS = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
PLAN_TITLE = "618 大促会员增长活动方案"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EDITOR, GROUP_MEMBER, STRANGER = "U0EDITOR", "U0GROUPIE", "U0STRANGER"


@pytest.fixture
def teaching_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    settings = slack_settings.model_copy(
        update={"knowledge_editors": f"{EDITOR}, S0OPSTEAM", "max_upload_mb": 1}
    )
    fake_slack.bot_token = BOT_TOKEN
    fake_slack.user_groups["S0OPSTEAM"] = [GROUP_MEMBER]
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def share(
    bot: RunningBot, user: str, file: dict[str, Any], ts: str, event_id: str, retry: int | None = None
) -> int:
    """The `message` event Slack sends when a file is shared in a DM with a comment (subtype file_share)."""
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{user[1:]}",
        "user": user,
        "text": "",
        "ts": ts,
        "files": [file],
        "upload": False,
    }
    return bot.event(event, event_id, retry=retry).status


def posts(bot: RunningBot) -> list[dict[str, Any]]:
    return [call.params for call in bot.slack.called("chat.postMessage")]


def private_replies(bot: RunningBot) -> list[str]:
    return [str(call.params.get("text")) for call in bot.slack.called("chat.postEphemeral")]


def stored_documents(bot: RunningBot) -> int:
    with bot.runtime.engine.connect() as db:
        return int(db.execute(select(func.count()).select_from(knowledge_sources)).scalar_one())


def downloads(bot: RunningBot) -> list[Any]:
    return [call for call in bot.slack.calls if call.method.startswith("GET /files-pri/")]


def test_an_editor_shares_a_word_file_and_the_next_answer_cites_its_own_sections(
    teaching_bot: RunningBot,
) -> None:
    bot = teaching_bot
    plan = bot.slack.share_file(
        "F0PLAN", "campaign_plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes(), EDITOR
    )
    assert share(bot, EDITOR, plan, "1800003000.000100", "EvLearn1") == 200
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1, timeout=30)
    confirmation = posts(bot)[0]
    assert confirmation["thread_ts"] == "1800003000.000100"
    assert f"学到了《{PLAN_TITLE}》" in confirmation["text"] and "8 个章节" in confirmation["text"]
    assert f"• {PLAN_TITLE} › 活动目标 › 核心指标" in confirmation["text"]
    assert downloads(bot)[0].headers["authorization"] == f"Bearer {BOT_TOKEN}"

    question = {"type": "message", "channel_type": "im", "channel": "D0ASKER", "user": "U0ASKER",
                "text": "618 大促的优惠券被刷了怎么办?", "ts": "1800003001.000100"}  # fmt: skip
    bot.event(question, "EvLearn2")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 2, timeout=30)
    cited = str(posts(bot)[1]["blocks"])
    assert f"{PLAN_TITLE} › 风险预案 › 优惠券被刷" in cited and "document:" in cited

    # Slack's retry of the share event (after an ack it did not see) learns nothing twice.
    share(bot, EDITOR, plan, "1800003000.000100", "EvLearn1", retry=1)
    assert bot.runtime.responder.drain(timeout=30)
    assert stored_documents(bot) == 1 and len(downloads(bot)) == 1


def test_a_member_of_an_editor_group_may_teach_and_a_stranger_may_not(teaching_bot: RunningBot) -> None:
    bot = teaching_bot
    page = bot.slack.share_file(
        "F0PAGE",
        "campaign_page.html",
        "text/html",
        (DOCUMENTS / "campaign_page.html").read_bytes(),
        GROUP_MEMBER,
    )
    share(bot, STRANGER, page, "1800003100.000100", "EvLearn3")
    assert bot.slack.wait_for(lambda: bool(private_replies(bot)), timeout=30)
    assert "只有知识库编辑可以添加资料" in private_replies(bot)[0]
    assert downloads(bot) == [] and stored_documents(bot) == 0 and posts(bot) == []

    share(bot, GROUP_MEMBER, page, "1800003101.000100", "EvLearn4")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1, timeout=30)
    assert stored_documents(bot) == 1


@pytest.mark.parametrize(
    ("name", "mimetype", "data", "message", "downloaded"),
    [
        (
            "plan.pdf",
            "application/pdf",
            (DOCUMENTS / "campaign_plan_encrypted.pdf").read_bytes(),
            "密码保护",
            True,
        ),
        ("scan.pdf", "application/pdf", (DOCUMENTS / "scanned_page.pdf").read_bytes(), "没有文字层", True),
        ("big.pdf", "application/pdf", b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024), "文件太大", False),
        (
            "tool.exe",
            "application/octet-stream",
            b"MZ\x90\x00\x03" + bytes(range(256)) * 4,
            "不支持这种文件格式",
            True,
        ),
    ],
)
def test_files_that_cannot_be_learned_get_a_reply_and_leave_nothing(
    teaching_bot: RunningBot, name: str, mimetype: str, data: bytes, message: str, downloaded: bool
) -> None:
    bot = teaching_bot
    shared = bot.slack.share_file("F0BAD", name, mimetype, data, EDITOR)
    share(bot, EDITOR, shared, "1800003200.000100", "EvLearn5")
    assert bot.slack.wait_for(lambda: bool(private_replies(bot)), timeout=30)
    assert message in private_replies(bot)[0] and "Traceback" not in private_replies(bot)[0]
    assert stored_documents(bot) == 0 and posts(bot) == []
    assert bool(downloads(bot)) is downloaded


def test_the_bot_token_never_leaves_for_a_host_that_is_not_slack(teaching_bot: RunningBot) -> None:
    bot = teaching_bot
    shared = bot.slack.share_file(
        "F0AWAY", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes(), EDITOR
    )
    bot.slack.foreign_files.add("F0AWAY")
    share(bot, EDITOR, shared, "1800003300.000100", "EvLearn6")
    assert bot.slack.wait_for(lambda: bool(private_replies(bot)), timeout=30)
    assert "拿不到这个文件" in private_replies(bot)[0]
    assert downloads(bot) == [] and stored_documents(bot) == 0


class _Site(BaseHTTPRequestHandler):
    """A small web site: a page, a redirect into a private network, a picture."""

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        if self.path == "/guide.html":
            body, kind = (DOCUMENTS / "campaign_page.html").read_bytes(), "text/html; charset=utf-8"
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/admin")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            body, kind = b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture
def page_learning_bot(
    slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock
) -> Iterator[RunningBot]:
    settings = slack_settings.model_copy(
        update={"knowledge_editors": EDITOR, "learn_allowed_hosts": "127.0.0.1"}
    )
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def test_learn_a_web_page_by_its_address_and_refuse_what_must_not_be_fetched(
    page_learning_bot: RunningBot, site: str
) -> None:
    bot = page_learning_bot
    bot.command(f"learn <{site}/guide.html>", user=EDITOR, response="learn")
    assert bot.slack.wait_for(lambda: len(bot.slack.responses("learn")) >= 1, timeout=30)
    learned = bot.slack.responses("learn")[0]["text"]
    assert "学到了《双十一会员拉新活动复盘》" in learned and "双十一会员拉新活动复盘 › 经验与改进" in learned
    assert stored_documents(bot) == 1

    refusals = {
        f"{site}/moved": "内网或本机",  # the redirect leads into a private network
        f"{site}/logo.png": "不是网页",
        "file:///etc/passwd": "http(s)",
        "http://169.254.169.254/latest/meta-data/": "内网或本机",
    }
    for number, (address, message) in enumerate(refusals.items()):
        name = f"bad{number}"
        bot.command(f"learn {address}", user=EDITOR, response=name)
        assert bot.slack.wait_for(lambda: bool(bot.slack.responses(name)), timeout=30)  # noqa: B023
        assert message in bot.slack.responses(name)[0]["text"], address
    bot.command(f"learn {site}/guide.html", user=STRANGER, response="stranger")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("stranger")), timeout=30)
    assert "只有知识库编辑" in bot.slack.responses("stranger")[0]["text"]
    assert stored_documents(bot) == 1


def test_without_an_allowance_the_bots_own_machine_is_never_fetched(
    teaching_bot: RunningBot, site: str
) -> None:
    teaching_bot.command(f"learn {site}/guide.html", user=EDITOR, response="local")
    assert teaching_bot.slack.wait_for(lambda: bool(teaching_bot.slack.responses("local")), timeout=30)
    assert "内网或本机" in teaching_bot.slack.responses("local")[0]["text"]
    assert stored_documents(teaching_bot) == 0


def test_docs_lists_what_was_learned_and_its_owner_or_an_editor_removes_and_restores_it(
    teaching_bot: RunningBot,
) -> None:
    bot = teaching_bot
    plan = bot.slack.share_file(
        "F0PLAN2", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes(), GROUP_MEMBER
    )
    share(bot, GROUP_MEMBER, plan, "1800003400.000100", "EvDocs1")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1, timeout=30)
    bot.command("docs", user=GROUP_MEMBER, response="docs")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("docs")), timeout=30)
    listing = bot.slack.responses("docs")[0]
    assert PLAN_TITLE in str(listing["blocks"]) and "knowledge/playbook.md" not in str(listing["blocks"])
    assert "playbook.md" in str(listing["blocks"])  # listed as read-only
    (menu,) = [b["accessory"] for b in listing["blocks"] if b.get("accessory")]
    assert menu["action_id"] == "knowledge_entry"  # Replace, Remove
    source_id = menu["options"][-1]["value"].removeprefix("remove:")

    def cites_the_plan(ts: str, event_id: str) -> bool:
        asked = {"type": "message", "channel_type": "im", "channel": "D0ASKER", "user": "U0ASKER",
                 "text": "618 大促的优惠券被刷了怎么办?", "ts": ts}  # fmt: skip
        before = len(posts(bot))
        bot.event(asked, event_id)
        assert bot.slack.wait_for(lambda: len(posts(bot)) == before + 1, timeout=30)
        return PLAN_TITLE in str(posts(bot)[-1].get("blocks"))

    bot.action("knowledge_remove", source_id, user=STRANGER, response="stranger")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("stranger")), timeout=30)
    assert "只有知识库编辑或添加这条资料的人" in bot.slack.responses("stranger")[0]["text"]
    assert cites_the_plan("1800003401.000100", "EvDocs2")

    bot.action("knowledge_remove", source_id, user=GROUP_MEMBER, response="removed")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("removed")), timeout=30)
    removed = bot.slack.responses("removed")[0]
    assert "已删除" in removed["text"] and "knowledge_restore" in str(removed["blocks"])
    assert not cites_the_plan("1800003402.000100", "EvDocs3")

    bot.action("knowledge_restore", source_id, user=EDITOR, response="restored")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("restored")), timeout=30)
    assert "已恢复" in bot.slack.responses("restored")[0]["text"]
    assert cites_the_plan("1800003403.000100", "EvDocs4")

    changes = SqlKnowledgeSources(bot.runtime.engine).changes(source_id)
    assert [(c.action, c.actor) for c in changes] == [
        ("restored", EDITOR),
        ("removed", GROUP_MEMBER),
        ("added", GROUP_MEMBER),
    ]

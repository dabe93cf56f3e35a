"""Keeping the knowledge right from Slack: `/ops docs` counts citations and 👎, Replace swaps in a new
file (owner or editor only), and `/ops learn` alone opens an upload form with a collection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.adapters.schema import knowledge_sources
from bot.domain.clock import FixedClock
from bot.settings import Settings
from tests.slack.conftest import BOT_TOKEN, RunningBot, running_bot
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.review_modal import FORM, payload_body
from tests.slack.test_learning import DOCUMENTS, DOCX, PLAN_TITLE, downloads, share

EDITOR, OWNER, STRANGER = "U0EDITOR", "U0OWNER", "U0STRANGER"
PAGE_TITLE = "双十一会员拉新活动复盘"
PLAN_QUESTION = "618 大促的优惠券被刷了怎么办?"
PAGE_QUESTION = "双十一裂变分享的海报点击率下降了怎么办?"


@pytest.fixture
def library_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    settings = slack_settings.model_copy(update={"knowledge_editors": f"{EDITOR},{OWNER}"})
    fake_slack.bot_token = BOT_TOKEN
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def dms_to(bot: RunningBot, user: str) -> list[str]:
    return [
        str(c.params.get("text")) for c in bot.slack.called("chat.postMessage") if c.params["channel"] == user
    ]


def learn_plan(bot: RunningBot, user: str = OWNER) -> str:
    """The owner shares the Word plan in a DM; its source id once it is confirmed."""
    plan = bot.slack.share_file(
        "F0PLAN", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes(), user
    )
    share(bot, user, plan, "1800005000.000100", "EvLib1")
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postMessage")), timeout=30)
    return str(SqlKnowledgeSources(bot.runtime.engine).all()[-1].source_id)


def ask(bot: RunningBot, question: str, name: str) -> dict[str, Any]:
    """`/ops ask`, answered privately through the response URL."""
    bot.command(f"ask {question}", user="U0ASKER", response=name)
    assert bot.slack.wait_for(lambda: any("blocks" in r for r in bot.slack.responses(name)), timeout=30)
    return next(r for r in bot.slack.responses(name) if "blocks" in r)


def button_value(message: dict[str, Any], action_id: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button")


def docs(bot: RunningBot, name: str, user: str = EDITOR) -> list[dict[str, Any]]:
    bot.command("docs", user=user, response=name)
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses(name)), timeout=30)
    return list(bot.slack.responses(name)[0]["blocks"])


def entry_line(blocks: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return next(b for b in blocks if title in b.get("text", {}).get("text", "") and "accessory" in b)


def choose(bot: RunningBot, value: str, user: str, response: str) -> None:
    """Pick Replace or Remove from an entry's ⋯ menu in the `/ops docs` list."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "trigger_id": "trigger-library",
        "container": {"type": "message", "channel_id": "C0CAMPAIGN", "is_ephemeral": True},
        "channel": {"id": "C0CAMPAIGN"},
        "response_url": bot.slack.response_url(response),
        "actions": [
            {
                "type": "overflow",
                "action_id": "knowledge_entry",
                "block_id": "entry",
                "selected_option": {"text": {"type": "plain_text", "text": "替换 / Replace"}, "value": value},
                "action_ts": "1800005001.000100",
            }
        ],
    }
    assert bot.post(payload_body(payload), FORM).status == 200


def opened_view(bot: RunningBot, before: int) -> dict[str, Any]:
    assert bot.slack.wait_for(lambda: len(bot.slack.called("views.open")) > before, timeout=30)
    view = bot.slack.called("views.open")[-1].params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def submit(
    bot: RunningBot, view: dict[str, Any], user: str, files: list[dict[str, Any]], collection: str = ""
) -> Any:
    """Submit a knowledge modal with the files Slack's file input holds (file objects, as Slack sends them)."""
    values: dict[str, Any] = {"file": {"file": {"type": "file_input", "files": files}}}
    if any(b["block_id"] == "collection" for b in view["blocks"] if b["type"] == "input"):
        values["collection"] = {"collection": {"type": "plain_text_input", "value": collection or None}}
    body = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0OPSBOT",
        "trigger_id": "trigger-submit",
        "view": {**view, "id": "V0LIB", "state": {"values": values}},
    }
    return bot.post(payload_body(body), FORM)


def uploaded(
    bot: RunningBot, file_id: str, name: str, mimetype: str, data: bytes, by: str = EDITOR
) -> dict[str, Any]:
    """A file `by` put in the modal's file input: Slack holds it and sends its file object on submit."""
    shared = bot.slack.share_file(file_id, name, mimetype, data, by)
    return {**shared, "url_private": ""}


def test_docs_counts_what_answers_cited_and_the_down_votes_they_got(library_bot: RunningBot) -> None:
    bot = library_bot
    source_id = learn_plan(bot)
    before = entry_line(docs(bot, "docs0"), PLAN_TITLE)["text"]["text"]
    assert "cited 0×" in before and "👎 0" in before

    answer = ask(bot, PLAN_QUESTION, "ask1")
    assert f"document:{source_id}" in str(answer["blocks"])
    bot.action("feedback_down", button_value(answer, "feedback_down"), user="U0ASKER", response="vote")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("vote")), timeout=30)

    blocks = docs(bot, "docs1")
    line = entry_line(blocks, PLAN_TITLE)["text"]["text"]
    assert "近 30 天引用 1 次 / cited 1× in 30 days · 👎 1" in line
    assert f"<@{OWNER}>" in line and "文档" in line and "2026-11-25" in line
    playbook = blocks[-1]
    assert "`playbook.md` · 近 30 天引用" in playbook["text"]["text"] and "accessory" not in playbook


def test_replace_is_refused_to_someone_who_neither_owns_the_entry_nor_edits(library_bot: RunningBot) -> None:
    bot = library_bot
    source_id = learn_plan(bot)
    choose(bot, f"replace:{source_id}", STRANGER, "stranger")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("stranger")), timeout=30)
    assert "只有知识库编辑或添加这条资料的人" in bot.slack.responses("stranger")[0]["text"]
    assert bot.slack.called("views.open") == []

    # A forged submission for the entry is refused too, before the file is looked up.
    forged = {"type": "modal", "callback_id": "knowledge_replace", "private_metadata": json.dumps({"source": source_id}),
              "blocks": [{"type": "input", "block_id": "file"}]}  # fmt: skip
    page = uploaded(
        bot, "F0FORGED", "page.html", "text/html", (DOCUMENTS / "campaign_page.html").read_bytes()
    )
    assert submit(bot, forged, STRANGER, [page]).status == 200
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, STRANGER)), timeout=30)
    assert "只有知识库编辑或添加这条资料的人" in dms_to(bot, STRANGER)[0]
    looked_up = [call.params["file"] for call in bot.slack.called("files.info")]
    assert looked_up == ["F0PLAN"] and len(downloads(bot)) == 1  # only the plan, when it was shared


def test_the_owner_replaces_an_entry_and_answers_cite_the_new_file(library_bot: RunningBot) -> None:
    bot = library_bot
    source_id = learn_plan(bot)
    choose(bot, f"replace:{source_id}", OWNER, "replace")
    view = opened_view(bot, 0)
    assert bot.slack.called("views.open")[-1].params["trigger_id"] == "trigger-library"
    assert view["callback_id"] == "knowledge_replace"
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["element"]["type"] == "file_input" and field["element"]["max_files"] == 1

    nothing = submit(bot, view, OWNER, [])
    assert nothing.json()["response_action"] == "errors" and "file" in nothing.json()["errors"]

    page = uploaded(
        bot, "F0PAGE", "page.html", "text/html", (DOCUMENTS / "campaign_page.html").read_bytes(), OWNER
    )
    assert submit(bot, view, OWNER, [page]).status == 200
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, OWNER)), timeout=30)
    assert "已替换" in dms_to(bot, OWNER)[0] and f"学到了《{PAGE_TITLE}》" in dms_to(bot, OWNER)[0]

    assert PLAN_TITLE not in str(ask(bot, PLAN_QUESTION, "ask-old")["blocks"])
    assert f"{PAGE_TITLE} › 经验与改进" in str(ask(bot, PAGE_QUESTION, "ask-new")["blocks"])
    changes = SqlKnowledgeSources(bot.runtime.engine).changes(source_id)
    assert [(c.action, c.actor) for c in changes] == [("replaced", OWNER), ("added", OWNER)]
    listing = docs(bot, "after")
    assert entry_line(listing, PAGE_TITLE)["accessory"]["type"] == "overflow"
    assert entry_line(listing, PLAN_TITLE)["accessory"]["action_id"] == "knowledge_restore"


def test_a_bad_replacement_file_gets_a_reply_and_the_old_entry_stays(library_bot: RunningBot) -> None:
    bot = library_bot
    source_id = learn_plan(bot)
    choose(bot, f"replace:{source_id}", EDITOR, "replace")  # an editor may replace the owner's entry
    view = opened_view(bot, 0)
    locked = uploaded(
        bot,
        "F0LOCKED",
        "plan.pdf",
        "application/pdf",
        (DOCUMENTS / "campaign_plan_encrypted.pdf").read_bytes(),
    )
    assert submit(bot, view, EDITOR, [locked]).status == 200
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, EDITOR)), timeout=30)
    assert "密码保护" in dms_to(bot, EDITOR)[0] and "Traceback" not in dms_to(bot, EDITOR)[0]
    with bot.runtime.engine.connect() as db:
        rows = db.execute(select(knowledge_sources.c.id, knowledge_sources.c.deleted_at)).all()
    assert [(row.id, row.deleted_at) for row in rows] == [(source_id, None)]
    assert [c.action for c in SqlKnowledgeSources(bot.runtime.engine).changes(source_id)] == ["added"]
    assert PLAN_TITLE in str(ask(bot, PLAN_QUESTION, "still")["blocks"])


def test_learn_without_an_address_opens_an_upload_form_that_learns_into_a_collection(
    library_bot: RunningBot,
) -> None:
    bot = library_bot
    assert bot.command("learn", user=EDITOR, response="learn").status == 200
    view = opened_view(bot, 0)
    assert bot.slack.called("views.open")[0].params["trigger_id"].startswith("13345224609.")
    assert view["callback_id"] == "knowledge_upload"
    file_field = next(b for b in view["blocks"] if b["block_id"] == "file")
    assert file_field["element"]["type"] == "file_input" and file_field["element"]["max_files"] == 10
    assert {"docx", "pdf", "pptx", "xlsx", "html", "md", "txt"} <= set(file_field["element"]["filetypes"])

    plan = uploaded(bot, "F0UP1", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes())
    page = uploaded(bot, "F0UP2", "page.html", "text/html", (DOCUMENTS / "campaign_page.html").read_bytes())
    too_long = submit(bot, view, EDITOR, [plan], collection="长" * 65)
    assert too_long.json()["response_action"] == "errors" and "collection" in too_long.json()["errors"]
    assert submit(bot, view, EDITOR, [plan, page], collection="活动方案").status == 200
    assert bot.slack.wait_for(lambda: len(dms_to(bot, EDITOR)) == 2, timeout=30)
    assert (
        f"学到了《{PLAN_TITLE}》" in dms_to(bot, EDITOR)[0]
        and f"学到了《{PAGE_TITLE}》" in dms_to(bot, EDITOR)[1]
    )

    learned = SqlKnowledgeSources(bot.runtime.engine).all()
    assert [(s.collection, s.channel, s.created_by) for s in learned] == [
        ("活动方案", "C0CAMPAIGN", EDITOR)
    ] * 2
    assert "活动方案" in entry_line(docs(bot, "docs"), PLAN_TITLE)["text"]["text"]


def test_a_stranger_gets_no_upload_form_and_a_forged_submission_downloads_nothing(
    library_bot: RunningBot,
) -> None:
    bot = library_bot
    bot.command("learn", user=STRANGER, response="stranger")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("stranger")), timeout=30)
    assert "只有知识库编辑可以添加资料" in bot.slack.responses("stranger")[0]["text"]
    assert bot.slack.called("views.open") == []

    bot.command("learn", user=EDITOR, response="editor")
    view = opened_view(bot, 0)
    plan = uploaded(bot, "F0UP3", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes())
    assert submit(bot, view, STRANGER, [plan]).status == 200
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, STRANGER)), timeout=30)
    assert "只有知识库编辑可以添加资料" in dms_to(bot, STRANGER)[0]
    assert downloads(bot) == [] and bot.slack.called("files.info") == []
    assert SqlKnowledgeSources(bot.runtime.engine).all() == []

"""The review modal over signed HTTP: a forged one saves nothing and writes no file anywhere."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from tests.slack.conftest import RunningBot


def submit_review(bot: RunningBot, private_metadata: str, answer: str) -> dict[str, object]:
    """A view_submission signed with the app's own secret, as anyone holding it could send."""
    view = {
        "id": "V0FORGED",
        "type": "modal",
        "callback_id": "review_submit",
        "private_metadata": private_metadata,
        "blocks": [
            {"type": "input", "block_id": "q0", "label": {"type": "plain_text", "text": "教训"}},
        ],
        "state": {"values": {"q0": {"answer": {"type": "plain_text_input", "value": answer}}}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T0000001"},
        "user": {"id": "U0EVE"},
        "api_app_id": "A0OPSBOT",
        "view": view,
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    reply = bot.post(body, "application/x-www-form-urlencoded")
    assert reply.status == 200
    return dict(reply.json()) if reply.body else {}


def markdown_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*.md")}


@pytest.mark.parametrize(
    "metadata",
    [
        json.dumps({"campaign": "../../x", "channel": "C0CAMPAIGN"}),
        json.dumps({"campaign": "../../knowledge/x", "channel": "C0CAMPAIGN"}),
        json.dumps({"campaign": "c0ffee0001/../../x", "channel": "C0CAMPAIGN"}),
        "../../x",
    ],
)
def test_a_forged_review_modal_saves_nothing_and_writes_no_file(
    bot: RunningBot, tmp_path: Path, metadata: str
) -> None:
    before = markdown_files(tmp_path)
    reply = submit_review(bot, metadata, "# 活动运营\n假的手册内容")
    assert reply.get("response_action") == "errors"
    assert SqlKnowledgeSources(bot.runtime.engine).all() == []
    assert markdown_files(tmp_path) == before
    assert not (tmp_path / "x.md").exists() and not (tmp_path / "data" / "x.md").exists()

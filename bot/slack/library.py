"""`/ops docs` and the knowledge modals: the library with its citation and 👎 counts, Replace and upload."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.domain.people import is_user_id
from bot.domain.sources import DOCUMENT, REVIEW, THREAD, KnowledgeSource
from bot.services.knowledge import COLLECTION_CHARS, RESTORE_WINDOW_S
from bot.services.ports import SourceUsage
from bot.slack.blocks import safe
from bot.slack.request import field_errors, view_metadata

# Slack allows 50 blocks in a message: a header, the newest entries (one block each), a line saying
# how many more there are, and one block for the playbook files.
ENTRIES_SHOWN = 45
PLAYBOOK_FILES_SHOWN = 25
KIND_NAMES = {DOCUMENT: "文档 / document", REVIEW: "复盘 / review", THREAD: "讨论 / thread"}
ENTRY_MENU = "knowledge_entry"
REPLACE_CALLBACK = "knowledge_replace"
UPLOAD_CALLBACK = "knowledge_upload"
FILE_BLOCK, FILE_ACTION = "file", "file"
COLLECTION_BLOCK, COLLECTION_ACTION = "collection", "collection"
# What the converter reads (bot/knowledge/conversion.py); Slack's filter is a convenience, not a check.
ACCEPTED_FILE_TYPES = ["md", "markdown", "txt", "docx", "pdf", "html", "htm", "pptx", "xlsx"]
MAX_FILES = 10
NO_FILE = "请选择一个文件 / Choose a file."


def _owner(user: str) -> str:
    return f"<@{user}>" if is_user_id(user) else "—"


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).date().isoformat()


def usage_text(usage: SourceUsage | None) -> str:
    """ "近 30 天引用 3 次 · 👎 1" / "cited 3× in 30 days"."""
    cited, down = (usage.cited, usage.down_votes) if usage is not None else (0, 0)
    return f"近 30 天引用 {cited} 次 / cited {cited}× in 30 days · 👎 {down}"


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _entry_block(source: KnowledgeSource, usage: SourceUsage | None) -> dict[str, Any]:
    """One entry: a live one gets a menu (Replace, Remove), a removed one a Restore button."""
    line = (
        f"*{safe(source.title, 150)}*\n{KIND_NAMES.get(source.kind, safe(source.kind, 20))}"
        f" · {safe(source.collection_name, COLLECTION_CHARS)} · {_owner(source.created_by)}"
        f" · {_day(source.created_at)}\n{usage_text(usage)}"
    )
    accessory: dict[str, Any]
    if source.deleted_at is not None:
        line += f"\n~已删除~ removed {_day(source.deleted_at)}, 可恢复至 / restorable until " + _day(
            source.deleted_at + RESTORE_WINDOW_S
        )
        accessory = {
            "type": "button",
            "text": {"type": "plain_text", "text": "恢复 / Restore"},
            "action_id": "knowledge_restore",
            "value": source.source_id,
        }
    else:
        accessory = {
            "type": "overflow",
            "action_id": ENTRY_MENU,
            "options": [
                _option("替换 / Replace", f"replace:{source.source_id}"),
                _option("删除 / Remove", f"remove:{source.source_id}"),
            ],
        }
    return {"type": "section", "text": {"type": "mrkdwn", "text": line}, "accessory": accessory}


def _playbook_block(playbook_files: list[str], usage: dict[str, SourceUsage]) -> dict[str, Any]:
    """The files in knowledge/ by their path inside it, read-only, with their counts; no buttons."""
    lines = [
        f"• `{safe(source.split('/', 1)[-1], 80)}` · {usage_text(usage.get(source))}"
        for source in playbook_files[:PLAYBOOK_FILES_SHOWN]
    ]
    if len(playbook_files) > PLAYBOOK_FILES_SHOWN:
        lines.append(f"… 另有 {len(playbook_files) - PLAYBOOK_FILES_SHOWN} 个 / more")
    text = "*手册文件(只读,在服务器上编辑)/ Playbook files (read-only here)*\n" + ("\n".join(lines) or "—")
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def library_blocks(
    sources: list[KnowledgeSource],
    playbook_files: list[str],
    usage: dict[str, SourceUsage] | None = None,
) -> list[dict[str, Any]]:
    """`/ops docs`: each entry's title, kind, collection, owner, date, citations and 👎 in the last 30
    days, with Replace/Remove (or Restore); the playbook files (given by their cited source, e.g.
    "knowledge/playbook.md") with their counts, read-only."""
    usage = usage or {}
    newest = sorted(sources, key=lambda s: -s.created_at)
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*知识库 / Knowledge* · {len(sources)} 条从 Slack 添加 / added from Slack",
            },
        }
    ]
    blocks += [_entry_block(source, usage.get(source.source)) for source in newest[:ENTRIES_SHOWN]]
    if len(newest) > ENTRIES_SHOWN:
        more = f"… 另有 {len(newest) - ENTRIES_SHOWN} 条 / more"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    blocks.append(_playbook_block(playbook_files, usage))
    return blocks


def entry_choice(action: dict[str, Any]) -> tuple[str, str]:
    """(what, source id) from the entry menu's selected option, e.g. ("replace", "ab12…")."""
    value = str((action.get("selected_option") or {}).get("value") or "")
    what, _, source_id = value.partition(":")
    return what, source_id


def _file_input(max_files: int) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": FILE_BLOCK,
        "label": {"type": "plain_text", "text": "文件 / File"},
        "element": {
            "type": "file_input",
            "action_id": FILE_ACTION,
            "filetypes": ACCEPTED_FILE_TYPES,
            "max_files": max_files,
        },
    }


def _modal(callback_id: str, title: str, metadata: dict[str, str], blocks: list[Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "上传 / Upload"},
        "close": {"type": "plain_text", "text": "取消 / Cancel"},
        "blocks": blocks,
    }


def replace_modal(source: KnowledgeSource) -> dict[str, Any]:
    """A file input for the new version of one entry (its title comes from the new file)."""
    intro = (
        f"用新文件替换《{safe(source.title, 150)}》:新版本保留分类 {safe(source.collection_name, 64)},"
        "旧版本 30 天内可恢复。 / The new file replaces this entry in the same collection; "
        "the old version stays restorable for 30 days."
    )
    return _modal(
        REPLACE_CALLBACK,
        "替换资料 / Replace",
        {"source": source.source_id},
        [{"type": "section", "text": {"type": "mrkdwn", "text": intro}}, _file_input(1)],
    )


def upload_modal(channel: str) -> dict[str, Any]:
    """`/ops learn` without an address: files (up to 10) and an optional collection such as 活动方案."""
    collection = {
        "type": "input",
        "block_id": COLLECTION_BLOCK,
        "optional": True,
        "label": {"type": "plain_text", "text": "分类 / Collection"},
        "hint": {
            "type": "plain_text",
            "text": "例如 活动方案;留空则归入「文档」 / e.g. campaign plans; empty means 文档",
        },
        "element": {
            "type": "plain_text_input",
            "action_id": COLLECTION_ACTION,
            "max_length": COLLECTION_CHARS,
        },
    }
    return _modal(
        UPLOAD_CALLBACK,
        "添加资料 / Add knowledge",
        {"channel": channel},
        [_file_input(MAX_FILES), collection],
    )


def submitted_file_ids(view: dict[str, Any]) -> list[str]:
    """The ids of the files in a submitted modal's file input (Slack sends the file objects)."""
    values = (view.get("state") or {}).get("values") or {}
    field = (values.get(FILE_BLOCK) or {}).get(FILE_ACTION) or {}
    files = field.get("files") or []
    return [str(file["id"]) for file in files if isinstance(file, dict) and file.get("id")][:MAX_FILES]


def submitted_collection(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    field = (values.get(COLLECTION_BLOCK) or {}).get(COLLECTION_ACTION) or {}
    return str(field.get("value") or "")


def modal_metadata(view: dict[str, Any]) -> dict[str, str]:
    """What the modal was opened for; empty when the metadata is not ours."""
    return {str(k): str(v) for k, v in view_metadata(view).items()}


def field_error(block_id: str, message: str) -> dict[str, Any]:
    return field_errors({block_id: message})

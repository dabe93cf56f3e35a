"""Block Kit for answers, help and greetings; every piece of dynamic text goes through `safe()`."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.models import Answer, Language

Block = dict[str, Any]

SECTION_LIMIT = 2900
CONTEXT_LIMIT = 1900
# Whatever follows: "@here注意" notifies too, since CJK text runs on without a space.
_BROADCAST_WORD = re.compile(r"[@＠](?=channel|here|everyone)", re.IGNORECASE)
# Control characters and lone surrogates (binary pasted as text) that Slack would refuse or garble.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CUT_ENTITY = re.compile(r"&[a-z]{0,3}$")

SUGGESTED_QUESTIONS = ["活动上线前怎么预热?", "活动结束后怎么复盘?", "How do we keep new users coming back?"]


def safe(text: str, limit: int = SECTION_LIMIT) -> str:
    """Text from users, documents or an LLM, made inert: no <!channel>, <@user> or @here can fire."""
    text = _UNPRINTABLE.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _BROADCAST_WORD.sub(lambda match: match.group(0) + "\u200b", text)
    if len(text) <= limit:
        return text
    # Never end on half an escape ("&am…"), which Slack would show as written.
    return _CUT_ENTITY.sub("", text[: max(limit - 1, 0)]) + "…"


def _mrkdwn(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text[:limit], "verbatim": True}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        button["style"] = style
    return button


def source_lines(answer: Answer) -> list[str]:
    """`[1] 〔文档〕618 方案 › 预热节奏    `document:…``: each citation names its collection."""
    return [
        f"[{number}] 〔{safe(passage.collection_name, 64)}〕{safe(passage.section, 300)}"
        f"    `{safe(passage.source, 200)}`"
        for number, passage in enumerate(answer.sources, start=1)
    ]


def related_lines(answer: Answer) -> list[str]:
    """Close sections under a not-covered answer: further reading, deliberately not numbered like sources."""
    label = "相关内容" if answer.language == "zh" else "Related"
    return [f"{label}:"] + [
        f"• {safe(passage.section, 300)}    `{safe(passage.source, 200)}`" for passage in answer.related
    ]


def pick_buttons(answer: Answer, answer_id: str) -> list[dict[str, Any]]:
    """One button per near-tied section ("留存", "拉新"); the value names the stored answer, not the text."""
    return [
        _button(passage.section.split(" › ")[-1][:70], f"pick_section_{index}", f"{answer_id}:{index}")
        for index, passage in enumerate(answer.sources[:2])
    ]


def answer_blocks(
    answer: Answer,
    answer_id: str,
    *,
    shareable: bool = False,
    shared_by: str | None = None,
    text: bool = True,
) -> list[Block]:
    """The answer, its numbered sources (or what the playbook covers), and the buttons.

    `text=False` leaves the answer itself out, for a message whose text was streamed. A reply to
    small talk is its text alone: there is nothing to cite, share or vote on.
    """
    if answer.kind == "small_talk":
        return [{"type": "section", "text": _mrkdwn(safe(answer.text))}]
    blocks: list[Block] = []
    if answer.note:
        blocks.append({"type": "context", "elements": [_mrkdwn(safe(answer.note, CONTEXT_LIMIT))]})
    if text:
        blocks.append({"type": "section", "text": _mrkdwn(safe(answer.text))})
    if answer.sources:
        blocks.append(
            {"type": "context", "elements": [_mrkdwn("\n".join(source_lines(answer))[:CONTEXT_LIMIT])]}
        )
    if answer.related:
        blocks.append(
            {"type": "context", "elements": [_mrkdwn("\n".join(related_lines(answer))[:CONTEXT_LIMIT])]}
        )
    if answer.unsure and answer_id and not shared_by:
        blocks.append(
            {"type": "actions", "block_id": f"pick:{answer_id}", "elements": pick_buttons(answer, answer_id)}
        )
    if shared_by:
        label = "分享者" if answer.language == "zh" else "Shared by"
        blocks.append({"type": "context", "elements": [_mrkdwn(f"{label} <@{shared_by}>")]})
    buttons = []
    if shareable:
        share = "分享到频道" if answer.language == "zh" else "Share in channel"
        buttons.append(_button(share, "share_answer", answer_id, "primary"))
    buttons += [_button("👍", "feedback_up", answer_id), _button("👎", "feedback_down", answer_id)]
    blocks.append({"type": "actions", "block_id": f"answer:{answer_id}", "elements": buttons})
    return blocks


def answer_fallback_text(answer: Answer) -> str:
    """The plain `text` Slack shows in notifications and to screen readers."""
    lines = [safe(answer.text, 3000)]
    lines += source_lines(answer)
    lines += related_lines(answer) if answer.related else []
    return "\n".join(lines)[:3900]


def working_text(language: Language) -> str:
    return "⏳ 正在查手册…" if language == "zh" else "⏳ Looking it up in the playbook…"


def help_blocks(command: str, unknown: str | None = None) -> list[Block]:
    lines = []
    if unknown:
        lines.append(f"没有 `{safe(unknown, 40)}` 这个子命令 / Unknown subcommand `{safe(unknown, 40)}`.\n")
    lines += [
        "*opsbot* 回答运营手册里的问题,并注明出处 / answers questions from the ops playbook, with sources.",
        f"• `{command} ask 活动上线前怎么预热?` 问手册 / ask the playbook",
        f"• `{command} ask How do we retain new users?` English works too",
        f"• `{command} checklist 双十二拉新活动,目标新增1万注册 launch 2026-12-12 end 2026-12-14` 生成活动清单 / draft a campaign checklist",
        f"• `{command} checklist move 双十二拉新活动 launch 2026-12-19 end 2026-12-21` 改日期 / move the dates",
        f"• `{command} checklists` 本频道的活动清单 / this channel's checklists"
        f" · `{command} calendar 双十二拉新活动` 导出日历 (.ics) / export to your calendar",
        f"• `{command} mine` 我名下未完成的事项 / my open items"
        f" · `{command} nudges off` 关闭每天上午的提醒私信 / stop my morning nudges",
        f"• `{command} remind #weekly 每周五下午4点 周报数据复盘` / `{command} remind me tomorrow 9am 交方案` 定时提醒 / reminders",
        f"• `{command} reminders` 待发送的提醒 / upcoming reminders · `{command} remind cancel <id>`",
        f"• `{command} review 双十二拉新活动 下周一 10:00` 安排复盘提醒 / schedule a campaign review",
        f"• `{command} learn https://…` 把网页加入知识库(知识库编辑)/ teach me a web page (knowledge editors)",
        f"• `{command} learn` 上传文件到知识库 / upload files · `{command} docs` 知识库列表 / the knowledge list",
        f"• `{command} scope` · `{command} scope add 活动方案` 本频道只从手册和这些集合回答(知识库编辑)"
        " / limit this channel to the playbook and some collections (knowledge editors)",
        f"• `{command} gaps` 我答不上来的问题,知识库编辑可直接补充答案 / questions I could not answer, for editors to answer",
        f"• `{command} help` 显示本帮助 / show this help",
        "也可以私信我,或在频道里 @opsbot 提问;知识库编辑私信我文件(docx、pdf、pptx、xlsx、html、md)即可加入知识库。"
        " / You can also DM me or @mention me in a channel; knowledge editors DM me files to teach me.",
    ]
    return [{"type": "section", "text": _mrkdwn("\n".join(lines))}]


def help_text(command: str) -> str:
    return f"opsbot: {command} ask <question> | {command} help"


def greeting_blocks() -> list[Block]:
    intro = (
        "你好!我是 opsbot,可以回答运营手册里的问题,并注明出处。试试这些问题 / "
        "Hi! I answer questions from your ops playbook, with sources. Try one:"
    )
    buttons = [
        _button(question[:70], f"ask_suggested_{index}", question)
        for index, question in enumerate(SUGGESTED_QUESTIONS)
    ]
    return [{"type": "section", "text": _mrkdwn(intro)}, {"type": "actions", "elements": buttons}]


def error_text(language: Language, detail: str) -> str:
    prefix = "抱歉," if language == "zh" else "Sorry, "
    return prefix + safe(detail, 500)

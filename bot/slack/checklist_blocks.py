"""Block Kit for checklists: a checkbox group per stage (10 options at most), owners, progress,
the per-item owner modal and a person's own open items (`/ops mine`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from bot.domain.checklists import Checklist, ChecklistItem, OpenItem
from bot.domain.morning_digest import ItemsByDue
from bot.domain.people import is_user_id
from bot.domain.sources import readable_label
from bot.services.ports import CampaignSummary
from bot.slack.blocks import Block, safe

OPTIONS_PER_GROUP = 10  # Slack's limit for one checkbox element
OPTION_TEXT_LIMIT = 75
ASSIGN_ACTION = "checklist_assign"
OWNERS_CALLBACK = "checklist_owners"
OWNER_BLOCK = "owner:"
MODAL_INPUTS = 99  # a modal holds 100 blocks: the heading and one picker per item
MINE_PER_GROUP = 15
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,20}$")
Names = Callable[[str], str]


def _day(day: date | None) -> str:
    return f"{day.month}/{day.day}" if day else "—"


def _option(item: ChecklistItem, names: Names | None = None) -> dict[str, Any]:
    description = f"due {_day(item.due)}" if item.due else "无截止日 / no due date"
    if item.owner and names is not None:
        # plain_text: a display name, never a mention; left out when it would not fit.
        owner = f" · 👤 {names(item.owner)}"
        if len(description + owner) <= OPTION_TEXT_LIMIT:
            description += owner
    if item.source:
        # plain_text: a review's citation names its author by display name, not as `<@U…>`.
        description += " · " + readable_label(item.source.split(" › ")[-1], names)
    else:
        description += " · 手册未涉及"
    return {
        "text": {"type": "mrkdwn", "text": safe(item.text, OPTION_TEXT_LIMIT), "verbatim": True},
        "description": {"type": "plain_text", "text": description[:OPTION_TEXT_LIMIT]},
        "value": item.item_id,
    }


def progress_line(checklist: Checklist) -> str:
    done, total = checklist.progress()
    campaign = checklist.campaign
    dates = "–".join(_day(d) for d in (campaign.launch, campaign.end) if d) or "日期待定"
    return f"{safe(campaign.kind_label, 40)} · {dates} · *{done}/{total} done*"


def checklist_blocks(checklist: Checklist, names: Names | None = None) -> list[Block]:
    campaign_id = checklist.campaign.campaign_id
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": checklist.campaign.name[:150]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": progress_line(checklist)}]},
    ]
    for stage in checklist.stages:
        if not stage.items:
            continue
        dues = [item.due for item in stage.items if item.due]
        window = f" · due {_day(min(dues))}–{_day(max(dues))}" if dues else ""
        owner = stage.items[0].owner
        owner_picker: dict[str, Any] = {
            "type": "users_select",
            "action_id": f"checklist_owner:{campaign_id}:{stage.key}",
            "placeholder": {"type": "plain_text", "text": "Owner / 负责人"},
        }
        if owner:
            owner_picker["initial_user"] = owner
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{safe(stage.name, 50)}*{window}"},
                "accessory": owner_picker,
            }
        )
        for part, start in enumerate(range(0, len(stage.items), OPTIONS_PER_GROUP)):
            group = stage.items[start : start + OPTIONS_PER_GROUP]
            element: dict[str, Any] = {
                "type": "checkboxes",
                "action_id": f"checklist_tick:{campaign_id}:{stage.key}:{part}",
                "options": [_option(item, names) for item in group],
            }
            ticked = [_option(item, names) for item in group if item.done]
            if ticked:
                element["initial_options"] = ticked
            elements = [element]
            if start + OPTIONS_PER_GROUP >= len(stage.items):  # the stage's last group: no extra block
                elements.append(_assign_button(campaign_id, stage.key))
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"items:{campaign_id}:{stage.key}:{part}",
                    "elements": elements,
                }
            )
    notes = "\n".join(safe(note, 500) for note in checklist.notes)
    if notes:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notes[:1900]}]})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Export Markdown"},
                    "action_id": "checklist_export",
                    "value": campaign_id,
                },
                calendar_button(campaign_id),
            ],
        }
    )
    return blocks


def _assign_button(campaign_id: str, stage_key: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "逐项指派 / Assign items"},
        "action_id": f"{ASSIGN_ACTION}:{campaign_id}:{stage_key}",
        "value": stage_key,
    }


def owners_modal(checklist: Checklist, stage_key: str) -> dict[str, Any]:
    """One person picker per item of the stage, each showing the item's owner now."""
    stage = next(s for s in checklist.stages if s.key == stage_key)
    inputs: list[Block] = []
    for item in stage.items[:MODAL_INPUTS]:
        picker: dict[str, Any] = {
            "type": "users_select",
            "action_id": "owner",
            "placeholder": {"type": "plain_text", "text": "Owner / 负责人"},
        }
        if item.owner:
            picker["initial_user"] = item.owner
        inputs.append(
            {
                "type": "input",
                "block_id": f"{OWNER_BLOCK}{item.item_id}",
                "optional": True,
                "label": {"type": "plain_text", "text": item.text[:2000] or item.item_id},
                "element": picker,
            }
        )
    heading = f"*{safe(checklist.campaign.name, 150)}* · {safe(stage.name, 50)}"
    return {
        "type": "modal",
        "callback_id": OWNERS_CALLBACK,
        "private_metadata": json.dumps({"campaign": checklist.campaign.campaign_id, "stage": stage_key}),
        "title": {"type": "plain_text", "text": "逐项指派 / Assign items"},
        "submit": {"type": "plain_text", "text": "保存 / Save"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": heading}}, *inputs],
    }


def submitted_owners(view: dict[str, Any]) -> dict[str, str | None]:
    """item id → the person picked for it, from a submitted owner modal; None where the picker was
    emptied (Slack sends `selected_user: null`): that item has no owner any more."""
    values = (view.get("state") or {}).get("values") or {}
    picked: dict[str, str | None] = {}
    for block_id, fields in values.items():
        if block_id.startswith(OWNER_BLOCK) and "owner" in fields:
            chosen = fields["owner"].get("selected_user")
            picked[block_id.removeprefix(OWNER_BLOCK)] = str(chosen) if chosen else None
    return picked


def owner_mention(owner: str | None) -> str:
    """A validated user id as a mention (it notifies that one person); anything else made inert."""
    if not owner:
        return "未指派 / no owner"
    return f"<@{owner}>" if is_user_id(owner) else safe(owner, 40)


def open_item_line(item: OpenItem, day: date, with_campaign: bool = True, with_owner: bool = False) -> str:
    """`• 与各部门确认资源与排期 · 双十二拉新活动 <#C…> · overdue since 12/4`; item text made inert."""
    parts = [f"• {safe(item.text, 200)}"]
    if with_campaign:
        where = f"<#{item.channel}>" if CHANNEL_ID.match(item.channel) else ""
        parts.append(f"{safe(item.campaign_name, 80)} {where}".strip())
    if item.due is None:
        parts.append("无截止日 / no due date")
    elif item.due < day:
        parts.append(f"逾期 / overdue since {_day(item.due)}")
    else:
        parts.append(f"due {_day(item.due)}")
    if with_owner:
        parts.append(owner_mention(item.owner))
    return " · ".join(parts)


def my_items_blocks(grouped: ItemsByDue, day: date) -> list[Block]:
    """`/ops mine`: the person's open items across campaigns, overdue first."""
    if not grouped.count:
        return [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "你名下没有未完成的事项 / You have no open items. 🎉"},
            }
        ]
    blocks: list[Block] = []
    for title, items in (
        ("已逾期 / Overdue", grouped.overdue),
        ("今天到期 / Due today", grouped.today),
        ("即将到期 / Upcoming", grouped.upcoming),
        ("无截止日 / No due date", grouped.undated),
    ):
        if not items:
            continue
        lines = [open_item_line(item, day) for item in items[:MINE_PER_GROUP]]
        if len(items) > MINE_PER_GROUP:
            lines.append(f"… +{len(items) - MINE_PER_GROUP}")
        text = f"*{title}* ({len(items)})\n" + "\n".join(lines)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": fit_lines(text)}})
    return blocks


def fit_lines(text: str, limit: int = 2900) -> str:
    """Whole lines up to Slack's section limit, and how many were left out."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    lines = text.split("\n")
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) > limit - 20:
            break
        kept.append(line)
    return "\n".join(kept) + f"\n… +{len(lines) - len(kept)}"


def checklist_text(checklist: Checklist) -> str:
    """The message's `text`, what Slack notifies with: the name made inert like everything in the blocks."""
    done, total = checklist.progress()
    return f"{safe(checklist.campaign.name, 150)}: {done}/{total} done"


def calendar_button(campaign_id: str) -> dict[str, Any]:
    """**Export calendar (.ics)**: the campaign's dates and reminders, uploaded to the clicker's DM."""
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Export calendar (.ics)"},
        "action_id": "checklist_export_ics",
        "value": campaign_id,
    }


def summaries_blocks(summaries: list[CampaignSummary]) -> list[Block]:
    if not summaries:
        return [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "这个频道还没有活动清单 / No checklists in this channel yet.",
                },
            }
        ]
    blocks: list[Block] = []
    for summary in summaries[:20]:
        dates = "–".join(_day(d) for d in (summary.launch, summary.end) if d) or "日期待定"
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{safe(summary.name, 150)}* · {dates} · {summary.done}/{summary.total} done",
                },
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Export Markdown"},
                    "action_id": "checklist_export",
                    "value": summary.campaign_id,
                },
            }
        )
        # A section holds one accessory: the calendar button gets its own row (2 blocks × 20 < 50).
        blocks.append({"type": "actions", "elements": [calendar_button(summary.campaign_id)]})
    return blocks

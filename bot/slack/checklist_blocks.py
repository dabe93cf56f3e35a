"""Block Kit for checklists: a checkbox group per stage (10 options at most), owners, progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.checklists import Checklist, ChecklistItem
from bot.services.ports import CampaignSummary
from bot.slack.blocks import Block, safe

OPTIONS_PER_GROUP = 10  # Slack's limit for one checkbox element
OPTION_TEXT_LIMIT = 75


def _day(day: date | None) -> str:
    return f"{day.month}/{day.day}" if day else "—"


def _option(item: ChecklistItem) -> dict[str, Any]:
    description = f"due {_day(item.due)}" if item.due else "无截止日 / no due date"
    if item.source:
        description += " · " + item.source.split(" › ")[-1]
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


def checklist_blocks(checklist: Checklist) -> list[Block]:
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
                "options": [_option(item) for item in group],
            }
            ticked = [_option(item) for item in group if item.done]
            if ticked:
                element["initial_options"] = ticked
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"items:{campaign_id}:{stage.key}:{part}",
                    "elements": [element],
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
            ],
        }
    )
    return blocks


def checklist_text(checklist: Checklist) -> str:
    """The message's `text`, what Slack notifies with: the name made inert like everything in the blocks."""
    done, total = checklist.progress()
    return f"{safe(checklist.campaign.name, 150)}: {done}/{total} done"


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
    return blocks

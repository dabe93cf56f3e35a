"""Campaign checklists: what a drafted checklist is, its progress, and how it reads as JSON or Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class ChecklistItem:
    item_id: str
    text: str
    due: date | None
    source: str | None
    owner: str | None = None
    done: bool = False
    # Where the due date comes from, kept with the item so a later template edit never moves it:
    # `anchor` is "launch" or "end", `offset` is in working days (negative: before the anchor).
    anchor: str | None = None
    offset: int | None = None
    # The item's normal slot had already passed when the plan was made, so it is due today (or the
    # next working day) instead: later than the template asks, and the checklist says so.
    compressed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.item_id,
            "text": self.text,
            "due": self.due.isoformat() if self.due else None,
            "owner": self.owner,
            "done": self.done,
            "source": self.source,
            "compressed": self.compressed,
        }


@dataclass(frozen=True)
class OpenItem:
    """One not-yet-ticked item with the campaign it belongs to: what nudges, digests and Home list."""

    campaign_id: str
    campaign_name: str
    channel: str
    stage_key: str
    stage_name: str
    item_id: str
    text: str
    due: date | None
    owner: str | None
    source: str | None = None

    def overdue_on(self, day: date) -> bool:
        return self.due is not None and self.due < day


@dataclass(frozen=True)
class TickChanges:
    """What one person's click changed: items they ticked and items they unticked."""

    ticked: list[str]
    unticked: list[str]


def tick_changes(selected: list[str], shown_ticked: list[str], group: list[str]) -> TickChanges:
    """Compare the click with what that person's message showed, within the clicked group only.

    Slack sends the group's whole new selection; applying only the difference keeps another
    person's tick made a moment ago (their message showed it, this one did not).
    """
    members = set(group)
    now_ticked = set(selected) & members
    before = set(shown_ticked) & members
    return TickChanges(sorted(now_ticked - before), sorted(before - now_ticked))


@dataclass
class Stage:
    key: str
    name: str
    items: list[ChecklistItem]


@dataclass
class Campaign:
    campaign_id: str
    name: str
    kind: str
    kind_label: str
    launch: date | None
    end: date | None


@dataclass
class Checklist:
    campaign: Campaign
    stages: list[Stage]
    notes: list[str] = field(default_factory=list)

    def items(self) -> list[ChecklistItem]:
        return [item for stage in self.stages for item in stage.items]

    def progress(self) -> tuple[int, int]:
        items = self.items()
        return sum(item.done for item in items), len(items)

    def to_json(self) -> dict[str, Any]:
        campaign = self.campaign
        return {
            "campaign": {
                "id": campaign.campaign_id,
                "name": campaign.name,
                "kind": campaign.kind,
                "launch": campaign.launch.isoformat() if campaign.launch else None,
                "end": campaign.end.isoformat() if campaign.end else None,
            },
            "stages": [{"name": s.name, "items": [i.to_json() for i in s.items]} for s in self.stages],
        }

    def to_markdown(self) -> str:
        campaign = self.campaign
        done, total = self.progress()
        dates = " – ".join(d.isoformat() for d in (campaign.launch, campaign.end) if d) or "日期待定"
        lines = [f"# {campaign.name}", "", f"{campaign.kind_label} · {dates} · {done}/{total} done", ""]
        for stage in self.stages:
            lines.append(f"## {stage.name}")
            lines.append("")
            for item in stage.items:
                mark = "x" if item.done else " "
                compressed = " (compressed)" if item.compressed else ""
                extras = [
                    f"due {item.due.isoformat()}{compressed}" if item.due else "",
                    f"owner {item.owner}" if item.owner else "",
                ]
                source = f"来源:{item.source}" if item.source else "手册未涉及"
                details = " · ".join(part for part in [*extras, source] if part)
                lines.append(f"- [{mark}] {item.text} ({details})")
            lines.append("")
        lines += [f"> {note}" for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"

"""`/ops scope`: a channel's collections shown, added, removed or cleared, always in a private reply."""

from __future__ import annotations

from bot.domain.sources import PLAYBOOK_COLLECTION
from bot.services.scopes import ScopeChange, ScopeService, ScopeView
from bot.slack.blocks import safe
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest

USAGE = (
    "用法 / usage: `{command} scope` · `{command} scope add 活动方案` · `{command} scope remove 活动方案`"
    " · `{command} scope clear`"
)


def scope_text(view: ScopeView, command: str = "/ops") -> str:
    """The channel's collections (or "all"), then every collection with its number of entries."""
    if view.scoped:
        names = "、".join(f"「{safe(name, 64)}」" for name in [PLAYBOOK_COLLECTION, *view.collections])
        head = f"*本频道只从这些集合回答 / This channel answers from:* {names}"
    else:
        head = "*本频道从全部集合回答 / This channel answers from every collection.*"
    lines = [head, "现有集合 / Collections:"]
    lines += [f"• {safe(c.name, 64)} · {c.entries} 条 / entries" for c in view.existing]
    lines.append(USAGE.format(command=command))
    return "\n".join(lines)


def change_text(change: ScopeChange, added: bool, command: str = "/ops") -> str:
    name = safe(change.collection, 64)
    if added and change.collection == PLAYBOOK_COLLECTION:
        first = f"「{name}」总在范围里。 / The {name} (playbook) collection is always answered from."
    elif added:
        first = (
            f"已把「{name}」加入本频道的范围。 / Added {name} to this channel's collections."
            if change.changed
            else f"「{name}」已经在本频道的范围里。 / {name} was already among this channel's collections."
        )
    else:
        first = f"已把「{name}」移出本频道的范围。 / Removed {name} from this channel's collections."
    return f"{first}\n{scope_text(change.view, command)}"


class ScopeResponder:
    """Thin: parses the subcommand's argument, calls the service, replies privately."""

    def __init__(self, service: ScopeService, replier: Replier, command: str = "/ops") -> None:
        self.service = service
        self._replier = replier
        self._command = command

    def show(self, request: SlackRequest) -> None:
        self._replier.private(request, scope_text(self.service.show(request.channel_id), self._command))

    def add(self, request: SlackRequest) -> None:
        if not request.text.strip():
            self._replier.private(request, USAGE.format(command=self._command))
            return
        change = self.service.add(request.user_id, request.channel_id, request.text)
        self._replier.private(request, change_text(change, True, self._command))

    def remove(self, request: SlackRequest) -> None:
        if not request.text.strip():
            self._replier.private(request, USAGE.format(command=self._command))
            return
        change = self.service.remove(request.user_id, request.channel_id, request.text)
        self._replier.private(request, change_text(change, False, self._command))

    def clear(self, request: SlackRequest) -> None:
        view = self.service.clear(request.user_id, request.channel_id)
        text = "已清除范围,本频道从全部集合回答。 / Cleared: this channel answers from every collection."
        self._replier.private(request, f"{text}\n{scope_text(view, self._command)}")

"""The slash command (`/ops` by default): one table of subcommands, each acknowledged then handed on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.domain.language import detect_language
from bot.slack import blocks
from bot.slack.listeners.context import Services
from bot.slack.parsing import parse_command
from bot.slack.request import SlackRequest

DRAFTING = "⏳ 正在按手册生成活动清单… / Drafting the checklist…"
LEARNING = "⏳ 正在读取网页… / Reading the page…"


@dataclass(frozen=True)
class Route:
    """Which unit of work a subcommand runs, and what the acknowledgement says meanwhile."""

    work: Callable[[Services], Callable[..., None]]
    ack_text: Callable[[str], str] | None = None
    needs_argument: bool = True


# "<subcommand> <word>" is looked up before "<subcommand>", so `checklist move …` wins over `checklist …`.
ROUTES: dict[str, Route] = {
    "ask": Route(
        lambda s: s.responder.answer_command, lambda text: blocks.working_text(detect_language(text))
    ),
    "checklist move": Route(lambda s: s.checklists.move_dates),
    "checklist": Route(lambda s: s.checklists.draft_and_post, lambda _: DRAFTING),
    "checklists": Route(lambda s: s.checklists.list_for_channel, needs_argument=False),
    "remind cancel": Route(lambda s: lambda request: s.reminders.cancel(request, request.text)),
    "remind": Route(lambda s: s.reminders.create),
    "reminders": Route(lambda s: s.reminders.list_for, needs_argument=False),
    "review": Route(lambda s: s.reminders.review_by_hand),
    "learn": Route(lambda s: s.knowledge.learn_page, lambda _: LEARNING),
    "docs": Route(lambda s: s.knowledge.list_docs, needs_argument=False),
}


def route(name: str, argument: str) -> tuple[Route, str] | None:
    """The route for a parsed subcommand and the text its work receives; None means help."""
    first, _, rest = argument.partition(" ")
    nested = ROUTES.get(f"{name} {first.lower()}")
    if nested is not None:
        return nested, rest.strip()
    found = ROUTES.get(name)
    if found is None or (found.needs_argument and not argument):
        return None
    return found, argument


def register(app: App, services: Services) -> None:
    command_name = services.settings.slash_command

    @app.command(command_name)
    def handle_command(ack: Ack, command: dict[str, Any]) -> None:
        parsed = parse_command(command.get("text", ""))
        found = route(parsed.name, parsed.argument)
        if found is None:
            unknown = parsed.argument if parsed.name == "unknown" else None
            ack(text=blocks.help_text(command_name), blocks=blocks.help_blocks(command_name, unknown))
            return
        chosen, text = found
        if chosen.ack_text is not None:
            ack(response_type="ephemeral", text=chosen.ack_text(text))
        else:
            ack()
        services.submit(chosen.work(services), SlackRequest.from_command(command).with_text(text))

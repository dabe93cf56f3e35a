"""The slash command (`/ops` by default): one table of subcommands, each acknowledged then handed on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.domain.errors import OpsbotError
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
    # None, or an empty text, acknowledges silently (a modal about to open needs no "working…").
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
    "mine": Route(lambda s: s.checklists.mine, needs_argument=False),
    "remind cancel": Route(lambda s: lambda request: s.reminders.cancel(request, request.text)),
    "remind": Route(lambda s: s.reminders.create),
    "reminders": Route(lambda s: s.reminders.list_for, needs_argument=False),
    "review": Route(lambda s: s.reminders.review_by_hand),
    # `/ops learn https://…` reads a page; `/ops learn` alone opens the upload form.
    "learn": Route(lambda s: s.knowledge.learn, lambda text: LEARNING if text else "", needs_argument=False),
    "docs": Route(lambda s: s.knowledge.list_docs, needs_argument=False),
    "scope add": Route(lambda s: partial(_scope, s, "add")),
    "scope remove": Route(lambda s: partial(_scope, s, "remove")),
    "scope clear": Route(lambda s: partial(_scope, s, "clear")),
    "scope": Route(lambda s: partial(_scope, s, "show"), needs_argument=False),
    "gaps": Route(lambda s: partial(_gaps, s), needs_argument=False),
    "calendar": Route(lambda s: partial(_calendar, s)),
    "nudges off": Route(lambda s: partial(_nudges, s, "turn_off"), needs_argument=False),
    "nudges on": Route(lambda s: partial(_nudges, s, "turn_on"), needs_argument=False),
    "nudges": Route(lambda s: partial(_nudges, s, "status"), needs_argument=False),
}


def _gaps(services: Services, request: SlackRequest) -> None:
    """`/ops gaps`: the open knowledge gaps, privately."""
    if services.gaps is None:  # bootstrap_slack always wires it; a partial test app may not
        raise OpsbotError("这个 opsbot 没有启用知识缺口。 / Knowledge gaps are not enabled here.")
    services.gaps.list_gaps(request)


def _nudges(services: Services, action: str, request: SlackRequest) -> None:
    """`/ops nudges [on|off]`: the person's own morning DM, privately."""
    if services.nudges is None:  # bootstrap_slack always wires it; a partial test app may not
        raise OpsbotError("这个 opsbot 没有启用早间提醒。 / Morning nudges are not enabled here.")
    getattr(services.nudges, action)(request)


def _calendar(services: Services, request: SlackRequest) -> None:
    """`/ops calendar <campaign name>`: the campaign's .ics file, into the person's DM."""
    if services.calendar is None:  # bootstrap_slack always wires it; a partial test app may not
        raise OpsbotError("这个 opsbot 没有启用日历导出。 / Calendar export is not enabled here.")
    services.calendar.export_named(request)


def _scope(services: Services, action: str, request: SlackRequest) -> None:
    """`/ops scope …` on the worker thread, where a missing piece becomes a private reply."""
    if services.scopes is None:  # bootstrap_slack always wires it; a partial test app may not
        raise OpsbotError("这个 opsbot 没有启用频道范围。 / Channel scopes are not enabled here.")
    getattr(services.scopes, action)(request)


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
        working = chosen.ack_text(text) if chosen.ack_text is not None else ""
        if working:
            ack(response_type="ephemeral", text=working)
        else:
            ack()
        services.submit(chosen.work(services), SlackRequest.from_command(command).with_text(text))

"""The `opsbot` command: index the knowledge base and ask it questions from a terminal."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from pydantic import ValidationError

from bot.domain.dates import InvalidDate
from bot.domain.errors import InvalidQuestion, OpsbotError
from bot.domain.extractive import format_citation
from bot.domain.models import Answer
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.container import Container

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 1
# After SIGTERM: HTTP requests in flight get 3 s, answers and reminder jobs this long; exit within 10 s.
STOP_WORK_S = 5.0
PROGRESS_MIN_RECORDS = 256


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsbot", description="Ask your operations playbook; index the knowledge base."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question from the playbook, with sources")
    ask.add_argument("question", help="the question, or - to read one question per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    commands.add_parser("index", help="index the knowledge directory (only what changed)")
    checklist = commands.add_parser("checklist", help="draft a campaign checklist from the playbook")
    checklist.add_argument("description", help="e.g. 双十二拉新活动,目标新增1万注册")
    checklist.add_argument("--launch", help="launch date: 2026-12-12, 12月12日, next Friday …")
    checklist.add_argument("--end", help="end date, same forms")
    output = checklist.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the checklist as JSON")
    output.add_argument("--markdown", action="store_true", help="print the checklist as Markdown")
    when = commands.add_parser("when", help="what a reminder phrase would do: its next firings")
    when.add_argument(
        "phrase", help='e.g. "me to submit the report at 3pm every day" or "每月15号上午10点 对账"'
    )
    when.add_argument("--now", help="read as if it were this moment (ISO-8601; default: now)")
    when.add_argument("--tz", help="the creator's time zone (default OPSBOT_TIMEZONE)")
    when.add_argument("--json", action="store_true", help="print one JSON object")
    commands.add_parser("migrate", help="upgrade the state database (DATABASE_URL) to this version")
    serve = commands.add_parser("serve", help="run the Slack bot (Socket Mode if SLACK_APP_TOKEN is set)")
    serve.add_argument("--port", type=int, help="HTTP port (default $PORT or 3000)")
    serve.add_argument("--http", action="store_true", help="serve HTTP even if SLACK_APP_TOKEN is set")
    return parser


def _settings_error(error: ValidationError) -> str:
    """Name the variable and the problem, never the value (it may be a secret)."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "settings"
        problems.append(f"{field.upper() if field != 'settings' else field}: {item['msg']}")
    return "invalid configuration: " + "; ".join(problems)


def _progress_bar(total: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        unit="passage",
        desc="Embedding",
        file=sys.stderr,
        disable=None if total >= PROGRESS_MIN_RECORDS else True,
        leave=False,
    )

    def advance(done: int) -> None:
        bar.update(done)
        if bar.n >= total:
            bar.close()

    return advance


def render_text(answer: Answer) -> str:
    lines = [answer.note] if answer.note else []
    lines.append(answer.text)
    if answer.sources:
        lines.append("")
        lines.extend(format_citation(n, passage) for n, passage in enumerate(answer.sources, 1))
    if answer.related:
        lines.append("")
        lines.append("相关 / related:")
        lines.extend(f"- {passage.section}    {passage.source}" for passage in answer.related)
    return "\n".join(lines)


def _ask_batch(answer: Callable[[str], Answer], stream: TextIO, as_json: bool, out: TextIO) -> int:
    """One answer per input line, in order; a bad line reports its error and the batch goes on."""
    for raw in sys.stdin.buffer if stream is sys.stdin else (line.encode() for line in stream):
        line = raw.rstrip(b"\r\n")
        try:
            question = line.decode("utf-8")
        except UnicodeDecodeError:
            question = line.decode("utf-8", errors="replace")
        try:
            result: dict[str, object] | str = (
                answer(question).to_json() if as_json else render_text(answer(question))
            )
        except InvalidQuestion as error:
            result = {"question": question, "error": str(error)} if as_json else f"error: {error}"
        print(json.dumps(result, ensure_ascii=False) if as_json else f"{result}\n", file=out, flush=True)
    return 0


def _checklist(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    from bot.domain.dates import parse_date
    from bot.domain.drafting import parse_request
    from bot.domain.spaces import normalize_spaces

    today = container.clock.today()
    request = parse_request(args.description, today)
    launch = parse_date(normalize_spaces(args.launch), today) if args.launch else request.launch
    end = parse_date(normalize_spaces(args.end), today) if args.end else request.end
    checklist = container.drafter.draft(request.description, launch, end)
    if args.json:
        print(json.dumps(checklist.to_json(), ensure_ascii=False, indent=2), file=out)
    else:
        print(checklist.to_markdown(), file=out, end="")
    return 0


def _migrate(settings: Settings, out: TextIO) -> int:
    """Upgrade the state database; run once per release, before any `serve` on a server database."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.adapters.database import make_engine
    from bot.adapters.migrate import upgrade

    engine = make_engine(settings.database)
    try:
        print(upgrade(engine).summary(), file=out)
    except (OpsbotError, SQLAlchemyError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"opsbot: could not migrate: {detail}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        engine.dispose()
    return 0


def _serve(settings: Settings, port: int | None, force_http: bool) -> int:
    """Check the credentials first (one line and exit 2 if wrong), then serve until stopped."""
    from bot.slack.config import SlackConfigError, slack_credentials

    try:
        credentials = slack_credentials(settings, force_http)
    except SlackConfigError as error:
        print(f"opsbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    from bot.container import bootstrap, bootstrap_slack
    from bot.logging_setup import RedactingFilter
    from bot.slack.server import serve_http, serve_socket_mode

    secrets = [credentials.bot_token, credentials.signing_secret, credentials.app_token or ""]
    try:
        container = bootstrap(settings)
        runtime = bootstrap_slack(container, credentials)
    except Exception as error:  # e.g. auth.test refused the token, or the database is unreachable
        detail = RedactingFilter(secrets).redact(f"{type(error).__name__}: {error}")
        print(f"opsbot: could not start: {detail}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    runtime.load_knowledge_in_background(container.knowledge)
    runtime.scheduler.start()
    stop = _stop_on_signals()
    started = True
    if credentials.app_token:
        serve_socket_mode(runtime.app, credentials.app_token, stop, runtime.health, settings.health_port)
    else:
        started = serve_http(runtime.asgi, port or settings.port, stop=stop)
    logging.getLogger(__name__).warning("stopping: finishing work in flight")
    if not runtime.stop(STOP_WORK_S):
        # Worker threads still busy would hold the interpreter open past the deadline; what they
        # claimed has been handed back, so leave now.
        logging.shutdown()
        os._exit(EXIT_UNAVAILABLE)
    # The collector would walk the whole loaded index once more at exit (seconds); nothing in it
    # needs finalizing, and the exit must come within 10 s of SIGTERM.
    gc.freeze()
    return 0 if started else EXIT_UNAVAILABLE


def _stop_on_signals() -> threading.Event:
    """SIGTERM (and Ctrl-C) ask `serve` to stop gracefully instead of dying mid-work."""
    stop = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        # Setting an Event takes its lock, which the interrupted main thread may be holding.
        threading.Thread(target=stop.set, name="stop-signal").start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handle)
    return stop


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"opsbot: {_settings_error(error)}", file=sys.stderr)
        return EXIT_USAGE
    from bot.logging_setup import configure_from_settings

    configure_from_settings(settings, logging.INFO if args.command == "serve" else logging.WARNING)
    if args.command == "serve":
        return _serve(settings, args.port, args.http)
    if args.command == "migrate":
        return _migrate(settings, out)
    if args.command == "when":
        from bot.when_command import run_when

        return run_when(
            args.phrase, args.now, args.tz or settings.timezone, settings.holidays_file, args.json, out
        )
    from bot.domain.drafting import ChecklistError  # its checklist template is slow to load: not for `when`

    try:
        from bot.container import bootstrap

        container = bootstrap(settings, progress=_progress_bar, from_snapshot=True)
        if args.command == "index":
            print(container.knowledge.refresh().summary(), file=out)
            return 0
        if args.command == "checklist":
            return _checklist(container, args, out)
        report = container.knowledge.refresh()
        if report.rebuilt_reason:
            print(f"opsbot: the index was rebuilt: {report.rebuilt_reason}", file=sys.stderr)
        if args.question == "-":
            return _ask_batch(container.answerer.answer, stdin or sys.stdin, args.json, out)
        answer = container.answerer.answer(args.question)
        print(
            json.dumps(answer.to_json(), ensure_ascii=False) if args.json else render_text(answer), file=out
        )
        return 0
    except (InvalidQuestion, InvalidDate, ChecklistError) as error:
        print(f"opsbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OpsbotError as error:
        print(f"opsbot: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except KeyboardInterrupt:
        return 130

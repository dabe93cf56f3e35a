"""Is the process alive, is it ready, and did a write just fail: what `/healthz` and `/readyz` report.

Write failures are seen at the engine (a SQLAlchemy `handle_error` hook), so every store on it is
covered, including ones written later, and counted once in `bot.metrics.WRITE_FAILURES`.
"""

from __future__ import annotations

import errno
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot import metrics

log = logging.getLogger(__name__)

# How long one failed write keeps the process not ready: long enough for a probe to notice.
WRITE_FAILURE_WINDOW_S = 300.0
_WRITES = ("insert", "update", "delete", "create", "alter", "drop", "replace")
_STORAGE_WORDS = (
    "disk is full",
    "disk full",
    "no space left",
    "readonly database",
    "disk i/o error",
    "could not extend file",
    "read-only file system",
)

# A check returns None when fine, else the reason it is not.
Check = Callable[[], str | None]


def is_storage_failure(error: BaseException) -> bool:
    """A write the database or the disk refused (full, read-only, I/O): not the user's doing."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO):
        return True
    if isinstance(error, OperationalError):
        return any(word in str(error.orig).lower() for word in _STORAGE_WORDS) or _is_write(error.statement)
    return False


def _is_write(statement: str | None) -> bool:
    return bool(statement) and str(statement).lstrip().lower().startswith(_WRITES)


class WriteFailures:
    """The latest failed write, so readiness can say "a write failed 12 s ago: database or disk is full"."""

    def __init__(self, window_s: float = WRITE_FAILURE_WINDOW_S, now: Callable[[], float] = time.monotonic):
        self._window_s = window_s
        self._now = now
        self._last: tuple[float, str] | None = None
        self._lock = threading.Lock()

    def record(self, error: BaseException) -> None:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0][:200] or type(error).__name__
        metrics.WRITE_FAILURES.inc()
        with self._lock:
            self._last = (self._now(), reason)
        log.error("a write failed: %s", reason)

    def recent(self) -> str | None:
        with self._lock:
            last = self._last
        if last is None or self._now() - last[0] > self._window_s:
            return None
        return f"a write failed {self._now() - last[0]:.0f} s ago: {last[1]}"

    def watch(self, engine: Engine) -> None:
        """Record every failed write on `engine`, whichever store made it."""

        def on_error(context: ExceptionContext) -> None:
            error = context.sqlalchemy_exception
            if error is not None and not context.is_disconnect and is_storage_failure(error):
                self.record(error)

        event.listen(engine, "handle_error", on_error)


def database_check(engine: Engine) -> Check:
    """A cheap `SELECT 1`: the database answers."""

    def check() -> str | None:
        try:
            with engine.connect() as db:
                db.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            return f"database unreachable: {type(error).__name__}"
        return None

    return check


def scheduler_check(leader_known: Callable[[], bool | None]) -> Check:
    """Leader known: this process leads, or another one does. `None` means the scheduler is not
    started here, so the check does not apply."""

    def check() -> str | None:
        return "no scheduler leader known" if leader_known() is False else None

    return check


@dataclass(frozen=True)
class Status:
    code: int
    body: str


class Health:
    """`/healthz`: the process answers (200 while it runs). `/readyz`: every check passes, else 503."""

    def __init__(self, checks: Mapping[str, Check], writes: WriteFailures | None = None) -> None:
        self._checks = dict(checks)
        self.writes = writes or WriteFailures()
        self._checks.setdefault("writes", self.writes.recent)

    def add(self, name: str, check: Check) -> None:
        self._checks[name] = check

    def _results(self) -> dict[str, str]:
        results = {}
        for name, check in self._checks.items():
            try:
                problem = check()
            except Exception as error:  # a broken check means not ready, never a crashed probe
                problem = f"check failed: {type(error).__name__}"
            results[name] = problem or "ok"
        return results

    def alive(self) -> Status:
        """Always 200 while the process serves: a restart would not fix a full disk or a slow index."""
        return Status(200, "ok")

    def ready(self) -> Status:
        results = self._results()
        problems = {name: result for name, result in results.items() if result != "ok"}
        return Status(
            503 if problems else 200,
            json.dumps({"status": "not ready" if problems else "ready", "checks": results}),
        )

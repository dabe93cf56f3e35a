"""Which process leads (runs the reminder scheduler): a lock the operating system or database frees on death.

No lease with an expiry compared across hosts: a PostgreSQL session-level advisory lock is held on a
connection of its own and released by the server when that connection ends; on the embedded SQLite
default, `flock` on a file beside the database is released by the kernel when the holder dies. A
standby calls `try_acquire()` every few seconds; the leader calls `still_held()` and steps down when
it says False (its connection was lost, so someone else may lead by now).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# A crashed host's connection is dropped by the server after idle + interval × count seconds (11 s),
# so a standby retrying every 3 s takes over within 15 s even when no TCP reset ever arrives.
_KEEPALIVE = {"idle": 5, "interval": 2, "count": 3}


class Leadership(Protocol):
    """One named leader among the processes sharing a database."""

    def try_acquire(self) -> bool:
        """Become the leader if nobody is; True if this process leads now (never blocks long)."""
        ...

    def still_held(self) -> bool:
        """False once leadership is lost (the lock's connection died); the caller must step down."""
        ...

    def release(self) -> None:
        """Step down at once, so a standby takes over without waiting for this process to die."""
        ...

    def holder(self) -> str | None:
        """Who leads ("host:pid"), None if nobody does: for readiness checks and tests."""
        ...


def identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def leadership_for(engine: Engine, name: str = "reminder-scheduler") -> Leadership:
    """The lock that fits the database: advisory on PostgreSQL, a file beside SQLite's."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return AdvisoryLockLeadership(engine, name)
    if dialect == "sqlite":
        database = engine.url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise ValueError("leadership needs an SQLite database file (processes share it by path)")
        return FileLockLeadership(Path(f"{database}.{name}.lock"))
    raise ValueError(f"no leadership lock for the {dialect} database")


def lock_key(name: str) -> int:
    """A stable positive 64-bit key per name, so other advisory locks (migrations) never collide."""
    digest = hashlib.sha256(f"opsbot:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


class AdvisoryLockLeadership:
    """`pg_try_advisory_lock` on a dedicated connection held open for as long as this process leads."""

    def __init__(self, engine: Engine, name: str) -> None:
        self._key = lock_key(name)
        self._engine = engine
        # Outside the pool: a pooled connection handed back with the lock still on it would lend
        # leadership to whichever request borrowed it next.
        self._own = create_engine(
            engine.url,
            poolclass=NullPool,
            connect_args={
                "connect_timeout": 5,
                "application_name": f"opsbot-leader {identity()}"[:63],
                "keepalives": 1,
                "keepalives_idle": _KEEPALIVE["idle"],
                "keepalives_interval": _KEEPALIVE["interval"],
                "keepalives_count": _KEEPALIVE["count"],
                "tcp_user_timeout": 10_000,
                "options": " ".join(f"-c tcp_keepalives_{k}={v}" for k, v in _KEEPALIVE.items()),
            },
        )
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            if self._connection is not None:
                return self._check()
            try:
                connection = self._own.connect().execution_options(isolation_level="AUTOCOMMIT")
            except Exception as error:
                log.warning("cannot reach the database to lead: %s", type(error).__name__)
                return False
            try:
                taken = bool(
                    connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar()
                )
            except Exception as error:
                log.warning("advisory lock attempt failed: %s", type(error).__name__)
                taken = False
            if taken:
                self._connection = connection
            else:
                connection.close()
            return taken

    def still_held(self) -> bool:
        with self._lock:
            return self._connection is not None and self._check()

    def _check(self) -> bool:
        """Ask pg_locks on the lock's own connection: a broken connection or a proxy that
        switched server sessions (pgbouncer in transaction mode) both mean we do not lead."""
        assert self._connection is not None
        try:
            held = bool(
                self._connection.execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND pid = pg_backend_pid() AND classid = :hi AND objid = :lo AND objsubid = 1)"
                    ),
                    {"hi": self._key >> 32, "lo": self._key & 0xFFFF_FFFF},
                ).scalar()
            )
        except Exception as error:
            log.warning("lost the leadership connection: %s", type(error).__name__)
            held = False
        if not held:
            self._close()
        return held

    def release(self) -> None:
        with self._lock:
            if self._connection is None:
                return
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            except Exception as error:  # closing the connection frees the lock all the same
                log.info("advisory unlock failed: %s", type(error).__name__)
            self._close()

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                log.debug("closing a broken leadership connection failed", exc_info=True)

    def holder(self) -> str | None:
        with self._engine.connect() as db:
            name = db.execute(
                text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :hi AND l.objid = :lo"
                    " AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                ),
                {"hi": self._key >> 32, "lo": self._key & 0xFFFF_FFFF},
            ).scalar()
        return str(name).removeprefix("opsbot-leader ") if name is not None else None


class FileLockLeadership:
    """An exclusive `flock` on a file beside the SQLite database; the kernel frees it when we die.

    Each instance opens the file itself, so two instances in one process exclude each other too.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            if self._fd is not None:
                return self._check()
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            os.ftruncate(fd, 0)
            os.pwrite(fd, identity().encode(), 0)
            self._fd = fd
            return True

    def still_held(self) -> bool:
        with self._lock:
            return self._fd is not None and self._check()

    def _check(self) -> bool:
        """A lock file deleted (or replaced) under us no longer excludes anyone: step down."""
        assert self._fd is not None
        try:
            held = os.stat(self._path).st_ino == os.fstat(self._fd).st_ino
        except OSError:
            held = False
        if not held:
            log.warning("the leadership lock file %s was removed", self._path)
            self._close()
        return held

    def release(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor of the open file frees the flock

    def holder(self) -> str | None:
        try:
            fd = os.open(self._path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return os.pread(fd, 255, 0).decode(errors="replace") or "unknown"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

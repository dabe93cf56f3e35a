"""Bring the state database to the schema this code expects: what `opsbot migrate` and start-up run.

Alembic is configured here, without an ini file, so the migrations ship inside the installed package.
A database made before migrations existed (tables, no `alembic_version`) is adopted by revision 0001,
which creates only what is missing, and then upgraded like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from bot.adapters.schema import FOREIGN_TABLES, JOB_TABLE, metadata
from bot.domain.errors import SchemaOutOfDate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Held for the whole upgrade on PostgreSQL, so two releases (or test runs) never migrate at once.
_LOCK_KEY = int.from_bytes(b"opsbot", "big")

NameKind = Literal[
    "schema", "table", "column", "index", "unique_constraint", "foreign_key_constraint", "check_constraint"
]


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade found and left: revisions before and after, and whether it adopted old tables."""

    before: str | None
    after: str
    adopted: bool = False

    def summary(self) -> str:
        if self.before == self.after:
            return f"state database already at {self.after}"
        if self.adopted:
            return f"state database (made before migrations) adopted and upgraded to {self.after}"
        if self.before is None:
            return f"state database created at {self.after}"
        return f"state database upgraded from {self.before} to {self.after}"


def include_name(name: str | None, kind: NameKind, _parent: object) -> bool:
    """APScheduler's job table is its own: autogenerate and comparisons neither create nor drop it."""
    return not (kind == "table" and name in FOREIGN_TABLES)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, "the migrations directory has no revision"
    return revision


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _made_before_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "alembic_version" not in tables and bool(tables & set(metadata.tables))


def _known(revision: str | None) -> bool:
    if revision is None:
        return True
    return any(
        script.revision == revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()
    )


def _too_new(revision: str) -> SchemaOutOfDate:
    return SchemaOutOfDate(
        f"the state database is at revision {revision}, newer than this opsbot knows (its newest is "
        f"{head()}); run the opsbot version that migrated it"
    )


def upgrade(engine: Engine) -> Upgrade:
    """Upgrade to head in one transaction; safe to run again, and at once from several processes."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        before = current_revision(connection)
        if not _known(before):
            raise _too_new(str(before))
        adopted = before is None and _made_before_migrations(connection)
        command.upgrade(alembic_config(connection), "head")
        _create_job_table(connection)
        return Upgrade(before, current_revision(connection) or "", adopted)


def _create_job_table(connection: Connection) -> None:
    """APScheduler's job table, in its own layout, made here under the migration lock: replicas that
    start together would otherwise each try to create it and all but one fail."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    SQLAlchemyJobStore(engine=connection.engine, tablename=JOB_TABLE).jobs_t.create(
        connection, checkfirst=True
    )


def prepare_for_serving(engine: Engine) -> Upgrade | None:
    """At start-up: the embedded SQLite database upgrades itself; a shared one must be at head already.

    A server database is upgraded once per release (`opsbot migrate` in the Procfile's release phase),
    never by whichever web or worker process happens to start first.
    """
    if engine.dialect.name == "sqlite":
        return upgrade(engine)
    with engine.connect() as connection:
        at = current_revision(connection)
        legacy = at is None and _made_before_migrations(connection)
    wanted = head()
    if at == wanted:
        return None
    if not _known(at):
        raise _too_new(str(at))
    found = f"at revision {at}" if at else "from before migrations" if legacy else "empty"
    raise SchemaOutOfDate(
        f"the state database is {found} and this opsbot needs revision {wanted}: run `opsbot migrate` first"
    )

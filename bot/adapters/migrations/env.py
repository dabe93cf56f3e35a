"""How Alembic reaches the state database: the caller's connection, or the configured URL.

`bot.adapters.migrate` hands over an open connection (so a whole upgrade is one transaction and one
lock); a developer's `alembic revision --autogenerate` falls back to the URL, or opsbot's settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from bot.adapters.migrate import include_name
from bot.adapters.schema import metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        # SQLite cannot ALTER most things; batch mode rebuilds the table when it has to.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        raise SystemExit("opsbot's migrations read the data they move: run them against a live database")
    given = context.config.attributes.get("connection")
    if given is not None:
        run(given)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.settings import Settings

        url = Settings().database
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            run(connection)
    finally:
        engine.dispose()


main()

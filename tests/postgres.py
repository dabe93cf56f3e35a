"""A PostgreSQL database of a test's own on the test server (OPSBOT_TEST_DATABASE_URL), dropped after.

Tests that share the server's `test` database with other tests running at the same time would see each
other's rows; one database per test keeps them apart.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url

POSTGRES = os.environ.get("OPSBOT_TEST_DATABASE_URL", "")


@contextmanager
def own_postgres_database(dump: str | None = None) -> Iterator[str]:
    """A `postgresql+psycopg://` URL to a new database, loaded from `dump` if given; skips without a server."""
    if not POSTGRES:
        pytest.skip("OPSBOT_TEST_DATABASE_URL is not set")
    name = f"opsbot_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
        if dump is not None:
            with psycopg.connect(url, autocommit=True) as loader:
                loader.execute(dump.encode())  # several statements, no parameters: one simple query
        yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""Fixtures shared by the integration tests."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.adapters.database import make_engine
from bot.adapters.migrate import upgrade
from tests.postgres import own_postgres_database
from tests.slack.conftest import free_port

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A state database of the test's own at the latest revision: SQLite, and PostgreSQL when the
    test server is there (OPSBOT_TEST_DATABASE_URL; skipped otherwise)."""
    with contextlib.ExitStack() as stack:
        url = (
            f"sqlite:///{tmp_path / 'state.sqlite3'}"
            if request.param == "sqlite"
            else stack.enter_context(own_postgres_database())
        )
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL database of this test's own, as `opsbot migrate` leaves it before any
    process starts (skipped without OPSBOT_TEST_DATABASE_URL)."""
    with own_postgres_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    process = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()

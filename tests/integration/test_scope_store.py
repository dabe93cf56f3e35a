"""Channel scopes on a real database (SQLite and PostgreSQL): one row per collection, per channel."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.adapters.database import make_engine
from bot.adapters.migrate import upgrade
from bot.adapters.scope_store import SqlChannelScopes
from bot.services.ports import ChannelScope
from tests.postgres import own_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with ExitStack() as stack:
        url = (
            f"sqlite:///{tmp_path / 'state.sqlite3'}"
            if request.param == "sqlite"
            else stack.enter_context(own_postgres_database())
        )
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


def test_a_channels_collections_are_added_once_removed_and_cleared(engine: Engine) -> None:
    scopes = SqlChannelScopes(engine)
    assert scopes.add(ChannelScope("C0CAMPAIGN", "活动方案", "U0EDITOR", 100.0))
    assert not scopes.add(ChannelScope("C0CAMPAIGN", "活动方案", "U0OTHER", 101.0))  # already there
    assert scopes.add(ChannelScope("C0CAMPAIGN", "复盘", "U0EDITOR", 102.0))
    assert scopes.add(ChannelScope("C0OTHER", "文档", "U0EDITOR", 103.0))
    assert scopes.for_channel("C0CAMPAIGN") == [
        ChannelScope("C0CAMPAIGN", "活动方案", "U0EDITOR", 100.0),
        ChannelScope("C0CAMPAIGN", "复盘", "U0EDITOR", 102.0),
    ]
    assert scopes.remove("C0CAMPAIGN", "复盘") and not scopes.remove("C0CAMPAIGN", "复盘")
    assert scopes.clear("C0CAMPAIGN") == 1
    assert scopes.for_channel("C0CAMPAIGN") == []
    assert [row.collection for row in scopes.for_channel("C0OTHER")] == ["文档"]

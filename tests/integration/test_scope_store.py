"""Channel scopes on a real database (SQLite and PostgreSQL): one row per collection, per channel."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.adapters.scope_store import SqlChannelScopes
from bot.services.ports import ChannelScope


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


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

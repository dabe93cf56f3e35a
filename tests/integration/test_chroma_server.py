"""The same code against a Chroma server (`chroma run` on loopback): how a team outgrows one machine."""

from __future__ import annotations

import pytest

from bot.container import bootstrap
from bot.domain.errors import StoreUnavailable
from bot.settings import Settings
from tests.slack.conftest import free_port


def test_index_and_answer_through_a_chroma_server(settings: Settings, chroma_server: int) -> None:
    remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": chroma_server})
    container = bootstrap(remote)
    report = container.knowledge.refresh()
    assert report.added == ["knowledge/playbook.md"]
    answer = container.answerer.answer("拉新有哪些渠道?")
    assert answer.sources[0].section == "互联网运营大揭秘 › 用户运营 › 拉新"
    assert not (settings.data_dir / "chroma").exists()
    again = bootstrap(remote).knowledge.refresh()
    assert again.records_embedded == 0 and again.unchanged == ["knowledge/playbook.md"]


def test_an_unreachable_server_is_a_clear_error(settings: Settings) -> None:
    remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": free_port()})
    with pytest.raises(StoreUnavailable, match=r"Chroma server at 127\.0\.0\.1"):
        bootstrap(remote).answerer.answer("拉新有哪些渠道?")

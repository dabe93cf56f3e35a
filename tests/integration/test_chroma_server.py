"""The same code against a Chroma server (`chroma run` on loopback): how a team outgrows one machine."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.container import bootstrap
from bot.domain.errors import StoreUnavailable
from bot.settings import Settings

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = _free_port()
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
    remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": _free_port()})
    with pytest.raises(StoreUnavailable, match=r"Chroma server at 127\.0\.0\.1"):
        bootstrap(remote).answerer.answer("拉新有哪些渠道?")

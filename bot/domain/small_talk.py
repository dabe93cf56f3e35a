"""Greetings and chit-chat ("Hi there!", "你好", "谢谢", 👋): a friendly word on what opsbot can do.

Searching the playbook for "hello" only finds an unrelated quote or a bare "not covered", so these
get their own reply. The test is conservative: a message counts only when every word in it is
chit-chat, so "hi, how do we retain users?" is still a question.
"""

from __future__ import annotations

import re
from functools import cache

from bot.domain.language import detect_language
from bot.domain.models import Language
from bot.domain.spaces import normalize_spaces
from bot.resources import shipped_dir

PROMPTS_DIR = shipped_dir("prompts")
# Longer than this is a message with something to say, whatever its words.
MAX_SMALL_TALK_CHARS = 60

# Slack writes 👋 as `:wave:` (with an optional `::skin-tone-2:`).
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:(?::skin-tone-\d:)?", re.IGNORECASE)
_UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\udc80-\udcff]")
_QUESTION_MARK = re.compile(r"[??]")
# A letter typed three times or more is one letter drawn out ("hiii"); English doubles only ("hello").
_DRAWN_OUT = re.compile(r"([A-Za-z])\1{2,}")

_ENGLISH = [
    # greetings and goodbyes
    "hi", "hello", "hey", "heya", "hiya", "howdy", "yo", "greetings", "sup", "what's up", "whats up",
    "good morning", "good afternoon", "good evening", "good night", "good day", "morning", "evening",
    "bye", "goodbye", "see you", "see ya", "later",
    # thanks and acknowledgements
    "thanks", "thank you", "thank u", "thx", "ty", "many thanks", "cheers", "much appreciated",
    "appreciate it", "ok", "okay", "cool", "great", "nice", "awesome", "got it", "lol", "haha",
    # about the bot itself
    "how are you", "how are you doing", "how's it going", "hows it going", "are you there", "you there",
    "anyone there", "who are you", "what can you do", "what do you do", "help",
    # said alongside the above
    "there", "all", "everyone", "everybody", "folks", "team", "guys", "opsbot", "bot", "@someone",
    "so much", "very much", "a lot", "again", "and", "oh",
    # praise, and the function words chit-chat is made of ("what can you do for me?", "that was helpful")
    "good job", "great job", "well done", "nice work", "love it", "perfect", "amazing", "helpful", "useful",
    "you", "can", "could", "do", "what", "me", "for", "really", "that", "this", "was", "is", "it", "so",
    "very", "today", "well", "hope",
    "nice to meet you", "good to see you", "what's new", "whats new", "how's your day", "how was your day",
    "have a good weekend", "have a nice day", "happy friday", "happy new year", "take care", "please",
    # more greetings, thanks and goodbyes people type
    "gm", "gn", "morning all", "hey there", "hi there", "hello there", "long time no see", "welcome",
    "good to have you", "what's going on", "whats going on", "what's happening", "how have you been",
    "how do you do", "how's everything", "how is it going", "how are things", "tysm", "thanks a ton",
    "thanks a lot", "thanks again", "thank you so much", "you're the best", "youre the best", "you rock",
    "love you", "i", "i'm", "im", "am", "good", "fine", "not bad", "bye bye", "see you later", "catch you later",
    "talk later", "ttyl", "have a good one", "good night all", "sweet dreams", "sorry", "my bad", "no worries",
    "never mind", "nevermind", "nvm", "yes", "no", "yep", "nope", "sure", "alright", "hmm", "wow", "test",
    "testing", "ping", "just", "saying", "checking in", "here", "to", "a", "the", "of", "your", "yours",
    # questions about the bot itself
    "are you", "a bot", "robot", "human", "real person", "a real person", "person", "an ai", "ai", "chatbot",
    "who made you", "who built you", "who created you", "who wrote you", "who are", "made", "built",
    "created", "what's your name", "whats your name", "your name", "name", "how old are you", "old",
    "or", "alive", "real", "smart", "funny", "chatgpt", "gpt", "siri",
    # how the day goes, how people feel, and what they call each other
    "how's your day going", "how is your day going", "how's your day been", "day", "going", "doing", "been",
    "how r u", "r u", "u", "ur", "wassup", "whaddup", "good bot", "nice bot", "bad bot", "buddy", "mate",
    "pal", "friend", "friends", "dude", "y'all", "yall", "happy monday", "tgif", "weekend", "coffee", "lunch",
    "you saved my day", "saved my day", "you saved me", "appreciate you", "much love", "kudos", "bravo",
    "brilliant", "excellent", "fantastic", "wonderful", "sweet", "neat", "gotcha", "understood", "noted",
    "roger", "roger that", "will do", "sounds good", "makes sense", "fair enough", "i see", "interesting",
    "oops", "ugh", "yay", "woohoo", "ta", "thnx", "thanx", "tks", "pls", "plz", "brb", "gtg", "g2g",
    "good luck", "merci", "gracias", "danke", "ciao", "hola", "bonjour", "ni hao", "nihao", "beep boop",
    "are you awake", "are you online", "awake", "online", "can you hear me", "is this thing on",
    "anybody home", "tell me a joke", "a joke", "joke", "i'm bored", "bored", "tired", "sleepy", "hungry",
    "happy", "sad", "ready", "let's go", "lets go", "again", "too", "as well", "back", "welcome back",
    "you're awesome", "you are awesome", "you're amazing", "you're great", "you're so smart", "are",
    "my", "friend", "going on", "all good", "all set", "everything", "with", "how", "how's", "hows",
    # introductions, languages, moods, and what people say to a bot that let them down
    "i'm new", "im new", "new here", "i am new", "just joined", "my name is", "call me", "do you speak",
    "speak", "english", "chinese", "mandarin", "having a bad day", "bad day", "rough day", "long day",
    "stressed", "i'm sad", "i'm happy", "what's your favorite", "favorite", "favourite", "color", "food",
    "do you like", "like me", "stupid", "dumb", "useless", "you suck", "sucks", "bad", "annoying", "boring",
    "wrong", "lol no", "not helpful", "try again", "never mind then", "forget it", "whatever", "meh",
]  # fmt: skip
_CHINESE = [
    "你好", "您好", "你们好", "大家好", "哈喽", "哈啰", "嗨", "嘿", "在吗", "在么", "在嘛", "在不在", "在",
    "早上好", "早安", "早", "上午好", "中午好", "下午好", "晚上好", "晚安", "再见", "拜拜",
    "谢谢", "谢啦", "谢了", "多谢", "感谢", "非常感谢", "辛苦了", "辛苦", "好的", "好", "收到",
    "知道了", "明白了", "明白", "懂了", "嗯", "哈哈", "哈", "呵呵",
    "你是谁", "你能做什么", "你会什么", "你会做什么", "你可以做什么", "你能干什么", "帮助",
    "机器人", "小助手", "你", "啊", "呀", "哦", "呢", "吗", "嘛", "啦", "哇", "喔", "哟",
    # praise, and the function words chit-chat is made of ("你能帮我做些什么?", "帮了大忙")
    "帮了大忙", "帮大忙", "大忙", "太棒了", "厉害", "不错", "有用", "棒", "赞", "牛",
    "帮了", "帮我", "帮忙", "帮", "能", "可以", "干啥", "干嘛", "干什么", "做些什么", "做什么", "做啥",
    "些", "什么", "啥", "了", "我", "你们", "您", "很", "太", "真的", "真", "一下",
    "请问", "请", "最近", "怎么样", "好吗", "忙吗", "吃了吗", "吃饭了吗", "周末愉快", "新年快乐", "节日快乐",
    "生日快乐", "快乐", "愉快", "加油", "打扰了", "打扰", "不好意思", "没事", "没关系", "欢迎",
    # more greetings, thanks and goodbyes people type
    "哈喽哈喽", "嗨嗨", "早呀", "早啊", "有人吗", "有人", "好久不见", "最近好吗", "你好吗", "吃了没",
    "下班了", "上班", "下班", "周一好", "周五快乐", "谢谢你", "谢谢啦", "感谢感谢", "多谢多谢", "谢", "感恩",
    "爱你", "么么哒", "比心", "点赞", "赞赞", "666", "6", "优秀", "牛啊", "牛逼", "靠谱", "给力", "好厉害",
    "回头见", "下次见", "明天见", "拜", "88", "886", "嘻嘻", "嘿嘿", "哈哈哈", "笑死", "好吧", "行", "行吧",
    "对", "是的", "没问题", "ok", "好滴", "好哒", "嗯嗯", "哦哦", "测试", "试试", "试一下", "测试一下",
    # questions about the bot itself
    "你是", "是", "还是", "机器人吗", "真人", "人工智能", "ai", "人", "谁做的", "谁开发的", "谁写的", "谁造的",
    "谁", "做的", "开发", "开发的", "你叫什么", "叫什么", "叫啥", "名字", "你几岁", "几岁", "聪明", "智能",
    "chatgpt", "gpt", "累不累", "累吗", "心情", "今天", "的", "不",
    # how the day goes, how people feel, and what they call each other
    "大家早", "各位好", "各位", "大家", "同学们", "小伙伴们", "小伙伴", "朋友们", "朋友", "亲们", "亲", "老铁",
    "兄弟", "姐妹", "老师", "过得怎么样", "过得", "还好吗", "开心", "高兴", "无聊", "好无聊", "累", "好累",
    "困", "好困", "饿了", "下班快乐", "周末快乐", "中秋快乐", "国庆快乐", "圣诞快乐", "元旦快乐", "春节快乐",
    "新春快乐", "恭喜发财", "你真棒", "真棒", "可爱", "好可爱", "你真聪明", "厉害了", "牛哇", "yyds", "绝了",
    "太强了", "强", "给你点赞", "辛苦啦", "谢谢哈", "谢了哈", "感谢哈", "多谢啦", "好嘞", "嗯呢", "对的",
    "了解", "了解了", "收到收到", "ok的", "可以的", "没毛病", "懂", "晓得了", "明白啦", "拜拜啦", "先这样",
    "回聊", "改天聊", "晚安啦", "早点休息", "休息", "讲个笑话", "笑话", "讲个", "陪我聊聊", "聊聊", "聊天",
    "聊会儿", "在干嘛", "忙不忙", "吃饭没", "吃饭了没", "你多大了", "多大", "有名字吗", "都", "也", "又",
    "还", "就", "哈", "嘞", "咯", "噢", "诶", "欸", "唉", "哎", "嘻", "呜", "呐", "要", "周一", "周二", "周三",
    "周四", "周五", "周六", "周日", "周末", "星期一", "星期五", "礼拜五", "明天", "又是",
    # introductions, languages, moods, and what people say to a bot that let them down
    "我是新来的", "新来的", "刚来", "刚入职", "初来乍到", "请多关照", "多多关照", "多指教", "请多指教", "我叫",
    "会说英文吗", "会说英语吗", "说英文", "说英语", "说中文", "英文", "英语", "中文", "心情不好", "不开心", "难过",
    "烦", "好烦", "烦死了", "压力好大", "压力大", "喜欢什么", "喜欢", "最喜欢", "笨", "好笨", "真笨", "傻",
    "垃圾", "没用", "不行", "差评", "答非所问", "算了", "随便", "无语", "不对", "错了", "重来", "再试试",
]  # fmt: skip


def _alternation(phrases: list[str]) -> str:
    # Longest first, so "thank you" is tried before "thank" would leave "you" over.
    return "|".join(re.escape(phrase) for phrase in sorted(phrases, key=len, reverse=True))


_CHIT_CHAT = re.compile(
    rf"(?:\s*(?:(?:{_alternation(_ENGLISH)})(?![A-Za-z0-9'])|{_alternation(_CHINESE)}))+\s*", re.IGNORECASE
)


def _words(text: str) -> str:
    """The words of a message: emoji and punctuation become spaces, curly apostrophes straight."""
    text = _EMOJI_CODE.sub(" ", normalize_spaces(text)).replace("\u2019", "'")
    text = _DRAWN_OUT.sub(r"\1", text)  # "hiii", "heyyy", "thanksss"
    return "".join(ch if ch.isalnum() or ch in "'@" else " " for ch in text).strip()


def is_small_talk(text: str) -> bool:
    """True for a greeting, thanks, `/me waves`, emoji alone or "?" alone; False for any real question."""
    stripped = normalize_spaces(text).strip()
    if not stripped or len(stripped) > MAX_SMALL_TALK_CHARS or _UNREADABLE.search(stripped):
        return False
    if stripped.lower().startswith("/me ") or stripped.lower() == "/me":
        # An emote ("/me waves") is a gesture, unless it asks something.
        return not _QUESTION_MARK.search(stripped)
    words = _words(stripped)
    return not any(ch.isalnum() for ch in words) or _CHIT_CHAT.fullmatch(words) is not None


def small_talk_language(text: str) -> Language:
    """The language to reply in; emoji or punctuation alone carry none, so the team's Chinese is used."""
    words = _words(text)
    return detect_language(words) if any(ch.isalnum() for ch in words) else "zh"


@cache
def _template(language: Language) -> str:
    return (PROMPTS_DIR / f"small_talk_{language}.md").read_text(encoding="utf-8").strip()


def small_talk_reply(language: Language, command: str = "/ops") -> str:
    """What opsbot can do, one example each, for the slash command this workspace uses."""
    return _template(language).replace("{command}", command)

"""Drafting checklists: the playbook's campaign process, kinds from the description, real working days."""

from __future__ import annotations

from datetime import date

import pytest

from bot.adapters.china_calendar import ChinaWorkCalendar
from bot.container import PROMPTS_DIR
from bot.domain.checklists import Checklist
from bot.domain.dates import InvalidDate
from bot.domain.drafting import ChecklistDrafter, ChecklistError, parse_request
from bot.knowledge.documents import read_document
from bot.knowledge.splitter import SECTION_SEPARATOR, split_document
from tests.conftest import PLAYBOOK

TODAY = date(2026, 11, 25)


class PlaybookFromFile:
    """The playbook's sections straight from the Markdown file, no index needed."""

    def __init__(self) -> None:
        self.chunks = split_document(read_document(PLAYBOOK, "knowledge/playbook.md"))

    def section(self, tail: str) -> tuple[str, list[str]] | None:
        for chunk in self.chunks:
            if chunk.section.endswith(SECTION_SEPARATOR + tail):
                return chunk.section, [c.text for c in self.chunks if c.section == chunk.section]
        return None


def drafter(today: date = TODAY) -> ChecklistDrafter:
    return ChecklistDrafter(
        PROMPTS_DIR / "checklist.toml", PlaybookFromFile(), ChinaWorkCalendar(), lambda: today
    )


def texts(checklist: Checklist) -> str:
    return "\n".join(item.text for item in checklist.items())


def test_stages_follow_the_campaign_process_and_every_item_cites_or_says_it_cannot() -> None:
    checklist = drafter().draft("双十二拉新活动,目标新增1万注册", date(2026, 12, 12), date(2026, 12, 14))
    assert [stage.name for stage in checklist.stages] == [
        "目的",
        "活动策划",
        "资源确认",
        "宣传推广",
        "执行跟踪",
        "效果评估",
    ]
    for item in checklist.items():
        assert item.source is None or item.source.startswith("互联网运营大揭秘 › ")
    unbacked = [item for item in checklist.items() if item.source is None]
    assert [item.text for item in unbacked] == ["上线当天检查活动页面、功能与奖品发放"]
    assert "手册未涉及" in checklist.to_markdown()


def test_acquisition_lists_the_playbooks_channels_and_the_goal() -> None:
    checklist = drafter().draft("双十二拉新活动,目标新增1万注册", date(2026, 12, 12), date(2026, 12, 14))
    assert checklist.campaign.kind == "acquisition"
    assert "拉新渠道投放:微信、微博、百度、地推" in texts(checklist)
    assert "明确活动目的与目标(新增1万注册)" in texts(checklist)


@pytest.mark.parametrize(
    ("description", "kind", "expected"),
    [
        ("元旦签到促活活动", "activation", "设计奖品积分与激励体系"),
        ("年货节下单转化冲刺", "conversion", "明确转化目标与路径"),
        ("品牌周年庆,提升品牌知名度", "brand", "策划一个具有传播性的话题或事件"),
        ("公众号春节内容征文", "content", "在自媒体平台发布:微信公众号、企鹅号、头条号、大鱼号、抖音"),
        ("Spring content series on short video", "content", "确定内容形式:文字、图片、短视频、音频"),
        ("周五下午茶团建", "general", "预热:告知用户哪天上线什么活动"),
    ],
)
def test_each_kind_shapes_the_items(description: str, kind: str, expected: str) -> None:
    checklist = drafter().draft(description, date(2026, 12, 21), date(2026, 12, 25))
    assert checklist.campaign.kind == kind
    assert expected in texts(checklist)
    if kind != "acquisition":
        assert "拉新渠道投放" not in texts(checklist)


def test_due_dates_skip_the_national_day_holiday_and_use_its_make_up_workday() -> None:
    checklist = drafter(date(2026, 9, 1)).draft("国庆拉新活动", date(2026, 10, 12), date(2026, 10, 14))
    due = {item.text: item.due for item in checklist.items()}
    # Three working days before Mon 10/12: Sat 10/10 is a make-up workday, 10/1–10/7 are holidays.
    assert due["预热:告知用户哪天上线什么活动"] == date(2026, 10, 8)
    assert due["投入推广资源,扩大受众"] == date(2026, 10, 9)
    assert due["加入有噱头的元素,吸引用户感兴趣并关注"] == date(2026, 9, 30)
    assert due["上线当天检查活动页面、功能与奖品发放"] == date(2026, 10, 12)
    assert due["复盘整个活动"] == date(2026, 10, 19)
    calendar = ChinaWorkCalendar()
    assert all(calendar.is_workday(item.due) for item in checklist.items() if item.due)


def test_planning_comes_before_warm_up_before_launch_and_review_after_the_end() -> None:
    checklist = drafter().draft("拉新活动", date(2026, 12, 21), date(2026, 12, 23))
    last = {stage.key: max(i.due for i in stage.items if i.due) for stage in checklist.stages}
    first = {stage.key: min(i.due for i in stage.items if i.due) for stage in checklist.stages}
    assert last["planning"] < first["promotion"] and last["promotion"] < date(2026, 12, 21)
    assert first["review"] > date(2026, 12, 23)


def test_a_year_the_holiday_calendar_does_not_cover_is_said_not_guessed() -> None:
    checklist = drafter(date(2026, 12, 1)).draft("新年拉新活动", date(2027, 1, 20), date(2027, 1, 22))
    # Only the launch day itself is certain; nothing is placed by counting unknown working days.
    assert {item.due for item in checklist.items()} == {None, date(2027, 1, 20)}
    assert any("2027" in note for note in checklist.notes)


def test_no_dates_means_no_due_dates_and_a_hint() -> None:
    checklist = drafter().draft("拉新活动", None, None)
    assert all(item.due is None for item in checklist.items())
    assert "launch YYYY-MM-DD" in checklist.notes[0]


@pytest.mark.parametrize(
    ("description", "launch", "end", "message"),
    [
        ("", date(2026, 12, 12), None, "请写上活动描述"),
        ("拉新活动", date(2026, 12, 12), date(2026, 12, 10), "早于上线日期"),
        ("拉新活动", date(2026, 11, 1), None, "已经过去"),
        ("拉" * 400, None, None, "太长"),
    ],
)
def test_bad_requests_say_what_to_fix(
    description: str, launch: date | None, end: date | None, message: str
) -> None:
    with pytest.raises(ChecklistError, match=message):
        drafter().draft(description, launch, end)


def test_requests_are_read_from_one_line() -> None:
    request = parse_request("双十二拉新活动,目标新增1万注册 launch 2026-12-12 end 12月14日", TODAY)
    assert (request.description, request.launch, request.end) == (
        "双十二拉新活动,目标新增1万注册",
        date(2026, 12, 12),
        date(2026, 12, 14),
    )
    chinese = parse_request("元旦促活 上线 12月28日 结束 下下周一", TODAY)
    assert (chinese.description, chinese.launch, chinese.end) == (
        "元旦促活",
        date(2026, 12, 28),
        date(2026, 12, 7),
    )
    with pytest.raises(InvalidDate, match="not a real date"):
        parse_request("活动 launch 2026-02-30", TODAY)


def test_the_json_contract() -> None:
    payload = drafter().draft("双十二拉新活动", date(2026, 12, 12), date(2026, 12, 14)).to_json()
    assert set(payload) == {"campaign", "stages"}
    assert set(payload["campaign"]) == {"id", "name", "kind", "launch", "end"}
    assert payload["campaign"]["launch"] == "2026-12-12"
    item = payload["stages"][0]["items"][0]
    assert set(item) == {"id", "text", "due", "owner", "done", "source"}
    assert item["due"] == "2026-11-26" and item["done"] is False and item["owner"] is None

"""Drafting checklists: the playbook's campaign process, kinds from the description, real working days."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.container import PROMPTS_DIR
from bot.domain.checklist_template import TemplateError
from bot.domain.checklists import Checklist
from bot.domain.dates import InvalidDate
from bot.domain.drafting import ChecklistDrafter, ChecklistError, parse_request, place_due_dates
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


TEMPLATE = PROMPTS_DIR / "checklist.toml"


def drafter(today: date = TODAY, template: Path = TEMPLATE) -> ChecklistDrafter:
    return ChecklistDrafter(template, PlaybookFromFile(), ChinaWorkCalendar(), lambda: today)


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


def test_a_2027_campaign_gets_every_due_date_counted_monday_to_friday_and_says_so() -> None:
    checklist = drafter().draft("春节拉新活动", date(2027, 2, 1), date(2027, 2, 3))
    due = {item.text: item.due for item in checklist.items()}
    assert all(due.values()) and len(due) == 19
    assert due["明确活动目的与目标:不要为了做活动而做活动"] == date(2027, 1, 14)
    assert due["复盘整个活动"] == date(2027, 2, 8)  # Wed 2/3 + 3 working days, over a weekend
    assert all(day.weekday() < 5 for day in due.values() if day)
    assert "2027 年节假日未公布,按周一至周五计算" in checklist.to_markdown()
    assert not any(item.compressed for item in checklist.items())


def test_a_known_year_has_no_calendar_note() -> None:
    checklist = drafter().draft("拉新活动", date(2026, 12, 21), date(2026, 12, 23))
    assert not any("未公布" in note for note in checklist.notes)


def test_a_launch_four_days_away_is_compressed_never_due_before_today() -> None:
    # Today is Wednesday 2026-11-25; the usual twelve working days of preparation do not fit.
    checklist = drafter().draft("拉新活动", date(2026, 11, 29), date(2026, 12, 3))
    items = checklist.items()
    assert all(item.due and item.due >= TODAY for item in items)
    compressed = [item for item in items if item.compressed]
    assert len(compressed) == 9 and {item.due for item in compressed} == {TODAY}
    assert all(item.anchor == "launch" and (item.offset or 0) < -3 for item in compressed)
    markdown = checklist.to_markdown()
    assert f"due {TODAY.isoformat()} (compressed)" in markdown
    assert "排期已压缩:9 项原定日期已过" in markdown and "Compressed plan" in markdown


def test_a_compressed_item_on_a_weekend_is_due_the_next_working_day_but_not_after_its_anchor() -> None:
    saturday = date(2026, 11, 28)
    monday = drafter(saturday).draft("拉新活动", date(2026, 12, 3), date(2026, 12, 4))
    assert {item.due for item in monday.items() if item.compressed} == {date(2026, 11, 30)}
    sunday_launch = drafter(saturday).draft("拉新活动", date(2026, 11, 29), None)
    assert {item.due for item in sunday_launch.items() if item.compressed} == {date(2026, 11, 29)}


def test_moving_dates_uses_each_items_own_anchor_even_after_the_template_changed(tmp_path: Path) -> None:
    checklist = drafter().draft("拉新活动", date(2026, 12, 21), date(2026, 12, 23))
    edited = tmp_path / "checklist.toml"
    edited.write_text(TEMPLATE.read_text(encoding="utf-8").replace('"end", 3]', '"end", 9]'), "utf-8")
    moved_by = drafter(template=edited)
    plan = moved_by.place(checklist, date(2027, 1, 11), date(2027, 1, 13))
    due = {item.text: item.due for item in plan.items}
    assert due["复盘整个活动"] == date(2027, 1, 18)  # end + 3 as stored, not the edited + 9
    assert due["预热:告知用户哪天上线什么活动"] == date(2027, 1, 6)
    assert plan.estimated_years == [2027] and "2027" in plan.notes()[0]
    assert moved_by.due_dates(checklist, date(2027, 1, 11), date(2027, 1, 13)) == plan.dues()
    assert checklist.items()[0].due == date(2026, 12, 3)  # the input is untouched


def test_place_due_dates_is_a_plain_function_of_the_items() -> None:
    items = [item for item in drafter().draft("拉新活动", None, None).items() if item.anchor]
    unanchored = replace(items[0], item_id="extra-1", anchor=None, offset=None)
    plan = place_due_dates([*items, unanchored], date(2026, 12, 1), None, ChinaWorkCalendar(), TODAY)
    assert plan.dues()["extra-1"] is None
    assert plan.compressed == sum(1 for item in items if item.offset is not None and item.offset < -4)
    assert all(due is None or due >= TODAY for due in plan.dues().values())


def _template_with(tmp_path: Path, old: str, new: str) -> Path:
    text = TEMPLATE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "checklist.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('section = "活动运营 › 活动策划"', 'sectoin = "活动运营 › 活动策划"', "sectoin.*Extra inputs"),
        ('due = ["launch", -12]', 'due = ["lanch", -12]', "stage 'goal' › item 1 .*'launch' or 'end'"),
        ('due = ["launch", -11]', 'due = ["launch", "-11"]', "item 2 .*valid integer"),
        ('due = ["launch", -10]', 'due = ["launch", -1.5]', "valid integer"),
        ('key = "planning"', 'key = "goal"', "stage key goal is used twice"),
        ('kinds = ["content"] }', 'kinds = ["contnet"] }', "unknown kind contnet"),
        ("[kinds.brand]", "[kinds.brand", r"not valid TOML.*line \d+"),
    ],
)
def test_a_template_typo_stops_start_up_naming_the_file(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _template_with(tmp_path, old, new)
    with pytest.raises(TemplateError, match=message) as raised:
        drafter(template=path)
    assert str(path) in str(raised.value)


def test_a_template_edit_applies_to_the_next_draft_and_a_bad_one_keeps_the_last_good(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _template_with(tmp_path, "确定推广时间", "确定推广时间")
    live = drafter(template=path)
    path.write_text(path.read_text(encoding="utf-8").replace("确定推广时间", "确定推广节奏"), "utf-8")
    assert "确定推广节奏" in texts(live.draft("拉新活动", None, None))
    path.write_text(path.read_text(encoding="utf-8").replace('["end", 1]', '["end", "1"]'), "utf-8")
    with caplog.at_level(logging.WARNING):
        kept = live.draft("拉新活动", None, None)
    assert "确定推广节奏" in texts(kept)
    assert any("上一个有效版本" in note and str(path) in note for note in kept.notes)
    assert "checklist template edit ignored" in caplog.text


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


@pytest.mark.parametrize("space", ["\u3000", "\u00a0", "\u2009", "\u200b"])
def test_full_width_and_other_unicode_spaces_read_as_spaces(space: str) -> None:
    request = parse_request(f"双十二拉新活动{space}launch{space}2026-12-12{space}end{space}12月14日", TODAY)
    assert (request.description, request.launch, request.end) == (
        "双十二拉新活动",
        date(2026, 12, 12),
        date(2026, 12, 14),
    )


def test_the_json_contract() -> None:
    payload = drafter().draft("双十二拉新活动", date(2026, 12, 12), date(2026, 12, 14)).to_json()
    assert set(payload) == {"campaign", "stages"}
    assert set(payload["campaign"]) == {"id", "name", "kind", "launch", "end"}
    assert payload["campaign"]["launch"] == "2026-12-12"
    item = payload["stages"][0]["items"][0]
    assert set(item) == {"id", "text", "due", "owner", "done", "source", "compressed"}
    assert item["due"] == "2026-11-26" and item["done"] is False and item["owner"] is None
    assert item["compressed"] is False

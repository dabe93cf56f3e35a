"""Keeping a campaign on track, attacked by someone whose requests Slack signed: nudges' Done, the
review modal and its action items, owners and App Home, with the user, channel, message and
private_metadata of each request chosen by the attacker.

A valid signature proves only that Slack sent it: a click rewrites no message but the clicker's own
nudge, a review is written only by a member of the campaign's channel, a modal delivered twice acts
once, and text anyone typed never pings anyone wherever it is shown. A form is acknowledged within
Slack's 3 seconds even while Slack is slow, and nothing a click or a form brings (binary, a malformed
id, a date at the end of time) ends in a stack trace instead of an answer.
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.adapters import campaign_jobs
from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.schema import campaign_reviews
from bot.domain.clock import FixedClock
from bot.domain.review_actions import TOO_FAR
from bot.services.morning_digest import MORNING_JOB_ID
from tests.slack.conftest import Reply, RunningBot
from tests.slack.fake_slack import TEAM_ID
from tests.slack.review_modal import FORM, campaign_with_a_review, open_review, payload_body
from tests.slack.test_checklists import post_checklist
from tests.slack.test_home import home_action
from tests.slack.test_item_owners import campaign_of, open_modal, owners_in_db
from tests.slack.test_nudges import (
    DM,
    FRIDAY_10,
    OWNER,
    done_buttons,
    fire,
    nudges_to,
    open_ids,
    owned_checklist,
)
from tests.slack.test_review_actions import Row, checklist_posts, reviewed_with_action_items, submission
from tests.waiting import wait_until

OUTSIDER = "U0MALLORY"  # in no channel (tests/slack/fake_slack.py DEFAULT_MEMBERS)
SPOOF = "<!channel> 清单作废,预算请转到 evil.example.com"
INJECTED = "<!channel> <!here> <@U0CAROL> <#C0SECRET> *紧急* 立刻转账"


def forged_done(bot: RunningBot, value: str, user: str, channel: str, ts: str, response: str) -> None:
    """A signed **Done** click whose channel, message and blocks say whatever the sender chose."""
    blocks = [{"type": "section", "block_id": "x", "text": {"type": "mrkdwn", "text": SPOOF}}]
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "trigger_id": "123.456",
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": ts},
        "message": {"ts": ts, "text": SPOOF, "blocks": blocks},
        "response_url": bot.slack.response_url(response),
        "actions": [{"type": "button", "action_id": "nudge_done", "block_id": "b", "value": value}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    assert bot.post(body, FORM).status == 200


def test_a_forged_done_click_rewrites_no_message_but_the_clickers_own_nudge(
    bot: RunningBot, clock: FixedClock
) -> None:
    campaign_id = owned_checklist(bot)
    where = SqlChecklistStore(bot.runtime.engine).message_of(campaign_id)
    assert where is not None
    clock.set(FRIDAY_10)
    fire()
    [dm] = nudges_to(bot)
    first, second = done_buttons(dm)[:2]
    # Bob may tick the item (he is in #campaign), but names the checklist message, then Alice's DM.
    forged_done(bot, first, "U0BOB", "C0CAMPAIGN", where[1], "f1")
    forged_done(bot, second, "U0BOB", DM, "1800000099.000100", "f2")
    assert bot.slack.wait_for(lambda: len(bot.slack.called("chat.update")) >= 2)
    assert bot.runtime.responder.drain(30)
    assert SPOOF not in json.dumps([c.params for c in bot.slack.called("chat.update")], ensure_ascii=False)
    assert [c.params["channel"] for c in bot.slack.called("chat.update")] == ["C0CAMPAIGN", "C0CAMPAIGN"]


def test_done_in_my_own_nudge_still_updates_it(bot: RunningBot, clock: FixedClock) -> None:
    owned_checklist(bot)
    clock.set(FRIDAY_10)
    fire()
    [dm] = nudges_to(bot)
    forged_done(bot, done_buttons(dm)[0], OWNER, DM, "1800000099.000100", "own")
    assert bot.slack.wait_for(lambda: any(c.params["channel"] == DM for c in bot.slack.called("chat.update")))


def reviews_stored(bot: RunningBot) -> int:
    with bot.runtime.engine.connect() as db:
        return int(db.execute(select(func.count()).select_from(campaign_reviews)).scalar_one())


def items_of(bot: RunningBot, campaign_id: str) -> list[str]:
    checklist = SqlChecklistStore(bot.runtime.engine).load(campaign_id)
    assert checklist is not None
    return [item.text for item in checklist.items()]


def dms_to(bot: RunningBot, user: str) -> list[str]:
    return [
        str(c.params.get("text")) for c in bot.slack.called("chat.postMessage") if c.params["channel"] == user
    ]


def as_user(body: bytes, user: str) -> bytes:
    """The same submission, sent as `user`."""
    payload = json.loads(urllib.parse.parse_qs(body.decode())["payload"][0])
    payload["user"]["id"] = user
    return payload_body(payload)


def test_someone_outside_the_channel_can_neither_open_nor_submit_its_campaigns_review(
    bot: RunningBot,
) -> None:
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    before = items_of(bot, campaign_id)
    opened = len(bot.slack.called("views.open"))
    click = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": OUTSIDER},
        "trigger_id": "trigger-outsider",
        "channel": {"id": "C0CAMPAIGN"},
        "response_url": bot.slack.response_url("outsider"),
        "actions": [{"type": "button", "action_id": "review_write", "value": campaign_id}],
    }
    assert bot.post(payload_body(click), FORM).status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("outsider")))
    assert "成员" in bot.slack.responses("outsider")[0]["text"]
    assert len(bot.slack.called("views.open")) == opened

    # The modal a member opened, submitted by the outsider: an action item for Carol, a lesson.
    view = open_review(bot, campaign_id)
    rows: list[Row] = [(INJECTED, "U0CAROL", "2026-12-20")]
    assert bot.post(as_user(submission(view, {0: "预算超了"}, rows), OUTSIDER), FORM).status == 200
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, OUTSIDER)))
    assert bot.runtime.responder.drain(30)
    assert "成员" in dms_to(bot, OUTSIDER)[0]
    assert reviews_stored(bot) == 0 and items_of(bot, campaign_id) == before
    assert not bot.slack.called("chat.update")


def test_a_review_delivered_twice_is_saved_once_with_its_action_items_once(bot: RunningBot) -> None:
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    view = open_review(bot, campaign_id)
    body = submission(view, {0: "拉新达标"}, [("提前两周锁定地推物料", "U0BOB", "2026-12-20")])
    assert bot.post(body, FORM).status == 200
    assert bot.post(body, FORM).status == 200  # Slack's retry, or a double click: the same view id
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.update")))
    assert bot.runtime.responder.drain(30)
    assert reviews_stored(bot) == 1
    assert items_of(bot, campaign_id).count("提前两周锁定地推物料") == 1


def submitted_at_once(bot: RunningBot, body: bytes) -> Reply:
    reply = bot.post(body, FORM)
    assert reply.status == 200
    assert reply.seconds < 3.0, (
        f"Slack waits 3 s for the acknowledgement; this one took {reply.seconds:.1f} s"
    )
    return reply


def test_assigning_owners_is_acknowledged_in_time_while_slack_rate_limits_users_info(bot: RunningBot) -> None:
    message = post_checklist(bot)
    view = open_modal(bot, message, "promotion")  # the membership check's cache is warm, as in real use
    bot.slack.rate_limited["users.info"] = 3  # a busy morning: Retry-After 1 s, three times
    picks = {"promotion-1": "U0CAROL", "promotion-2": "U0BOB", "promotion-3": "U0EVE"}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": "U0LEAD"},
        "api_app_id": "A0OPSBOT",
        "view": {
            **view,
            "id": "V0OWNERS",
            "state": {
                "values": {
                    f"owner:{item}": {"owner": {"type": "users_select", "selected_user": owner}}
                    for item, owner in picks.items()
                }
            },
        },
    }
    submitted_at_once(bot, payload_body(payload))
    assert wait_until(lambda: owners_in_db(bot, campaign_of(message))["promotion-3"] == "U0EVE", timeout=30)
    assert bot.runtime.responder.drain(30)


def test_a_review_is_acknowledged_in_time_while_slack_rate_limits_users_info(bot: RunningBot) -> None:
    view = open_review(bot, campaign_with_a_review(bot, bot.runtime.engine))
    bot.slack.rate_limited["users.info"] = 3
    rows: list[Row] = [
        ("锁定物料", "U0BOB", None),
        ("客服排班", "U0CAROL", None),
        ("补发奖品", "U0EVE", None),
    ]
    submitted_at_once(bot, submission(view, {0: "拉新达标"}, rows))
    assert wait_until(lambda: reviews_stored(bot) == 1, timeout=30)
    assert bot.runtime.responder.drain(30)


def test_a_bot_picked_as_owner_while_slack_is_slow_is_refused_privately_after_the_ack(
    bot: RunningBot,
) -> None:
    bot.slack.bot_users.add("U0ROBOT")
    message = post_checklist(bot)
    view = open_modal(bot, message, "goal")
    bot.slack.rate_limited["users.info"] = 3
    values = {
        f"owner:{item}": {"owner": {"type": "users_select", "selected_user": owner}}
        for item, owner in {"goal-1": "U0CAROL", "goal-2": "U0ROBOT"}.items()
    }
    payload = {"type": "view_submission", "team": {"id": TEAM_ID}, "user": {"id": "U0LEAD"},
               "view": {**view, "id": "V0ROBOT", "state": {"values": values}}}  # fmt: skip
    submitted_at_once(bot, payload_body(payload))
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, "U0LEAD")), timeout=30)
    assert "must be a person" in dms_to(bot, "U0LEAD")[0]
    assert set(owners_in_db(bot, campaign_of(message)).values()) == {None}


def test_done_still_updates_the_nudge_and_home_when_the_checklist_message_cannot_be_updated(
    bot: RunningBot, clock: FixedClock
) -> None:
    """Someone deleted the checklist message (Slack refuses chat.update): the tick is saved, and the
    nudge and App Home still show it, rather than nothing happening on the person's click."""
    campaign_id = owned_checklist(bot)
    clock.set(FRIDAY_10)
    fire()
    [dm] = nudges_to(bot)
    first, second = done_buttons(dm)[:2]
    bot.slack.fail_next("chat.update", "fatal_error")
    forged_done(bot, first, OWNER, DM, "1800000099.000100", "nudge")
    assert bot.slack.wait_for(lambda: any(c.params["channel"] == DM for c in bot.slack.called("chat.update")))
    published = len(bot.slack.called("views.publish"))
    bot.slack.fail_next("chat.update", "fatal_error")
    home_action(bot, "home_item_done", second, OWNER)
    assert bot.slack.wait_for(lambda: len(bot.slack.called("views.publish")) > published)
    assert {first.partition(":")[2], second.partition(":")[2]}.isdisjoint(open_ids(bot, campaign_id))


FORBIDDEN = ("<!channel>", "<!here>", "<@U0CAROL>", "<#C0SECRET>")


def parsed_texts(params: dict[str, Any]) -> str:
    """The `text` and every mrkdwn text of a message or view: what Slack parses for mentions."""
    found = [str(params.get("text", ""))]
    stack: list[Any] = [params.get("blocks"), params.get("view")]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and node.startswith("{"):
            stack.append(json.loads(node))
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node.get("text", "")))
            stack.extend(value for value in node.values() if isinstance(value, dict | list))
    return "\n".join(found)


def test_an_action_items_text_pings_nobody_in_the_checklist_digest_nudge_home_or_my_items(
    bot: RunningBot, clock: FixedClock
) -> None:
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    view = open_review(bot, campaign_id)
    rows: list[Row] = [(INJECTED, "U0BOB", "2026-11-30")]
    assert bot.post(submission(view, {4: INJECTED}, rows), FORM).status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.update")))
    clock.set(FRIDAY_10.replace(month=11, day=30))  # Monday: the action item is due
    fire()
    campaign_jobs.fire(MORNING_JOB_ID)
    assert bot.command("mine", user="U0BOB", response="mine").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("mine")))
    home_event = {"type": "app_home_opened", "user": "U0BOB", "channel": "D0BOB", "tab": "home"}
    assert bot.event(home_event, "EvHomeBob").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("views.publish")))
    assert bot.runtime.responder.drain(30)

    shown = {
        "checklist": bot.slack.called("chat.update")[-1].params,
        "digest": next(
            c.params for c in bot.slack.called("chat.postMessage") if "Good morning" in str(c.params)
        ),
        "nudge": nudges_to(bot, "U0BOB")[0],
        "mine": bot.slack.responses("mine")[0],
        "home": bot.slack.called("views.publish")[-1].params,
    }
    for surface, params in shown.items():
        text = parsed_texts(params)
        assert not [token for token in FORBIDDEN if token in text], (surface, text)
        assert "紧急" in json.dumps(params, ensure_ascii=False), surface  # the item is there, made inert


def test_a_review_with_binary_in_its_text_is_saved_without_it(bot: RunningBot) -> None:
    """A lone surrogate or a NUL (no Slack client sends them, a forged payload may) cannot be stored:
    they are dropped, rather than the review being lost without a word."""
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    view = open_review(bot, campaign_id)
    body = submission(view, {0: "拉新SURROGATE达标NUL"}, [("补发SURROGATE奖品NUL", "U0BOB", None)])
    payload = json.dumps(json.loads(urllib.parse.parse_qs(body.decode())["payload"][0]))
    payload = payload.replace("SURROGATE", "\\ud800").replace("NUL", "\\u0000")  # as JSON spells them
    assert bot.post(urllib.parse.urlencode({"payload": payload}).encode(), FORM).status == 200
    assert wait_until(lambda: reviews_stored(bot) == 1, timeout=30)
    assert wait_until(lambda: "补发奖品" in items_of(bot, campaign_id), timeout=30)
    assert bot.runtime.responder.drain(30)


def test_a_malformed_assign_button_gets_a_private_answer_not_a_stack_trace(bot: RunningBot) -> None:
    post_checklist(bot)
    for n, action_id in enumerate(("checklist_assign:nostage", "checklist_assign:" + "9" * 5000 + ":goal")):
        click = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": "U0LEAD"},
            "trigger_id": "trigger-malformed",
            "channel": {"id": "C0CAMPAIGN"},
            "response_url": bot.slack.response_url(f"malformed{n}"),
            "actions": [{"type": "button", "action_id": action_id, "value": "goal"}],
        }
        assert bot.post(payload_body(click), FORM).status == 200
        assert bot.slack.wait_for(lambda n=n: bool(bot.slack.responses(f"malformed{n}")))  # type: ignore[misc]
        assert "No such checklist" in bot.slack.responses(f"malformed{n}")[0]["text"]
    assert not bot.slack.called("views.open")


def test_a_checklist_slack_failed_to_post_leaves_the_last_reviews_items_for_the_next_try(
    bot: RunningBot, clock: FixedClock
) -> None:
    reviewed_with_action_items(bot)
    clock.set(datetime(2026, 12, 21, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    bot.slack.fail_next("chat.postMessage", "http503")
    bot.command("checklist 元旦拉新活动 launch 2027-01-20 end 2027-01-22", response="failed")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("failed")))
    assert "无法发到频道" in bot.slack.responses("failed")[-1]["text"]
    bot.command("checklist 元旦拉新活动 launch 2027-01-20 end 2027-01-22", response="again")
    assert bot.slack.wait_for(lambda: bool(checklist_posts(bot, "元旦拉新活动")))
    rendered = json.dumps(checklist_posts(bot, "元旦拉新活动")[0]["blocks"], ensure_ascii=False)
    assert "上次复盘的改进项" in rendered and "提前两周锁定地推物料" in rendered


def test_an_action_item_due_at_the_end_of_time_is_refused_and_the_calendar_still_exports(
    bot: RunningBot,
) -> None:
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    view = open_review(bot, campaign_id)
    reply = bot.post(submission(view, {0: "拉新达标"}, [("补发奖品", "U0BOB", "9999-12-31")]), FORM)
    assert reply.status == 200 and reply.json()["errors"] == {"action1_due": TOO_FAR}
    assert bot.runtime.responder.drain(30) and reviews_stored(bot) == 0
    assert bot.command("calendar 双十二", response="ics").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("ics")))
    assert "The .ics file is in your DM" in bot.slack.responses("ics")[0]["text"]


def test_ids_no_slack_id_looks_like_are_refused_with_a_400_before_anything_is_stored(
    bot: RunningBot,
) -> None:
    forged = "U" + "X" * 200
    assert bot.command("nudges off", user=forged).status == 400
    assert bot.command("nudges off", user="u0lower<case>").status == 400
    home = {"type": "app_home_opened", "user": forged, "channel": "D0HOME", "tab": "home"}
    assert bot.event(home, "EvForgedHome").status == 400
    assert bot.action("home_item_done", "c0ffee:goal-0", user=forged).status == 400
    assert not bot.slack.called("views.publish")
    assert bot.slack.responses("r1") == []
    # A real id still works.
    assert bot.command("nudges off", user="U0ALICE").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("r1")))

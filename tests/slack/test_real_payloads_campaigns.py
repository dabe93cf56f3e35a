"""The campaign features fed the payloads Slack really sends, not our own guesses at them.

Each payload is a fixture from Slack's own SDKs or docs (tests/slack/real_payloads/, source in the
comment where it is loaded), with only the ids and values that must point at our objects replaced:
App Home opened (with and without its view, Enterprise Grid), Home-tab buttons (a `view` container, no
channel, no response URL), the nudge's Done in the app's DM, the owner and review modals' submissions
(state values in Slack's order, empty pickers as null, `team: null` for org-wide installs), the
calendar button and slash commands from Enterprise Grid members.
"""

from __future__ import annotations

import copy
import json
import urllib.parse
from pathlib import Path
from typing import Any

from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.adapters.reminder_store import SqlReminderStore
from bot.domain.clock import FixedClock
from bot.domain.sources import review_answers
from tests.slack.conftest import Reply, RunningBot
from tests.slack.fake_slack import DEFAULT_MEMBERS
from tests.slack.review_modal import campaign_with_a_review
from tests.slack.test_checklists import post_checklist
from tests.slack.test_home import checklist_for, dms_to, first_item_of, is_done, published, wait_for_home
from tests.slack.test_item_owners import campaign_of, owners_in_db
from tests.slack.test_nudges import FRIDAY_10, done_buttons, fire, nudges_to, owned_checklist
from tests.slack.test_review_actions import updates_with

FORM = "application/x-www-form-urlencoded"
PAYLOADS = Path(__file__).parent / "real_payloads"
ALICE, BOB, LEAD = "U0ALICE", "U0BOB", "U0LEAD"
GRID_USER = "W111"  # the Enterprise Grid member of Slack's own org fixtures


def real(name: str) -> dict[str, Any]:
    return dict(json.loads((PAYLOADS / name).read_text()))


def post_event(bot: RunningBot, envelope: dict[str, Any]) -> Reply:
    return bot.post(json.dumps(envelope, ensure_ascii=False).encode(), "application/json")


def post_interaction(bot: RunningBot, payload: dict[str, Any]) -> Reply:
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    return bot.post(body, FORM)


def grid_member(bot: RunningBot) -> None:
    """W111 joins #campaign (C0CAMPAIGN) alongside the usual test people."""
    bot.slack.members["C0CAMPAIGN"] = [*DEFAULT_MEMBERS, GRID_USER]


def as_slack_echoes(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks as a block_actions `message` carries them: a block_id on every block and mrkdwn texts with
    `verbatim: false` (see the `8KR` block of bolt-python's test_block_actions_respond.py)."""
    echoed = copy.deepcopy(blocks)
    for position, block in enumerate(echoed):
        block.setdefault("block_id", f"Slk{position}")
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            text.setdefault("verbatim", False)
    return echoed


def button(payload: dict[str, Any], action_id: str, value: str, user: str) -> dict[str, Any]:
    """A fixture's block_actions pointed at our button and person; every other field kept."""
    payload["user"]["id"] = user
    payload["actions"][0].update({"action_id": action_id, "value": value})
    return payload


def in_channel(bot: RunningBot, payload: dict[str, Any], channel: str, response: str) -> dict[str, Any]:
    """A message-button fixture moved to our channel, its response URL to the fake Slack."""
    payload["channel"]["id"] = channel
    payload["container"]["channel_id"] = channel
    payload["response_url"] = bot.slack.response_url(response)
    return payload


def submitted(fixture: str, opened: dict[str, Any], values: dict[str, Any], user: str) -> dict[str, Any]:
    """A view_submission fixture carrying the view opsbot opened (Slack echoes its blocks, callback_id and
    private_metadata) with `values` as the state; the fixture's other view fields are kept."""
    payload = real(fixture)
    payload["user"]["id"] = user
    for key in ("blocks", "callback_id", "private_metadata", "title", "submit"):
        payload["view"][key] = opened[key]
    payload["view"]["state"] = {"values": values}
    return payload


def opened_view(bot: RunningBot, before: int) -> dict[str, Any]:
    assert bot.slack.wait_for(lambda: len(bot.slack.called("views.open")) > before)
    view = bot.slack.called("views.open")[-1].params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


# --- App Home -------------------------------------------------------------------------------------


def test_app_home_opened_as_slack_documents_it_publishes_the_persons_home(bot: RunningBot) -> None:
    campaign_id, store, _ = checklist_for(bot, {"goal": ALICE})
    # java-slack-sdk slack-app-backend/src/test/java/test_locally/app_backend/events/
    # EventTypeExtractorImplTest.java (appHomeOpened in its envelope), = docs.slack.dev/reference/events/app_home_opened
    envelope = real("app_home_opened.json")
    envelope["event"]["user"] = ALICE
    assert post_event(bot, envelope).status == 200
    shown = json.dumps(wait_for_home(bot, ALICE), ensure_ascii=False)
    assert f"{campaign_id}:{first_item_of(store, campaign_id, 'goal')}" in shown
    assert "home_item_done" in shown and "Campaigns (1)" in shown


def test_a_first_visit_sends_no_view_and_still_gets_a_home(bot: RunningBot) -> None:
    # The same documented event: "If they opened a Home tab and that tab has had a view published at
    # least once before, a view field will also be included" (api.slack.com/events/app_home_opened).
    envelope = real("app_home_opened.json")
    envelope["event"]["user"] = BOB
    del envelope["event"]["view"]
    assert post_event(bot, envelope).status == 200
    assert "My items (0)" in json.dumps(wait_for_home(bot, BOB), ensure_ascii=False)


def test_enterprise_grid_home_opened_publishes_home_for_the_org_member(bot: RunningBot) -> None:
    grid_member(bot)
    campaign_id, store, _ = checklist_for(bot, {"goal": GRID_USER})
    # bolt-python tests/scenario_tests/test_events_org_apps.py (test_app_home_opened): team_id in the
    # envelope, enterprise_id, authorizations with team_id null and is_enterprise_install; tab → home.
    envelope = real("app_home_opened_org.json")
    envelope["event"]["tab"] = "home"
    assert post_event(bot, envelope).status == 200
    shown = json.dumps(wait_for_home(bot, GRID_USER), ensure_ascii=False)
    assert f"{campaign_id}:{first_item_of(store, campaign_id, 'goal')}" in shown


def test_done_pressed_on_the_home_tab_refuses_others_and_ticks_the_owners_item(bot: RunningBot) -> None:
    campaign_id, store, _ = checklist_for(bot, {"goal": ALICE})
    item_id = first_item_of(store, campaign_id, "goal")
    value = f"{campaign_id}:{item_id}"
    # java-slack-sdk bolt/src/test/java/test_locally/app/BlockActionTest.java (realPayload): a Home
    # view container, the view itself, no channel, no message, no response_url.
    stranger = button(real("home_tab_button.json"), "home_item_done", value, BOB)
    assert post_interaction(bot, stranger).status == 200
    assert bot.slack.wait_for(lambda: any("Only the item's owner" in t for t in dms_to(bot, BOB)))
    assert not is_done(store, campaign_id, item_id)

    owner = button(real("home_tab_button.json"), "home_item_done", value, ALICE)
    assert post_interaction(bot, owner).status == 200
    assert bot.slack.wait_for(lambda: bool(published(bot, ALICE)))
    assert is_done(store, campaign_id, item_id)
    assert bot.slack.wait_for(
        lambda: any("1/19 done" in json.dumps(c.params) for c in bot.slack.called("chat.update"))
    )
    assert value not in json.dumps(published(bot, ALICE)[-1])


def test_cancel_pressed_on_the_home_tab_cancels_the_creators_reminder(bot: RunningBot) -> None:
    bot.command("remind me 明天10点 周报数据复盘", user=ALICE, response="rem")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("rem")))
    reminders = SqlReminderStore(bot.runtime.engine)
    (reminder,) = reminders.active()
    # java-slack-sdk slack-app-backend/src/test/java/test_locally/app_backend/interactive_components/
    # payload/BlockActionPayloadTest.java (jsonWithConfirm): a danger button with a confirm, on Home.
    payload = button(
        real("home_tab_button_confirm.json"), "home_reminder_cancel", reminder.reminder_id, ALICE
    )
    assert post_interaction(bot, payload).status == 200
    assert "My reminders (0)" in json.dumps(wait_for_home(bot, ALICE), ensure_ascii=False)
    assert reminders.active() == []


# --- The nudge's Done in the app's DM ---------------------------------------------------------------


def test_done_in_the_nudge_dm_as_slack_sends_it_ticks_the_item_and_updates_the_dm(
    bot: RunningBot, clock: FixedClock
) -> None:
    campaign_id = owned_checklist(bot)
    clock.set(FRIDAY_10)
    fire()
    [dm] = nudges_to(bot)
    value = done_buttons(dm)[0]
    # bolt-python tests/scenario_tests/test_block_actions_respond.py (a section's button in a message:
    # enterprise null, is_enterprise_install false, state, the message with its blocks); in a DM the
    # channel is a D… id named "directmessage" (java-slack-sdk BlockActionPayloadTest.java).
    payload = in_channel(bot, real("message_button.json"), "D0ALICE", "nudge")
    payload["channel"]["name"] = "directmessage"
    payload["message"].update(
        {"text": dm["text"], "blocks": as_slack_echoes(dm["blocks"]), "ts": "1800000099.000100"}
    )
    payload["container"]["message_ts"] = "1800000099.000100"
    assert post_interaction(bot, button(payload, "nudge_done", value, ALICE)).status == 200
    assert bot.slack.wait_for(
        lambda: any(c.params["channel"] == "D0ALICE" for c in bot.slack.called("chat.update"))
    )
    open_ids = {i.item_id for i in SqlChecklistStore(bot.runtime.engine).open_items()}
    assert value.partition(":")[2] not in open_ids and campaign_id in value
    update = next(c.params for c in bot.slack.called("chat.update") if c.params["channel"] == "D0ALICE")
    blocks = update["blocks"] if isinstance(update["blocks"], list) else json.loads(update["blocks"])
    assert (
        update["ts"] == "1800000099.000100"
        and len(done_buttons({"blocks": blocks})) == len(done_buttons(dm)) - 1
    )
    assert any(b.get("text", {}).get("text", "").startswith("☑") for b in blocks)


# --- "Assign items": the button and the modal's submission ------------------------------------------


def open_owners_as(bot: RunningBot, fixture: str, stage: str, user: str) -> dict[str, Any]:
    """`/ops checklist …` in #campaign, then **Assign items** of `stage` pressed in a fixture's shape."""
    campaign_id = campaign_of(post_checklist(bot))
    payload = in_channel(bot, real(fixture), "C0CAMPAIGN", "assign")
    before = len(bot.slack.called("views.open"))
    action_id = f"checklist_assign:{campaign_id}:{stage}"
    assert post_interaction(bot, button(payload, action_id, stage, user)).status == 200
    view = opened_view(bot, before)
    assert bot.slack.called("views.open")[-1].params["trigger_id"] == payload["trigger_id"]
    return view


def owner_values(view: dict[str, Any], picks: dict[str, str]) -> dict[str, Any]:
    """Every picker of the modal as Slack reports it, last block first (Slack's state order is not the
    blocks' order, see java-slack-sdk ViewSubmissionPayloadTest.java); unpicked ones are null."""
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    return {
        block_id: {"owner": {"type": "users_select", "selected_user": picks.get(block_id.partition(":")[2])}}
        for block_id in reversed(inputs)
    }


def test_an_enterprise_grid_member_assigns_owners_with_slacks_own_payloads(bot: RunningBot) -> None:
    grid_member(bot)
    # bolt-python tests/scenario_tests/test_block_actions.py (body): a W… user, team with enterprise_id.
    view = open_owners_as(bot, "message_button_grid.json", "promotion", GRID_USER)
    campaign_id = json.loads(view["private_metadata"])["campaign"]
    # bolt-python tests/scenario_tests/test_view_submission.py (body): the Enterprise Grid submission.
    values = owner_values(view, {"promotion-1": GRID_USER, "promotion-3": BOB})
    reply = post_interaction(bot, submitted("view_submission_grid.json", view, values, GRID_USER))
    assert reply.status == 200 and "response_action" not in (reply.json() if reply.body else {})
    owners = owners_in_db(bot, campaign_id)
    assert (
        owners["promotion-1"] == GRID_USER and owners["promotion-3"] == BOB and owners["promotion-2"] is None
    )
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.update")))
    assert "👤 w111" in json.dumps(bot.slack.called("chat.update")[-1].params["blocks"], ensure_ascii=False)


def test_an_org_wide_install_submission_with_team_null_sets_owners(bot: RunningBot) -> None:
    grid_member(bot)
    view = open_owners_as(bot, "message_button_grid.json", "goal", GRID_USER)
    campaign_id = json.loads(view["private_metadata"])["campaign"]
    # java-slack-sdk slack-app-backend/src/test/java/test_locally/app_backend/views/
    # ViewSubmissionPayloadTest.java (orgAppPayload): team null, enterprise, is_enterprise_install true,
    # response_urls [] and view.app_installed_team_id = the org's E… id.
    payload = submitted(
        "view_submission_org.json", view, owner_values(view, {"goal-2": GRID_USER}), GRID_USER
    )
    assert payload["team"] is None
    reply = post_interaction(bot, payload)
    assert reply.status == 200 and "response_action" not in (reply.json() if reply.body else {})
    assert owners_in_db(bot, campaign_id)["goal-2"] == GRID_USER


def test_an_outsiders_real_submission_is_refused_under_the_field(bot: RunningBot) -> None:
    grid_member(bot)
    view = open_owners_as(bot, "message_button_grid.json", "goal", GRID_USER)
    campaign_id = json.loads(view["private_metadata"])["campaign"]
    # java-slack-sdk ViewSubmissionPayloadTest.java (json): a plain workspace's submission.
    payload = submitted(
        "view_submission.json", view, owner_values(view, {"goal-1": "U0MALLORY"}), "U0MALLORY"
    )
    reply = post_interaction(bot, payload)
    assert reply.status == 200 and reply.json()["response_action"] == "errors"
    assert owners_in_db(bot, campaign_id)["goal-1"] is None


def test_closing_the_owner_modal_changes_nothing(bot: RunningBot) -> None:
    grid_member(bot)
    view = open_owners_as(bot, "message_button_grid.json", "goal", GRID_USER)
    campaign_id = json.loads(view["private_metadata"])["campaign"]
    # bolt-python tests/scenario_tests/test_view_closed.py (body); opsbot never asks notify_on_close,
    # so a view_closed that arrives anyway is answered without a listener and saves nothing.
    closed = submitted("view_closed_grid.json", view, owner_values(view, {"goal-1": GRID_USER}), GRID_USER)
    assert post_interaction(bot, closed).status < 500
    assert bot.runtime.responder.drain(10)
    assert owners_in_db(bot, campaign_id)["goal-1"] is None and not bot.slack.called("chat.update")


# --- The review modal ------------------------------------------------------------------------------


def open_review_as(bot: RunningBot, fixture: str, campaign_id: str, user: str) -> dict[str, Any]:
    payload = in_channel(bot, real(fixture), "C0CAMPAIGN", "rv")
    before = len(bot.slack.called("views.open"))
    assert post_interaction(bot, button(payload, "review_write", campaign_id, user)).status == 200
    return opened_view(bot, before)


def review_values(
    view: dict[str, Any], answers: dict[str, str], rows: list[tuple[Any, Any, Any]]
) -> dict[str, Any]:
    """Each element's own state: plain_text_input `value`, users_select `selected_user`, datepicker
    `selected_date` ("YYYY-MM-DD"), null when left empty; in an order other than the blocks'."""
    values: dict[str, Any] = {}
    for n, (text, owner, due) in enumerate(rows, start=1):
        values[f"action{n}_due"] = {"due": {"type": "datepicker", "selected_date": due}}
        values[f"action{n}_owner"] = {"owner": {"type": "users_select", "selected_user": owner}}
        values[f"action{n}_text"] = {"text": {"type": "plain_text_input", "value": text}}
    questions = [
        b["block_id"] for b in view["blocks"] if b["type"] == "input" and b["block_id"].startswith("q")
    ]
    for block_id in reversed(questions):
        values[block_id] = {"answer": {"type": "plain_text_input", "value": answers.get(block_id)}}
    return values


def test_a_real_review_submission_keeps_the_modals_question_order_and_its_action_items(
    bot: RunningBot,
) -> None:
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    view = open_review_as(bot, "message_button.json", campaign_id, LEAD)
    labels = {b["block_id"]: b["label"]["text"] for b in view["blocks"] if b["type"] == "input"}
    rows = [("提前两周锁定地推物料", BOB, "2026-12-20"), ("准备客服话术", None, None), (None, None, None)]
    values = review_values(view, {"q0": "拉新 1.2 万", "q1": "渠道投放开始得太晚"}, rows)
    # java-slack-sdk ViewSubmissionPayloadTest.java (json): its state.values are not in the blocks' order.
    reply = post_interaction(bot, submitted("view_submission.json", view, values, LEAD))
    assert reply.status == 200 and not reply.body
    assert bot.slack.wait_for(lambda: bool(updates_with(bot, "准备客服话术")))
    (source,) = SqlKnowledgeSources(bot.runtime.engine).all()
    assert [q for q, _ in review_answers(source.body)][:2] == [labels["q0"], labels["q1"]]
    rendered = json.dumps(updates_with(bot, "准备客服话术")[-1], ensure_ascii=False)
    assert "提前两周锁定地推物料" in rendered and "due 12/20" in rendered


def test_an_enterprise_grid_review_with_an_empty_datepicker_is_saved(bot: RunningBot) -> None:
    grid_member(bot)
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    view = open_review_as(bot, "message_button_grid.json", campaign_id, GRID_USER)
    values = review_values(view, {}, [("补发奖品", GRID_USER, None), (None, None, None), (None, None, None)])
    # bolt-python tests/scenario_tests/test_view_submission.py (body): team with enterprise_id, W… user.
    reply = post_interaction(bot, submitted("view_submission_grid.json", view, values, GRID_USER))
    assert reply.status == 200 and not reply.body
    assert bot.slack.wait_for(lambda: bool(updates_with(bot, "补发奖品")))
    checklist = SqlChecklistStore(bot.runtime.engine).load(campaign_id)
    assert checklist is not None
    (item,) = [i for i in checklist.items() if i.text == "补发奖品"]
    assert item.owner == GRID_USER and item.due is None


# --- Calendar export and slash commands from Enterprise Grid --------------------------------------------


def grid_command(bot: RunningBot, text: str, response: str) -> Reply:
    """bolt-python tests/scenario_tests/test_slash_command.py (slash_command_body): W111 of E111."""
    form = {
        "token": "verification_token",
        "team_id": "T111",
        "team_domain": "test-domain",
        "channel_id": "C0CAMPAIGN",
        "channel_name": "random",
        "user_id": GRID_USER,
        "user_name": "primary-owner",
        "command": bot.settings.slash_command,
        "text": text,
        "enterprise_id": "E111",
        "enterprise_name": "Org Name",
        "response_url": bot.slack.response_url(response),
        "trigger_id": "111.111.xxx",
    }
    return bot.post(urllib.parse.urlencode(form).encode(), FORM)


def reply_text(bot: RunningBot, response: str) -> str:
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses(response)))
    return " ".join(str(r.get("text")) for r in bot.slack.responses(response))


def test_the_calendar_button_pressed_by_a_grid_member_sends_the_file_to_their_dm(bot: RunningBot) -> None:
    grid_member(bot)
    message = post_checklist(bot)
    campaign_id = campaign_of(message)
    payload = in_channel(bot, real("message_button_grid.json"), "C0CAMPAIGN", "ics")
    assert (
        post_interaction(bot, button(payload, "checklist_export_ics", campaign_id, GRID_USER)).status == 200
    )
    assert "ics" in reply_text(bot, "ics")
    assert bot.slack.called("conversations.open")[-1].params["users"] == GRID_USER
    ((upload, _),) = bot.slack.uploaded()
    assert upload["channel_id"] == "D" + GRID_USER


def test_mine_nudges_off_and_calendar_from_a_grid_slash_command(bot: RunningBot) -> None:
    grid_member(bot)
    checklist_for(bot, {"goal": GRID_USER})
    assert grid_command(bot, "mine", "mine").status == 200
    assert "Your open items: " in reply_text(bot, "mine") and "Your open items: 0" not in reply_text(
        bot, "mine"
    )
    assert grid_command(bot, "nudges off", "off").status == 200
    assert "Morning nudges are off" in reply_text(bot, "off")
    assert grid_command(bot, "calendar 双十二拉新活动", "cal").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.uploaded()))
    assert bot.slack.uploaded()[0][0]["channel_id"] == "D" + GRID_USER

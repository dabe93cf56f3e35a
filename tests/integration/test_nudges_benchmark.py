"""The morning benchmark runs end to end at a small size, and its figures agree with each other."""

from __future__ import annotations

from benchmarks.nudges import run


def test_a_small_morning_posts_one_dm_per_due_owner_and_nothing_after_a_restart() -> None:
    figures = run(campaigns=6, items=5, owners=4, postgres=False)["sqlite"]
    assert figures["items"] == 30 and 0 < figures["owners_due"] <= 4
    assert figures["dms_posted"] == figures["slack_calls"]["chat.postMessage"] == figures["owners_due"]
    assert figures["baseline_dm_per_item_calls"] == figures["items_listed"] >= figures["owners_due"]
    assert figures["restart_same_day_posted"] == 0
    digest = figures["morning_digest"]
    assert digest is not None and digest["posted"] == digest["channels"] == digest["slack_calls"] > 0

"""What a person is to opsbot: a Slack user id (U… or W… for Enterprise Grid), checked one way everywhere."""

from __future__ import annotations

import re

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def is_user_id(text: str) -> bool:
    """A person's id as Slack writes it: safe to store as an owner and to show as `<@…>`."""
    return bool(_USER_ID.match(text))

"""What Slack knows about people: time zones, admin rights, channel and user-group membership, real accounts."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

MEMBERS_TTL_S = 60.0
MEMBERS_PAGE = 200
NAMES_TTL_S = 3600.0


class SlackPeople:
    """`users.info` and `conversations.members`; a channel's members are cached for a minute,
    because a cancel button or a reminder command should not page through a big channel each time."""

    def __init__(self, client: WebClient, members_ttl_s: float = MEMBERS_TTL_S) -> None:
        self._client = client
        self._ttl = members_ttl_s
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._names: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def _user(self, user: str) -> dict[str, Any]:
        try:
            return dict(self._client.users_info(user=user).get("user") or {})
        except SlackApiError as error:
            log.info("users.info failed: %s", error.response.get("error"))
            return {}

    def timezone_of(self, user: str) -> str | None:
        return str(self._user(user).get("tz") or "") or None

    def is_admin(self, user: str) -> bool:
        info = self._user(user)
        return bool(info.get("is_admin") or info.get("is_owner"))

    def is_person(self, user: str) -> bool:
        info = self._user(user)
        return bool(info.get("id")) and not info.get("deleted") and not info.get("is_bot")

    def name_of(self, user: str) -> str:
        """What Slack shows for a person (display name, real name, handle), or their id when unknown.

        Kept for an hour: a long thread names the same few people again and again.
        """
        with self._lock:
            cached = self._names.get(user)
        if cached and time.monotonic() - cached[0] < NAMES_TTL_S:
            return cached[1]
        info = self._user(user)
        if not info:
            return user  # not cached: the lookup failed, the next one may not
        profile = info.get("profile") or {}
        name = str(
            profile.get("display_name")
            or profile.get("real_name")
            or info.get("real_name")
            or info.get("name")
            or user
        )
        with self._lock:
            self._names[user] = (time.monotonic(), name)
        return name

    def is_member(self, channel: str, user: str) -> bool:
        return user in self._channel_members(channel)

    def group_members(self, group: str) -> frozenset[str]:
        """`usergroups.users.list` (needs `usergroups:read`); cached like channel members."""

        def fetch() -> frozenset[str]:
            users = self._client.usergroups_users_list(usergroup=group).get("users") or []
            return frozenset(str(user) for user in users)

        return self._cached(f"group:{group}", fetch, "usergroups.users.list")

    def _channel_members(self, channel: str) -> frozenset[str]:
        def fetch() -> frozenset[str]:
            members: set[str] = set()
            cursor = ""
            while True:
                page = self._client.conversations_members(
                    channel=channel, limit=MEMBERS_PAGE, cursor=cursor or None
                )
                members.update(str(member) for member in page.get("members") or [])
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    return frozenset(members)

        # channel_not_found: a private channel opsbot is not in; nobody counts as a member.
        return self._cached(channel, fetch, "conversations.members")

    def _cached(self, key: str, fetch: Callable[[], frozenset[str]], method: str) -> frozenset[str]:
        """A member list kept for the TTL; a Slack error means nobody (and is not cached)."""
        with self._lock:
            cached = self._members.get(key)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            found = fetch()
        except SlackApiError as error:
            log.info("%s failed for %s: %s", method, key, error.response.get("error"))
            return frozenset()
        with self._lock:
            self._members[key] = (time.monotonic(), found)
        return found

"""The Slack people a benchmark needs when who may act is not what it measures."""

from __future__ import annotations


class OpenWorkspace:
    """Everyone is a real person and a member of every channel; nobody is an admin, in a group or in
    a known time zone (the team's zone applies)."""

    def timezone_of(self, user: str) -> str | None:
        return None

    def is_admin(self, user: str) -> bool:
        return False

    def is_member(self, channel: str, user: str) -> bool:
        return True

    def is_person(self, user: str) -> bool:
        return True

    def group_members(self, group: str) -> frozenset[str]:
        return frozenset()

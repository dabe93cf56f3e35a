"""Who may teach opsbot: the knowledge editors a team names, and its workspace admins."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.errors import OpsbotError
from bot.domain.people import is_user_id

_GROUP = re.compile(r"^S[A-Z0-9]{2,20}$")

NOT_AN_EDITOR = (
    "只有知识库编辑可以添加资料,请联系管理员把你加入 OPSBOT_KNOWLEDGE_EDITORS。"
    " / Only knowledge editors can add to the knowledge base; ask an admin to add you to "
    "OPSBOT_KNOWLEDGE_EDITORS."
)


class NotAnEditor(OpsbotError):
    """Someone who is neither a named editor, in a named group, nor an admin tried to teach opsbot."""


@dataclass(frozen=True)
class KnowledgeEditors:
    """Named users, members of named user groups, and workspace admins (asked only when needed)."""

    users: frozenset[str]
    groups: frozenset[str]

    @classmethod
    def parse(cls, setting: str) -> KnowledgeEditors:
        """`U0ALICE, S0OPS` → users {U0ALICE}, groups {S0OPS}; anything else in the list is ignored."""
        ids = [part.strip() for part in setting.split(",") if part.strip()]
        return cls(frozenset(i for i in ids if is_user_id(i)), frozenset(i for i in ids if _GROUP.match(i)))

    def may_edit(
        self, user: str, is_admin: Callable[[str], bool], group_members: Callable[[str], frozenset[str]]
    ) -> bool:
        if user in self.users:
            return True
        if any(user in group_members(group) for group in sorted(self.groups)):
            return True
        return is_admin(user)

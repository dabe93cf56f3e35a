"""Teaching opsbot, without Slack: who may, what a document becomes, and what is refused."""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.web_pages import PageFetcher, PageRefused, learn_target
from bot.domain.clock import FixedClock
from bot.domain.editors import KnowledgeEditors, NotAnEditor
from bot.domain.errors import NotFound
from bot.domain.sources import DOCUMENT, KnowledgeSource
from bot.knowledge.conversion import UnreadableDocument
from bot.knowledge.sources import chunks_for_source
from bot.services.knowledge import KnowledgeService
from tests.fakes import FakePeople

DOCUMENTS = Path(__file__).resolve().parent.parent / "fixtures" / "documents"


class ListedSources:
    """The knowledge library in a list; removal and restore as the SQL store does them."""

    def __init__(self) -> None:
        self.added: list[KnowledgeSource] = []

    def add(self, source: KnowledgeSource) -> None:
        self.added.append(source)

    def all(self) -> list[KnowledgeSource]:
        return list(self.added)

    def get(self, source_id: str) -> KnowledgeSource | None:
        return next((s for s in self.added if s.source_id == source_id), None)

    def _replace(self, source_id: str, deleted_at: float | None) -> None:
        self.added = [
            replace(s, deleted_at=deleted_at) if s.source_id == source_id else s for s in self.added
        ]

    def tombstone(self, source_id: str, at: float, actor: str = "") -> bool:
        found = self.get(source_id)
        if found is None or found.deleted_at is not None:
            return False
        self._replace(source_id, at)
        return True

    def restore(self, source_id: str, actor: str, at: float, removed_since: float) -> bool:
        found = self.get(source_id)
        if found is None or found.deleted_at is None or found.deleted_at < removed_since:
            return False
        self._replace(source_id, None)
        return True

    def replace(self, old_id: str, new: KnowledgeSource, actor: str, at: float) -> bool:
        if not self.tombstone(old_id, at, actor):
            return False
        self.add(new)
        return True


NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def service(
    sources: ListedSources, editors: str = "U0EDITOR,S0OPS", max_mb: int = 20, clock: FixedClock | None = None
) -> KnowledgeService:
    people = FakePeople(admins={"U0ADMIN"}, groups={"S0OPS": {"U0GROUPIE"}})
    return KnowledgeService(
        sources, KnowledgeEditors.parse(editors), people, clock or FixedClock(NOW), max_mb
    )


def test_editors_are_named_users_members_of_named_groups_and_admins() -> None:
    editors = KnowledgeEditors.parse(" U0EDITOR, S0OPS ,not-an-id,, W0GUEST")
    assert editors.users == {"U0EDITOR", "W0GUEST"} and editors.groups == {"S0OPS"}
    people = FakePeople(admins={"U0ADMIN"}, groups={"S0OPS": {"U0GROUPIE"}})

    def may(user: str) -> bool:
        return editors.may_edit(user, people.is_admin, people.group_members)

    assert may("U0EDITOR") and may("U0GROUPIE") and may("U0ADMIN") and not may("U0STRANGER")
    nobody_named = KnowledgeEditors.parse("")
    assert nobody_named.may_edit("U0ADMIN", people.is_admin, people.group_members)
    assert not nobody_named.may_edit("U0EDITOR", people.is_admin, people.group_members)


def test_a_learned_document_is_stored_under_its_own_title_and_cited_by_its_headings() -> None:
    sources = ListedSources()
    learned = service(sources).learn(
        "U0EDITOR", "D0EDITOR", "campaign_plan.docx", (DOCUMENTS / "campaign_plan.docx").read_bytes(), None
    )
    assert (
        learned.title == "618 大促会员增长活动方案" and learned.kind == "docx" and len(learned.sections) == 8
    )
    (source,) = sources.added
    assert (source.kind, source.created_by, source.channel) == (DOCUMENT, "U0EDITOR", "D0EDITOR")
    assert source.created_at == datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    sections = {chunk.section for chunk in chunks_for_source(source)}
    assert "618 大促会员增长活动方案 › 风险预案 › 优惠券被刷" in sections
    assert all(chunk.source == f"document:{source.source_id}" for chunk in chunks_for_source(source))


def test_a_heading_cannot_fake_a_deeper_path() -> None:
    forged = KnowledgeSource(
        "d1", DOCUMENT, "方案 › 假目录", "## 目标 › 伪造\n\n内容。\n", None, "", "U0E", 1.0
    )
    (chunk,) = chunks_for_source(forged)
    assert chunk.section == "方案 · 假目录 › 目标 · 伪造"


def test_strangers_big_files_and_unreadable_files_store_nothing() -> None:
    sources = ListedSources()
    with pytest.raises(NotAnEditor, match="OPSBOT_KNOWLEDGE_EDITORS"):
        service(sources).learn("U0STRANGER", "D0S", "plan.md", "# 计划\n\n内容".encode(), None)
    with pytest.raises(UnreadableDocument, match="文件太大"):
        service(sources, max_mb=1).check_upload("U0EDITOR", 50 * 1024 * 1024)
    with pytest.raises(UnreadableDocument, match="密码保护"):
        service(sources).learn(
            "U0EDITOR", "D0E", "plan.pdf", (DOCUMENTS / "campaign_plan_encrypted.pdf").read_bytes(), None
        )
    assert sources.added == []


def test_the_address_to_learn_is_read_from_slack_markup_or_plain_text() -> None:
    assert learn_target("<https://example.com/guide|guide>") == "https://example.com/guide"
    assert learn_target("  https://example.com/a?b=1  please ") == "https://example.com/a?b=1"
    assert learn_target("") == ""


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/file", "http(s)"),
        ("file:///etc/passwd", "http(s)"),
        ("http://127.0.0.1/admin", "内网或本机"),
        ("http://10.1.2.3/", "内网或本机"),
        ("http://[::1]/", "内网或本机"),
        ("http://169.254.169.254/latest/meta-data/", "内网或本机"),
        ("http://0.0.0.0/", "内网或本机"),
    ],
)
def test_private_and_non_web_addresses_are_refused_before_any_connection(url: str, message: str) -> None:
    with pytest.raises(PageRefused, match=re.escape(message)):
        PageFetcher(frozenset(), timeout_s=1, max_bytes=1024).fetch(url)


def test_an_allowed_host_is_checked_no_further() -> None:
    fetcher = PageFetcher(frozenset({"127.0.0.1"}), timeout_s=1, max_bytes=1024)
    fetcher._check("http://127.0.0.1:9/guide")  # allowed: no PageRefused


def test_the_owner_or_an_editor_removes_and_restores_within_thirty_days() -> None:
    sources = ListedSources()
    clock = FixedClock(NOW)
    knowledge = service(sources, clock=clock)
    plan = "# 计划\n\n## 目标\n\n拉新一万人。".encode()
    learned = knowledge.learn("U0GROUPIE", "D0G", "plan.md", plan, None)
    with pytest.raises(NotAnEditor, match="只有知识库编辑或添加这条资料的人"):
        knowledge.remove("U0STRANGER", learned.source_id)
    knowledge.remove("U0GROUPIE", learned.source_id)  # its owner
    assert [s.deleted_at for s in knowledge.library()] == [NOW.timestamp()]
    clock.advance(timedelta(days=29))
    knowledge.restore("U0EDITOR", learned.source_id)  # an editor
    assert [s.deleted_at for s in knowledge.library()] == [None]
    knowledge.restore("U0EDITOR", learned.source_id)  # a second click changes nothing
    knowledge.remove("U0ADMIN", learned.source_id)
    clock.advance(timedelta(days=31))
    assert knowledge.library() == []  # past the window it is no longer listed…
    with pytest.raises(NotFound, match="30"):
        knowledge.restore("U0EDITOR", learned.source_id)  # …nor restorable
    with pytest.raises(NotFound):
        knowledge.remove("U0EDITOR", "no-such-id")


def test_the_fetch_connects_to_the_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name answers a public address for the check, then 127.0.0.1; opsbot never asks
    again and connects to the public address it checked."""
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]])
    resolved: list[str] = []
    connected: list[tuple[str, int]] = []

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> list[tuple[Any, ...]]:
        resolved.append(host)
        return next(answers, [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80))])

    def create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        connected.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(PageRefused, match="打不开"):
        PageFetcher(frozenset(), timeout_s=1, max_bytes=1024).fetch("http://rebind.example/guide")
    assert resolved == ["rebind.example"]
    assert connected == [("93.184.216.34", 80)]


def test_a_pinned_fetch_still_names_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection goes to the checked address; the request still carries the page's own host name."""
    hosts: list[str] = []

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hosts.append(self.headers.get("Host", ""))
            body = "<html><body><h1>指南</h1><p>拉新要先定目标。</p></body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Page)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "guide.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    try:
        page = PageFetcher(frozenset({"127.0.0.1"}), timeout_s=5, max_bytes=1024).fetch(
            f"http://guide.example:{port}/guide"
        )
    finally:
        server.shutdown()
        server.server_close()
    assert "拉新要先定目标" in page.data.decode()
    assert hosts == [f"guide.example:{port}"]

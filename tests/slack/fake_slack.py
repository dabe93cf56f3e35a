"""A local Slack-compatible Web API server for tests: records every call, answers like Slack does.

It serves `POST /api/<method>` (form or JSON bodies, as slack_sdk sends them) and `POST /response/<id>`
for response URLs. Tests can inject faults into the next calls of a method (`fail_next`: 5xx,
`ok:false`, 429 with Retry-After, a hang past the client's timeout), configure channel membership
and unknown, deleted or bot users, and wait for calls to arrive.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0000001"

# Members of every channel whose membership a test did not set: the people tests act as, minus
# the outsider (U0MALLORY), so authorization tests have someone who belongs nowhere.
DEFAULT_MEMBERS = (
    BOT_USER_ID,
    "U0ALICE",
    "U0BOB",
    "U0CAROL",
    "U0EVE",
    "U0NYC",
    "U0LEAD",
    "U0ASKER",
    "U0ADMIN",
    "U0ADMIN1",
    "U0OWNER",
    "U0TICKER",
    "U0VOTER",
)
# Where the bytes of an upload go (files.getUploadURLExternal's upload_url), and its name for fail_next.
UPLOAD_PATH = "/upload/v1/"
UPLOAD_METHOD = "upload"
FAULTS = ("http500", "http503", "ratelimited", "fatal_error", "429", "hang")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    """Start with `with FakeSlack() as slack:`; `slack.api_url` goes into SLACK_API_URL."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.rate_limited: dict[str, int] = {}
        self.thread_messages: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.socket_url = ""
        self.failing_channels: dict[str, str] = {}
        self.time_zones: dict[str, str] = {}
        self.members: dict[str, list[str]] = {}
        self.members_page_size = 2
        self.unknown_users: set[str] = set()
        self.deleted_users: set[str] = set()
        self.bot_users: set[str] = set()
        self.hang_seconds = 3.0
        # Files shared with the bot: id → (name, mimetype, bytes), served at url_private_download.
        self.files: dict[str, tuple[str, str, bytes]] = {}
        # A file whose files.info says it is elsewhere (a host that must never get the token).
        self.foreign_files: set[str] = set()
        # Who uploaded each file (files.info's `user`); "" leaves it out.
        self.uploaders: dict[str, str] = {}
        self.bot_token = ""
        self.user_groups: dict[str, list[str]] = {}
        # conversations.replies: replies per page (the parent heads every page, as Slack sends it),
        # threads that are gone, and channels opsbot cannot read (channel → error, e.g. not_in_channel).
        self.replies_page_size = 1000
        self.missing_threads: set[tuple[str, str]] = set()
        self.unreadable_channels: dict[str, str] = {}
        # users.info names: id → display name (others get their id, lower-cased, as their handle).
        self.names: dict[str, str] = {}
        # files.getUploadURLExternal → POST bytes to its upload_url → files.completeUploadExternal:
        # bytes by file id, and the completed uploads (id, title, channel_id) in order.
        self.upload_bytes: dict[str, bytes] = {}
        self.completed_uploads: list[dict[str, Any]] = []
        self._file_ids = itertools.count(1)
        self._faults: dict[str, list[str]] = {}
        self._stopping = threading.Event()
        self._ts = itertools.count(1)
        self._changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                if self.path.startswith(UPLOAD_PATH):  # raw file bytes, not a form
                    params: dict[str, Any] = {"file_id": self.path.removeprefix(UPLOAD_PATH), "bytes": raw}
                else:
                    params = fake._parse(raw, headers.get("content-type", ""))
                status, payload, extra = fake._respond(self.path, params, headers)
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in extra.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting (a "hang" fault)

            def do_GET(self) -> None:
                headers = {key.lower(): value for key, value in self.headers.items()}
                status, body, content_type = fake._download(self.path, headers)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- addresses --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    # -- behaviour --------------------------------------------------------------------------------

    def fail_next(self, method: str, *faults: str) -> None:
        """Make the next calls of `method` fail, one fault per call, in order.

        Faults: "http500", "http503", "ratelimited" (HTTP 200 ok:false), "fatal_error", "429" or
        "429:<seconds>" (Retry-After, 1 s by default), "hang" (held `hang_seconds`, longer than the
        client's timeout, then answered with ok:false; Slack did not act on it).
        """
        for fault in faults:
            if fault.split(":", 1)[0] not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}")
        with self._changed:
            self._faults.setdefault(method, []).extend(faults)

    def _fault(self, fault: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        kind, _, value = fault.partition(":")
        if kind == "http500":
            return 500, {"ok": False, "error": "internal_error"}, {}
        if kind == "http503":
            return 503, {"ok": False, "error": "service_unavailable"}, {}
        if kind == "429":
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": value or "1"}
        if kind == "hang":
            self._stopping.wait(self.hang_seconds)
            return 200, {"ok": False, "error": "request_timeout"}, {}
        return 200, {"ok": False, "error": kind}, {}

    @staticmethod
    def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
        if not raw:
            return {}
        if "json" in content_type:
            return dict(json.loads(raw))
        parsed = dict(urllib.parse.parse_qsl(raw.decode()))
        for key in ("blocks", "attachments"):
            if isinstance(parsed.get(key), str):
                parsed[key] = json.loads(parsed[key])
        return parsed

    def _respond(
        self, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        method = path.removeprefix("/api/") if path.startswith("/api/") else path
        method = UPLOAD_METHOD if path.startswith(UPLOAD_PATH) else method
        with self._changed:
            queued = self._faults.get(method)
            fault = queued.pop(0) if queued else None
            if fault is not None:
                self.calls.append(Call(f"{method}#{fault}", params, headers))
                self._changed.notify_all()
        if fault is not None:
            return self._fault(fault)
        with self._changed:
            if self.rate_limited.get(method, 0) > 0:
                self.rate_limited[method] -= 1
                self.calls.append(Call(f"{method}#429", params, headers))
                self._changed.notify_all()
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
            self.calls.append(Call(method, params, headers))
            self._changed.notify_all()
        return 200, self._payload(method, params), {}

    def _payload(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"{1_800_000_000 + next(self._ts)}.000100"
        if method.startswith("/response/"):
            return {"ok": True}
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "team_id": TEAM_ID,
                "user": "opsbot",
                "team": "Test",
                "url": "https://test.slack.com/",
            }
        if method == "chat.postMessage" and params.get("channel") in self.failing_channels:
            return {"ok": False, "error": self.failing_channels[str(params["channel"])]}
        if method == "chat.postMessage":
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "message": {"text": params.get("text", "")},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method in ("conversations.replies", "chat.getPermalink") and (
            params.get("channel") in self.unreadable_channels
        ):
            return {"ok": False, "error": self.unreadable_channels[str(params["channel"])]}
        if method == "conversations.replies":
            return self._replies(params)
        if method == "chat.getPermalink":
            channel, message = str(params.get("channel")), str(params.get("message_ts"))
            link = f"https://test.slack.com/archives/{channel}/p{message.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "users.info":
            return self._user(str(params.get("user")))
        if method == "conversations.members":
            return self._members(params)
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.user_groups.get(str(params.get("usergroup")), [])}
        if method in ("files.getUploadURLExternal", UPLOAD_METHOD, "files.completeUploadExternal"):
            return self._upload_step(method, params)
        if method == "conversations.open":
            users = str(params.get("users") or "")
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0].removeprefix("U")}}
        if method == "files.info":
            return self._file_info(str(params.get("file")))
        if method.startswith("chat.") and "Stream" in method:
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts") or ts}
        return {"ok": True}

    def share_file(
        self, file_id: str, name: str, mimetype: str, data: bytes, user: str = ""
    ) -> dict[str, Any]:
        """Hold a file as Slack does, uploaded by `user`; returns the file object a `file_share`
        message event carries."""
        self.files[file_id] = (name, mimetype, data)
        self.uploaders[file_id] = user
        shared = {"id": file_id, "name": name, "mimetype": mimetype, "size": len(data), "mode": "hosted"}
        return {**shared, "user": user} if user else shared

    def _upload_step(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Slack's upload flow, as files_upload_v2 drives it (fault-injectable by method name)."""
        if method == "files.getUploadURLExternal":
            file_id = f"F0UP{next(self._file_ids):04d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}{UPLOAD_PATH}{file_id}"}
        files = params.get("files") or "[]"
        files = json.loads(files) if isinstance(files, str) else files
        with self._changed:  # told to waiters once stored, not just once called
            if method == UPLOAD_METHOD:
                self.upload_bytes[str(params["file_id"])] = bytes(params["bytes"])
                self._changed.notify_all()
                return {"ok": True}
            if any(str(f.get("id")) not in self.upload_bytes for f in files):
                return {"ok": False, "error": "file_not_found"}
            for file in files:
                self.completed_uploads.append({**file, "channel_id": params.get("channel_id")})
            self._changed.notify_all()
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _file_info(self, file_id: str) -> dict[str, Any]:
        if file_id not in self.files:
            return {"ok": False, "error": "file_not_found"}
        name, mimetype, data = self.files[file_id]
        host = "https://evil.example.com" if file_id in self.foreign_files else self.base_url
        url = f"{host}/files-pri/{TEAM_ID}-{file_id}/download/{urllib.parse.quote(name)}"
        return {
            "ok": True,
            "file": {
                "id": file_id,
                "name": name,
                "title": name,
                "mimetype": mimetype,
                "size": len(data),
                "url_private": url,
                "url_private_download": url,
                **({"user": self.uploaders[file_id]} if self.uploaders.get(file_id) else {}),
            },
        }

    def _download(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, str]:
        """`url_private_download`: only with the bot token, as Slack serves files (else a login page)."""
        with self._changed:
            self.calls.append(Call(f"GET {path}", {}, headers))
            self._changed.notify_all()
        parts = path.split("/")
        file_id = parts[2].split("-", 1)[1] if len(parts) > 2 and parts[1] == "files-pri" else ""
        if file_id not in self.files or headers.get("authorization") != f"Bearer {self.bot_token}":
            return 200, b"<html>Sign in to Slack</html>", "text/html"
        _, mimetype, data = self.files[file_id]
        return 200, data, mimetype

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """Pages of `replies_page_size` (or the smaller `limit`) replies, each under the parent message."""
        key = (str(params.get("channel")), str(params.get("ts")))
        if key in self.missing_threads:
            return {"ok": False, "error": "thread_not_found"}
        messages = self.thread_messages.get(key, [])
        parent, replies = messages[:1], messages[1:]
        size = max(1, min(int(params.get("limit") or 1000), self.replies_page_size))
        start = int(params.get("cursor") or 0)
        end = start + max(size - 1, 1)
        cursor = str(end) if end < len(replies) else ""
        return {
            "ok": True,
            "messages": parent + replies[start:end],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _user(self, user: str) -> dict[str, Any]:
        if user in self.unknown_users:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user,
                "tz": self.time_zones.get(user, "Asia/Shanghai"),
                "is_admin": user.startswith("U0ADMIN"),
                "deleted": user in self.deleted_users,
                "is_bot": user in self.bot_users or user == BOT_USER_ID,
                "name": user.lower(),
                "profile": {"display_name": self.names.get(user, "")},
            },
        }

    def _members(self, params: dict[str, Any]) -> dict[str, Any]:
        """Pages of `members_page_size` (or the smaller `limit`), chained by next_cursor."""
        channel = str(params.get("channel"))
        members = self.members.get(channel, list(DEFAULT_MEMBERS))
        size = max(1, min(int(params.get("limit") or 100), self.members_page_size))
        start = int(params.get("cursor") or 0)
        end = start + size
        cursor = str(end) if end < len(members) else ""
        return {"ok": True, "members": members[start:end], "response_metadata": {"next_cursor": cursor}}

    # -- inspection -------------------------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def uploaded(self, channel: str | None = None) -> list[tuple[dict[str, Any], bytes]]:
        """Completed uploads (shared into `channel` if given) with their bytes, oldest first."""
        with self._changed:
            return [
                (upload, self.upload_bytes[str(upload["id"])])
                for upload in self.completed_uploads
                if channel is None or upload.get("channel_id") == channel
            ]

    def responses(self, name: str = "r1") -> list[dict[str, Any]]:
        return [call.params for call in self.called(f"/response/{name}")]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

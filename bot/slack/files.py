"""Files shared with opsbot, fetched as Slack serves them: `files.info`, then `url_private_download`
with the bot token, never more bytes than the limit, and never to a host that is not Slack's."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.domain.errors import OpsbotError

SLACK_FILE_HOSTS = frozenset({"files.slack.com", "slack-files.com"})
CHUNK = 64 * 1024

FILE_UNAVAILABLE = (
    "拿不到这个文件(可能已被删除,或 opsbot 没有 files:read 权限)。 / "
    "opsbot could not fetch this file (deleted, or the app lacks the files:read scope)."
)


class FileUnavailable(OpsbotError):
    """The file could not be fetched from Slack."""


@dataclass(frozen=True)
class SharedFile:
    """What Slack says about a shared file, before its bytes are fetched."""

    file_id: str
    name: str
    mimetype: str | None
    size: int
    url: str
    # Slack's `user` of the file: who uploaded it ("" when Slack does not say).
    uploaded_by: str = ""

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> SharedFile:
        return cls(
            file_id=str(info.get("id") or ""),
            name=str(info.get("name") or info.get("title") or "file"),
            mimetype=str(info.get("mimetype") or "") or None,
            size=int(info.get("size") or 0),
            url=str(info.get("url_private_download") or info.get("url_private") or ""),
            uploaded_by=str(info.get("user") or ""),
        )


class SlackFiles:
    """The bot token goes only to Slack's file hosts (or the host of SLACK_API_URL, for a local server)."""

    def __init__(self, client: WebClient, token: str, api_url: str, timeout_s: float) -> None:
        self._client = client
        self._token = token
        self._hosts = SLACK_FILE_HOSTS | {urllib.parse.urlsplit(api_url).netloc}
        self._timeout = timeout_s

    def info(self, file_id: str) -> SharedFile:
        try:
            found = self._client.files_info(file=file_id).get("file") or {}
        except Exception as error:
            raise FileUnavailable(FILE_UNAVAILABLE) from error
        shared = SharedFile.from_info(dict(found))
        if not shared.url:
            raise FileUnavailable(FILE_UNAVAILABLE)
        return shared

    def download(self, shared: SharedFile, max_bytes: int) -> bytes:
        """At most `max_bytes` + 1 bytes are read: one more than the limit is enough to refuse it."""
        parts = urllib.parse.urlsplit(shared.url)
        if parts.scheme not in ("https", "http") or parts.netloc not in self._hosts:
            raise FileUnavailable(FILE_UNAVAILABLE)
        request = urllib.request.Request(shared.url, headers={"Authorization": f"Bearer {self._token}"})
        data = bytearray()
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                while len(data) <= max_bytes:
                    piece = response.read(CHUNK)
                    if not piece:
                        break
                    data += piece
        except (urllib.error.URLError, OSError) as error:
            raise FileUnavailable(FILE_UNAVAILABLE) from error
        return bytes(data)

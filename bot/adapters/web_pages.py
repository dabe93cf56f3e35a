"""Web pages fetched for `/ops learn <url>`: public addresses only (unless allowed), bounded in size,
time and redirects, so a learn command can never be used to read the bot's own network."""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from bot.domain.errors import OpsbotError

MAX_REDIRECTS = 3
CHUNK = 64 * 1024
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown")


class PageRefused(OpsbotError):
    """The address may not be fetched, or what it returned cannot be learned."""


NOT_A_WEB_ADDRESS = (
    "请给一个 http(s) 网址,例如 /ops learn https://example.com/guide 。 / Give an http(s) address."
)
PRIVATE_ADDRESS = (
    "这个地址指向内网或本机,不能抓取(管理员可以用 OPSBOT_LEARN_ALLOWED_HOSTS 放行)。 / "
    "That address is private or local; opsbot only fetches public pages unless an admin allows the host."
)
UNREACHABLE = "打不开这个网页。 / The page could not be fetched."
NOT_A_PAGE = "这个网址返回的不是网页或文本。 / That address did not return a web page or text."


@dataclass(frozen=True)
class FetchedPage:
    url: str
    data: bytes
    mimetype: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by hand, so every hop's address is checked again."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class PageFetcher:
    def __init__(self, allowed_hosts: frozenset[str], timeout_s: float, max_bytes: int) -> None:
        self._allowed = allowed_hosts
        self._timeout = timeout_s
        self._max_bytes = max_bytes
        self._opener = urllib.request.build_opener(_NoRedirects)

    def fetch(self, url: str) -> FetchedPage:
        for _ in range(MAX_REDIRECTS + 1):
            self._check(url)
            request = urllib.request.Request(url, headers={"User-Agent": "opsbot (learning a page)"})
            try:
                with self._opener.open(request, timeout=self._timeout) as response:
                    return self._read(url, response.read, response.headers)
            except urllib.error.HTTPError as error:
                location = error.headers.get("Location") if 300 <= error.code < 400 else None
                if not location:
                    raise PageRefused(UNREACHABLE) from None
                url = urllib.parse.urljoin(url, location)
            except (urllib.error.URLError, OSError, ValueError):
                raise PageRefused(UNREACHABLE) from None
        raise PageRefused(UNREACHABLE)

    def _read(self, url: str, read: Callable[[int], bytes], headers: Message) -> FetchedPage:
        mimetype = (headers.get_content_type() or "").lower()
        if mimetype not in TEXT_TYPES:
            raise PageRefused(NOT_A_PAGE)
        data = bytearray()
        while len(data) <= self._max_bytes:
            piece = read(CHUNK)
            if not piece:
                break
            data += piece
        return FetchedPage(url, bytes(data), mimetype)

    def _check(self, url: str) -> None:
        """http(s) only; every address the host resolves to must be public, unless the host is allowed."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PageRefused(NOT_A_WEB_ADDRESS)
        host = parts.hostname.lower()
        if host in self._allowed:
            return
        try:
            addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, parts.port or 443)}
        except OSError:
            raise PageRefused(UNREACHABLE) from None
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if str(ip) in self._allowed:
                continue
            if not ip.is_global or ip.is_multicast:
                raise PageRefused(PRIVATE_ADDRESS)


def learn_target(text: str) -> str:
    """The address in `/ops learn <https://…|label>` or `/ops learn https://…`."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|", 1)[0]
    return text.split()[0] if text.split() else ""

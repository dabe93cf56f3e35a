"""Web pages fetched for `/ops learn <url>`: public addresses only (unless allowed), bounded in size,
time and redirects, so a learn command can never be used to read the bot's own network."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from functools import partial
from typing import Any

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


def _pinned_connection(
    kind: type[http.client.HTTPConnection], address: str, host: str, **kwargs: Any
) -> http.client.HTTPConnection:
    """A connection to `host` (its Host header, TLS name and certificate) made to the checked `address`."""
    connection = kind(host, **kwargs)

    def connect_to_checked_address(target: tuple[str, int], *rest: Any) -> socket.socket:
        return socket.create_connection((address, target[1]), *rest)

    connection._create_connection = connect_to_checked_address  # type: ignore[attr-defined]
    return connection


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self._address = address

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_pinned_connection, http.client.HTTPConnection, self._address), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self._address = address

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_pinned_connection, http.client.HTTPSConnection, self._address), req)


class PageFetcher:
    """Each hop connects to the very address that was checked, so a DNS answer that changes between
    the check and the connection (DNS rebinding) cannot lead the fetch into the private network."""

    def __init__(self, allowed_hosts: frozenset[str], timeout_s: float, max_bytes: int) -> None:
        self._allowed = allowed_hosts
        self._timeout = timeout_s
        self._max_bytes = max_bytes

    def _opener(self, address: str | None) -> urllib.request.OpenerDirector:
        """No proxies (they would resolve the name again) and no automatic redirects."""
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({}), _NoRedirects()]
        if address is not None:
            handlers += [_PinnedHTTP(address), _PinnedHTTPS(address)]
        return urllib.request.build_opener(*handlers)

    def fetch(self, url: str) -> FetchedPage:
        for _ in range(MAX_REDIRECTS + 1):
            address = self._check(url)
            request = urllib.request.Request(url, headers={"User-Agent": "opsbot (learning a page)"})
            try:
                with self._opener(address).open(request, timeout=self._timeout) as response:
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

    def _check(self, url: str) -> str | None:
        """http(s) only; every address the host resolves to must be public, unless the host is allowed.

        Returns the checked address to connect to (None for an allowed host name, resolved as usual).
        """
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PageRefused(NOT_A_WEB_ADDRESS)
        host = parts.hostname.lower()
        if host in self._allowed:
            return None
        try:
            addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, parts.port or 443)]
        except OSError:
            raise PageRefused(UNREACHABLE) from None
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if str(ip) in self._allowed:
                continue
            if not ip.is_global or ip.is_multicast:
                raise PageRefused(PRIVATE_ADDRESS)
        if not addresses:
            raise PageRefused(UNREACHABLE)
        return addresses[0]


def learn_target(text: str) -> str:
    """The address in `/ops learn <https://…|label>` or `/ops learn https://…`."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|", 1)[0]
    return text.split()[0] if text.split() else ""

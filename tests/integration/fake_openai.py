"""A local OpenAI-compatible chat server for tests: records requests, replies as the test tells it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import SecretStr

from bot.settings import Settings


@dataclass(frozen=True)
class Scripted:
    """One scripted reply: its text, how long the server waits before it, and the HTTP status."""

    reply: str
    delay_s: float = 0.0
    status: int = 200


@dataclass
class Behaviour:
    reply: str = "预热最简单的方式是提前告知用户上线时间 [1]。"
    delay_s: float = 0.0
    status: int = 200
    fail_after_chunks: int | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    # A request whose system message contains a marker gets that marker's reply (the first that
    # matches), so one server can answer the query rewrite and the answer differently.
    scripts: dict[str, Scripted] = field(default_factory=dict)

    def script_for(self, body: dict[str, Any]) -> Scripted:
        system = system_message(body)
        for marker, scripted in self.scripts.items():
            if marker in system:
                return scripted
        return Scripted(self.reply, self.delay_s, self.status)

    def requests_with(self, marker: str) -> list[dict[str, Any]]:
        """The recorded requests whose system message contains `marker`, in order."""
        return [body for body in self.requests if marker in system_message(body)]


def system_message(body: dict[str, Any]) -> str:
    messages = body.get("messages") or []
    first = messages[0] if messages else {}
    return str(first.get("content", "")) if first.get("role") == "system" else ""


def user_message(body: dict[str, Any]) -> str:
    """The last user message of a recorded request."""
    users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
    return str(users[-1].get("content", "")) if users else ""


class FakeOpenAI:
    """Serves POST /v1/chat/completions on 127.0.0.1 with a random free port."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        behaviour = self.behaviour

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                behaviour.requests.append(body)
                behaviour.headers.append({k.lower(): v for k, v in self.headers.items()})
                scripted = behaviour.script_for(body)
                time.sleep(scripted.delay_s)
                if body.get("stream") and scripted.status == 200:
                    self._stream(body, scripted.reply)
                    return
                if scripted.status != 200:
                    payload: dict[str, Any] = {"error": {"message": "boom", "type": "server_error"}}
                else:
                    payload = {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "test"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": scripted.reply},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    }
                data = json.dumps(payload).encode()
                try:
                    self.send_response(scripted.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _stream(self, body: dict[str, Any], text: str) -> None:
                """Server-sent events, a few characters per chunk, as OpenAI streams them."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
                for index, piece in enumerate(pieces):
                    if behaviour.fail_after_chunks is not None and index >= behaviour.fail_after_chunks:
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        return
                    chunk = {
                        "id": "chatcmpl-test",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": body.get("model", "test"),
                        "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                done = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": body.get("model", "test"),
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                }
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


API_KEY = "sk-test-DO-NOT-LOG-4242"


def with_llm(settings: Settings, server: FakeOpenAI, timeout: float = 10.0, **overrides: Any) -> Settings:
    """`settings` with the OpenAI-compatible LLM at `server` configured."""
    update: dict[str, Any] = {
        "llm": "openai:gpt-4.1-mini",
        "llm_base_url": server.base_url,
        "llm_api_key": SecretStr(API_KEY),
        "llm_timeout_s": timeout,
    }
    return settings.model_copy(update=update | overrides)

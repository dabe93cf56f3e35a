"""Slack acknowledgement and answer latency of a real `opsbot serve --http` under concurrent commands.

    .venv/bin/python -m benchmarks.slack_load [--commands 200] [--concurrency 20]

The bot runs as its own process (uvicorn, the production server) against the local Slack-compatible
test server; signed slash commands with questions from the benchmark sets arrive over HTTP. The ack
latency is the HTTP round trip of each command; the answer latency runs from sending the command to
the moment the answer reaches its response_url; `acks_over_3s` counts acknowledgements slower than the
3 seconds Slack allows (the tests check only that every command is acknowledged). Two shapes of load:
- closed loop: 20 people each send a command and wait for its answer before sending the next;
- burst: all commands sent by 20 threads as fast as they go, answers queueing behind each other.
Peak memory is the server process's maximum resident set.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.retrieval import DEFAULT_SETS, load_questions
from benchmarks.speed import percentile
from bot.settings import Settings
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot, free_port
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SLACK_ACK_LIMIT_S = 3.0
QUESTIONS = [
    "活动上线前怎么预热?",
    "拉新有哪些渠道?",
    "How do we retain users?",
    "运营总监需要什么能力?",
    "怎么配置 Kubernetes?",
]


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if process.poll() is not None:
            raise RuntimeError("opsbot serve exited")
        time.sleep(0.2)
    raise RuntimeError("opsbot serve did not become ready")


def run(commands: int, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch, FakeSlack() as slack:
        port = free_port()
        env = {
            **os.environ,
            "OPSBOT_DATA_DIR": str(Path(scratch) / "data"),
            "OPSBOT_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SLACK_APP_TOKEN": "",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, process)
            client = RunningBot(url, slack, None, Settings(), None)  # type: ignore[arg-type]
            client.command("ask 预热", response="warmup")
            slack.wait_for(lambda: len(slack.responses("warmup")) >= 1, timeout=30)
            questions = [
                q["question"] for path in DEFAULT_SETS if path.exists() for q in load_questions(path)
            ]
            closed = _closed_loop(client, slack, questions, commands, concurrency)
            burst = _burst(client, slack, questions, commands, concurrency)
        finally:
            process.send_signal(signal.SIGTERM)
            _, _, usage = os.wait4(process.pid, 0)
        return {"closed_loop": closed, "burst": burst, "serve_peak_rss_mb": round(usage.ru_maxrss / 1024)}


def _summary(acks: list[float], answers: list[float], seconds: float, commands: int) -> dict[str, Any]:
    return {
        "answered": f"{len(answers)}/{commands}",
        "ack_p50_ms": round(1000 * percentile(acks, 0.50), 1),
        "ack_p99_ms": round(1000 * percentile(acks, 0.99), 1),
        "ack_max_ms": round(1000 * max(acks), 1),
        "acks_over_3s": sum(ack >= SLACK_ACK_LIMIT_S for ack in acks),
        "answer_p50_ms": round(1000 * percentile(answers, 0.50), 1),
        "answer_p95_ms": round(1000 * percentile(answers, 0.95), 1),
        "throughput_per_s": round(commands / seconds, 1),
    }


def _closed_loop(
    client: RunningBot, slack: FakeSlack, questions: list[str], commands: int, users: int
) -> dict[str, Any]:
    """`users` people each send a command and wait for its answer before the next one."""
    acks: list[float] = []
    answers: list[float] = []

    def one(index: int) -> None:
        name = f"c{index}"
        sent = time.monotonic()
        reply = client.command(f"ask {questions[index % len(questions)]}", response=name)
        acks.append(reply.seconds)
        if slack.wait_for(lambda: bool(slack.called(f"/response/{name}")), timeout=60):
            answers.append(slack.called(f"/response/{name}")[0].at - sent)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(one, range(commands)))
    return {"users": users, **_summary(acks, answers, time.monotonic() - started, commands)}


def _burst(
    client: RunningBot, slack: FakeSlack, questions: list[str], commands: int, senders: int
) -> dict[str, Any]:
    """All commands sent as fast as `senders` threads can, without waiting for answers (a stress test)."""
    sent: dict[int, float] = {}

    def one(index: int) -> float:
        sent[index] = time.monotonic()
        return client.command(f"ask {questions[(index * 7) % len(questions)]}", response=f"b{index}").seconds

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        acks = list(pool.map(one, range(commands)))
    slack.wait_for(lambda: all(slack.called(f"/response/b{i}") for i in range(commands)), timeout=300)
    seconds = time.monotonic() - started
    answers = [
        slack.called(f"/response/b{i}")[0].at - sent[i]
        for i in range(commands)
        if slack.called(f"/response/b{i}")
    ]
    return {"senders": senders, **_summary(acks, answers, seconds, commands)}


def main() -> None:
    parser = argparse.ArgumentParser(description="opsbot Slack latency under load")
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "slack.json")
    args = parser.parse_args()
    results = run(args.commands, args.concurrency)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Prometheus metrics, defined once: every counter and histogram the bot reports on `/metrics`.

One registry of our own (not the library's global one) so tests and two apps in one process never
collide; `render()` gives the text exposition format.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

ANSWERS = Counter(
    "opsbot_answers",
    "Questions answered, by whether the playbook covered them",
    ["covered"],
    registry=REGISTRY,
)
LLM_FALLBACKS = Counter(
    "opsbot_llm_fallbacks",
    "Answers written without the LLM because it failed or timed out",
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "opsbot_ack_seconds",
    "Time from receiving a Slack request to acknowledging it",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
    registry=REGISTRY,
)
REMINDER_LATENESS_SECONDS = Histogram(
    "opsbot_reminder_lateness_seconds",
    "How long after its due time a reminder was posted",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "opsbot_reminder_deliveries",
    "Reminder delivery attempts by outcome: sent, retried (transient failure) or failed (given up)",
    ["outcome"],
    registry=REGISTRY,
)
WRITE_FAILURES = Counter(
    "opsbot_state_write_failures",
    "Writes to the state database or data directory that failed",
    registry=REGISTRY,
)


def render() -> bytes:
    """The exposition text for `/metrics`."""
    return bytes(generate_latest(REGISTRY))

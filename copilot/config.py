"""Settings: the one object built from the environment and passed down.

No other module reads the environment; everything that can be configured is a field here,
so `copilot config` and the README's configuration table have one source of truth.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything Sales Copilot can be told, with the defaults of the embedded mode."""

    model_config = SettingsConfigDict(env_prefix="COPILOT_", env_file=None, extra="ignore")

    # storage
    data_dir: Path = Field(
        Path("data"), description="Data directory: SQLite file, embedded Qdrant, uploads, model cache."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite in the data dir. postgresql+psycopg://... for PostgreSQL.",
    )
    qdrant_url: str | None = Field(
        None, description="Qdrant server URL; unset = Qdrant engine in-process under the data dir."
    )
    qdrant_path: Path | None = Field(
        None, description="Embedded Qdrant shard directory; default <data_dir>/qdrant."
    )
    qdrant_api_key: str | None = Field(None, description="API key for a Qdrant server.")

    # generation
    llm: Literal["offline", "openai"] = Field(
        "offline",
        description="offline = grounded template generator; openai = any OpenAI-compatible endpoint.",
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model name for COPILOT_LLM=openai.")
    llm_timeout_seconds: float = Field(30.0, description="Per-request timeout for the chat endpoint.")
    llm_max_retries: int = Field(2, description="Retries on 429/5xx for the chat endpoint.")
    openai_base_url: str | None = Field(
        None, validation_alias="OPENAI_BASE_URL", description="OpenAI-compatible base URL (OPENAI_BASE_URL)."
    )
    openai_api_key: str | None = Field(
        None, validation_alias="OPENAI_API_KEY", description="API key for the chat endpoint (OPENAI_API_KEY)."
    )

    # models
    embed_model: str = Field(
        "bundled:minilm+zh-wordvec",
        description=(
            "bundled:minilm+zh-wordvec (MiniLM + Chinese word vectors, default), "
            "bundled:all-MiniLM-L6-v2, or a sentence-transformers model name or path."
        ),
    )
    whisper_model: str = Field(
        "auto",
        description="auto = tiny.en / multilingual base bundled; or a faster-whisper size or local directory.",
    )
    voice_max_seconds: int = Field(1800, description="Longest voice note accepted, in seconds.")

    # uploads
    upload_max_bytes: int = Field(200 * 1024 * 1024, description="Largest accepted upload in bytes.")

    # presentation and time
    timezone: str = Field("Asia/Shanghai", description="Time zone in which times are shown.")
    log_level: str = Field("INFO", description="Logging level.")

    # HTTP
    host: str = Field("127.0.0.1", description="Bind address of `copilot serve`.")
    port: int = Field(8000, description="Port of `copilot serve`.")

    # engines
    silent_customer_days: int = Field(
        60, description="Days without update or activity after which a customer is silent."
    )
    lead_claim_sla_hours: float = Field(
        2.0, description="Unclaimed lead escalates to the team manager after this."
    )
    lead_first_contact_sla_hours: float = Field(
        24.0, description="Lead without first contact escalates after this."
    )

    # weekly report delivery
    smtp_host: str | None = Field(
        None, description="SMTP host for the weekly report; unset = reports are kept, not mailed."
    )
    smtp_port: int = Field(25, description="SMTP port.")
    smtp_user: str | None = Field(None, description="SMTP user.")
    smtp_password: str | None = Field(None, description="SMTP password.")
    smtp_sender: str = Field("copilot@localhost", description="From address of mailed reports.")
    report_recipients: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated recipients of the weekly report."
    )
    report_schedule: str = Field(
        "FRI 16:00", description="When the weekly report is produced, in COPILOT_TIMEZONE."
    )

    @field_validator("report_recipients", mode="before")
    @classmethod
    def _split_recipients(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises with the zone's name when unknown
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'copilot.sqlite3').resolve()}"

    @property
    def resolved_qdrant_path(self) -> Path:
        return self.qdrant_path or self.data_dir / "qdrant"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "models"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ensure_dirs(self) -> None:
        """Create the data dir layout; safe to call repeatedly."""
        for path in (self.data_dir, self.uploads_dir, self.model_cache_dir):
            path.mkdir(parents=True, exist_ok=True)


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment, with explicit overrides winning (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]

"""Settings from environment variables prefixed QINGFENG_."""

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="QINGFENG_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///qingfeng.db",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL in production.",
    )
    rules_dir: Path = Path("rules")
    channels_dir: Path = Path("channels")
    timezone: str = "Asia/Shanghai"
    max_body_bytes: int = Field(
        default=8_000_000, description="Largest request body; attachments travel as base64."
    )
    attachments_dir: Path = Path("attachments")
    max_attachment_bytes: int = 5_000_000
    feed_failure_threshold: int = 3
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = Field(default=False, description="Upgrade with STARTTLS (port 587).")
    smtp_ssl: bool = Field(default=False, description="Implicit TLS from the start (port 465).")
    smtp_timeout: float = 10.0
    smtp_ca_file: Path | None = Field(
        default=None, description="CA certificates the mail server's certificate is checked "
        "against (an intranet CA); default: the system's.",
    )
    mail_sender: str = "qingfeng@localhost"
    office_emails: str = Field(default="", description="Comma-separated addresses of the office.")
    webhook_urls: dict[str, str] = Field(
        default_factory=dict,
        description='Group-robot webhooks as JSON, by audience: "*" (office and every '
        'department), "office", "department:<code>", "person:<id>".',
    )
    intake_batch_size: int = 200
    intake_batch_wait_ms: float = 2.0
    token_cache_seconds: float = Field(
        default=5.0, description="How long a process remembers a token's user (0: never)."
    )
    worker_threads: int | None = Field(
        default=None, ge=1, le=200,
        description="Threads per process that run blocking routes (default: 8 on SQLite, "
        "whose writes queue on one lock anyway; 16 on PostgreSQL). On PostgreSQL each "
        "process keeps as many connections open, plus a few for its background jobs.",
    )
    rules_check_seconds: float = Field(
        default=5.0, description="How often the service looks for changed rule files (0: never)."
    )
    run_scheduler: bool = True
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line, with the request id."
    )
    secret_key: str = Field(default="", description="Signs session cookies; generated if empty.")

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def route_threads(self) -> int:
        """Threads per process that run blocking routes."""
        return self.worker_threads or (8 if self.is_sqlite else 16)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides taking precedence."""
    return Settings(**overrides)  # type: ignore[arg-type]
